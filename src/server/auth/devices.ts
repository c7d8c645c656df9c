// Devices: a manager registers a tablet to one location and gets a credential, shown
// once; the tablet exchanges it for 15-minute access tokens; a manager can revoke it,
// after which its next request fails (DESIGN §5, §10). Or the manager registers it at the
// console and the tablet pairs with a one-time code (startPairing, pairDevice).
import { randomInt, timingSafeEqual } from 'node:crypto';
import { PAIRING_ALPHABET } from '../../shared/domain/auth.ts';
import { AppError } from '../../shared/errors.ts';
import type { DeviceRegisterInput, DeviceTokenInput } from '../../shared/domain/auth.ts';
import { asService, serviceQuery, withClaims, type Claims, type Db } from '../db/index.ts';
import { createDeviceTokenGuards } from './rate-limit.ts';
import { hashCredential, newCredential, signDeviceToken, verifyDeviceToken } from './tokens.ts';

/** A, B, … Z, then AA, AB, …: the short code that prefixes the device's order numbers. */
export function nextDeviceCode(taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 0; n < 26 + 26 * 26; n++) {
    const code = n < 26 ? String.fromCharCode(65 + n) : String.fromCharCode(65 + Math.floor(n / 26) - 1) + String.fromCharCode(65 + (n % 26));
    if (!used.has(code)) return code;
  }
  throw new AppError('CONFLICT', 'This location has too many devices. Revoke unused ones first.');
}

export async function registerDevice(claims: Claims, input: DeviceRegisterInput, db?: Db) {
  const credential = newCredential();
  return withClaims(
    claims,
    async (tx) => {
      // RLS decides: a location the user cannot manage looks the same as one that does not exist.
      const loc = await tx.query<{ id: string }>(
        `select id from public.locations where id = $1 and id in (select app.manager_location_ids())`,
        [input.locationId],
      );
      if (!loc.rows[0]) throw new AppError('NOT_FOUND', 'No location with that id that you manage.');
      await tx.query(`select pg_advisory_xact_lock(hashtext($1))`, ['device-code:' + input.locationId]);
      const codes = await tx.query<{ code: string }>(`select code from public.devices where location_id = $1`, [
        input.locationId,
      ]);
      const code = nextDeviceCode(codes.rows.map((r) => r.code));
      const { rows } = await tx.query<{ id: string }>(
        `insert into public.devices (location_id, name, code, created_by) values ($1, $2, $3, $4) returning id`,
        [input.locationId, input.name, code, claims.sub ?? null],
      );
      await tx.query(`select app.set_device_secret($1, $2)`, [rows[0].id, hashCredential(credential)]);
      return { deviceId: rows[0].id, credential, code };
    },
    db,
  );
}

let guards = createDeviceTokenGuards();
export function resetDeviceTokenGuards(now?: () => number) {
  guards = createDeviceTokenGuards(now);
}

export async function exchangeDeviceToken(input: DeviceTokenInput, ip: string, db?: Db) {
  const limited = (s: number) =>
    new AppError('RATE_LIMITED', `Too many attempts from this device. Wait ${s} seconds and try again.`, { retryAfterSeconds: s }, {
      'Retry-After': String(s),
    });
  const ipV = guards.ip.hit(ip);
  if (!ipV.ok) throw limited(ipV.retryAfterSeconds);
  const key = `${input.deviceId}|${ip}`;
  const lock = guards.deviceIp.check(key);
  if (!lock.ok) throw limited(lock.retryAfterSeconds);

  const row = await asService(async (tx) => {
    const { rows } = await tx.query<{ location_id: string; credential_hash: string; revoked: boolean }>(
      `select d.location_id, s.credential_hash, (d.revoked_at is not null or d.deleted) as revoked
       from public.devices d join app.device_secrets s on s.device_id = d.id where d.id = $1`,
      [input.deviceId],
    );
    const r = rows[0];
    const want = Buffer.from(r?.credential_hash ?? hashCredential('missing'));
    const got = Buffer.from(hashCredential(input.credential));
    const match = want.length === got.length && timingSafeEqual(want, got);
    if (!r || !match || r.revoked) return null;
    await tx.query(`update public.devices set last_seen_at = now() where id = $1`, [input.deviceId]);
    return r;
  }, db);
  if (!row) {
    guards.deviceIp.hit(key);
    throw new AppError('UNAUTHENTICATED', 'This device is not registered or was revoked. Ask a manager to register it again.');
  }
  guards.deviceIp.reset(key);
  return signDeviceToken({ deviceId: input.deviceId, locationId: row.location_id }, db);
}

/** A bearer token → the device, checked against revocation on every request. */
export async function authenticateDevice(token: string, db?: Db) {
  const claims = await verifyDeviceToken(token, db);
  // Every device request asks this: one statement, not a transaction around it.
  const { rows } = await serviceQuery<{ location_id: string; organization_id: string }>(
    `select d.location_id, l.organization_id from public.devices d join public.locations l on l.id = d.location_id
     where d.id = $1 and d.revoked_at is null and not d.deleted`,
    [claims.deviceId],
    db,
  );
  if (!rows[0] || rows[0].location_id !== claims.locationId) {
    throw new AppError('UNAUTHENTICATED', 'This device was revoked. Ask a manager to register it again.');
  }
  return { deviceId: claims.deviceId, locationId: rows[0].location_id, organizationId: rows[0].organization_id };
}

export async function revokeDevice(claims: Claims, deviceId: string, db?: Db) {
  const { rows } = await withClaims(
    claims,
    (tx) =>
      tx.query<{ id: string }>(
        `update public.devices set revoked_at = coalesce(revoked_at, now())
         where id = $1 and location_id in (select app.manager_location_ids()) returning id`,
        [deviceId],
      ),
    db,
  );
  if (!rows[0]) throw new AppError('NOT_FOUND', 'No device with that id that you manage.');
}

const PAIRING_MINUTES = 30;

/** The console registers a tablet: the device, and a code the tablet trades for its credential. */
export async function startPairing(claims: Claims, input: DeviceRegisterInput, db?: Db) {
  const code = Array.from({ length: 12 }, () => PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)]).join('');
  const d = await registerDevice(claims, input, db); // its first credential is never shown: pairing replaces it
  const { rows } = await asService(
    (tx) =>
      tx.query<{ expires_at: Date }>(
        `insert into app.device_pairings (code_hash, device_id, expires_at) values ($1, $2, now() + make_interval(mins => $3)) returning expires_at`,
        [hashCredential(code), d.deviceId, PAIRING_MINUTES],
      ),
    db,
  );
  return { deviceId: d.deviceId, deviceCode: d.code, pairingCode: code.match(/.{4}/g)!.join('-'), expiresAt: rows[0].expires_at.toISOString() };
}

/** The tablet trades a pairing code for its device and a fresh credential, once. */
export async function pairDevice(code: string, ip: string, db?: Db) {
  const v = guards.ip.hit(ip);
  if (!v.ok) {
    throw new AppError('RATE_LIMITED', `Too many attempts from here. Wait ${v.retryAfterSeconds} seconds and try again.`, { retryAfterSeconds: v.retryAfterSeconds }, {
      'Retry-After': String(v.retryAfterSeconds),
    });
  }
  const credential = newCredential();
  const paired = await asService(async (tx) => {
    const { rows: [p] } = await tx.query<{ device_id: string; usable: boolean }>(
      `select p.device_id, (p.used_at is null and p.expires_at > now() and d.revoked_at is null and not d.deleted) as usable
       from app.device_pairings p join public.devices d on d.id = p.device_id where p.code_hash = $1 for update of p`,
      [hashCredential(code)],
    );
    if (!p?.usable) return null;
    await tx.query(`update app.device_pairings set used_at = now() where code_hash = $1`, [hashCredential(code)]);
    await tx.query(
      `insert into app.device_secrets (device_id, credential_hash) values ($1, $2)
       on conflict (device_id) do update set credential_hash = excluded.credential_hash`,
      [p.device_id, hashCredential(credential)],
    );
    const { rows: [d] } = await tx.query<{ code: string; location_id: string; organization_id: string; screens: string[] }>(
      `select d.code, d.location_id, l.organization_id, l.screens from public.devices d join public.locations l on l.id = d.location_id where d.id = $1`,
      [p.device_id],
    );
    return { deviceId: p.device_id, credential, code: d.code, locationId: d.location_id, organizationId: d.organization_id, screens: d.screens };
  }, db);
  if (!paired) throw new AppError('UNAUTHENTICATED', 'That pairing code is not valid: it was used already, it is more than 30 minutes old, or it was mistyped. Ask a manager for a new one.');
  return paired;
}
