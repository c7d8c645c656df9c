// The tablet's app object, one per page: the local database, the sync engine talking to
// this server with the stored device credential, and the signed-in staff member. Screens
// (src/features) get everything through here.
import { getMeta, LocalDb, readAll, setMeta } from './db/local-db.ts';
import { SyncEngine } from './sync/engine.ts';
import { deviceInfo, mutateMany, SIGNED_IN, type DeviceInfo } from './sync/outbox.ts';
import { rememberDevice, storedCredential } from './sync/register.ts';
import { httpTransport } from './sync/transport.ts';
import { guardUnload } from './sync/unload-guard.ts';
import { verifyPin } from '../shared/domain/pin.ts';

export interface DeviceApp {
  db: LocalDb;
  engine: SyncEngine;
  device(): Promise<DeviceInfo | undefined>;
  /** Queues a mutation as the current staff member and nudges the sync loop. */
  run(name: string, args: unknown): Promise<number>;
  /** Queues mutations that belong together in one local transaction. */
  runMany(list: { name: string; args: unknown }[]): Promise<number[]>;
  /** An online call to a device API (card payments); throws SyncHttpError. */
  api(path: string, body?: unknown): Promise<unknown>;
}

let app: DeviceApp | null = null;

export function deviceApp(): DeviceApp {
  if (app) return app;
  const db = new LocalDb('tandem');
  const transport = httpTransport({ credential: () => storedCredential(db) });
  // A second of quiet after a tap before pushing: the sale is durable already, the next
  // tap's transaction does not wait for this one's push and rebase, and a run of taps goes
  // to the server in one push. Card payments and "Sync now" sync at once.
  const engine = new SyncEngine({ db, transport, pushAfterMutationMs: 1000 });
  app = {
    db,
    engine,
    device: () => getMeta<DeviceInfo>(db, 'device'),
    async run(name, args) {
      return (await this.runMany([{ name, args }]))[0];
    },
    async runMany(list) {
      const ids = await mutateMany(db, list, SIGNED_IN);
      engine.notify();
      return ids;
    },
    api: (path, body = {}) => transport.request!(path, body),
  };
  // for support and tests: the live engine from the browser's console
  (globalThis as { __tandem?: DeviceApp }).__tandem = app;
  return app;
}

/** Starts syncing once the tablet is registered; safe to call more than once. */
let started = false;
export async function startSync(): Promise<void> {
  const a = deviceApp();
  if (started || !(await a.device())) return;
  started = true;
  await a.engine.start();
  guardUnload(a.engine);
}

/**
 * What a device screen (/pos, /desk) does first: the registered device, syncing started,
 * and who is signed in. An unregistered tablet is sent to /setup (and gets null).
 */
export async function openDeviceScreen(): Promise<{ device: DeviceInfo; staffId: string | undefined } | null> {
  const device = await deviceApp().device();
  if (!device) {
    window.location.href = '/setup';
    return null;
  }
  await startSync();
  return { device, staffId: (await currentStaffId()) ?? undefined };
}

export async function registerThisTablet(device: DeviceInfo, credential: string): Promise<void> {
  const a = deviceApp();
  await rememberDevice(a.db, device, credential);
  await startSync();
  await a.engine.sync();
}

// ---- who is working: PINs are checked here, offline, against the synced hashes (DESIGN §5)

const LOCK_AFTER = 5;
const LOCK_MS = 30_000;

export async function currentStaffId(db = deviceApp().db): Promise<string | undefined> {
  return getMeta<string>(db, 'currentStaff');
}

export async function staffHere(db = deviceApp().db) {
  const d = await deviceInfo(db).catch(() => undefined);
  if (!d) return [];
  const links = (await readAll(db, 'staff_locations')).filter((l) => l.location_id === d.locationId);
  const ids = new Set(links.map((l) => l.staff_id));
  return (await readAll(db, 'staff')).filter((s) => ids.has(s.id) && s.active).sort((a, b) => a.name.localeCompare(b.name));
}

export type PinResult = { ok: true } | { ok: false; reason: string; lockedForMs?: number };

export async function signInStaff(staffId: string, pin: string, now = Date.now()): Promise<PinResult> {
  const db = deviceApp().db;
  const tries = (await getMeta<{ n: number; until: number }>(db, `pin:${staffId}`)) ?? { n: 0, until: 0 };
  if (tries.until > now) return { ok: false, reason: 'Too many wrong PINs. Wait a moment.', lockedForMs: tries.until - now };
  const s = (await staffHere(db)).find((x) => x.id === staffId);
  if (!s?.pin_hash || !s.pin_salt || !s.pin_iterations) return { ok: false, reason: 'This person has no PIN yet. Ask a manager.' };
  if (await verifyPin(pin, { pin_hash: s.pin_hash, pin_salt: s.pin_salt, pin_iterations: s.pin_iterations })) {
    await setMeta(db, `pin:${staffId}`, { n: 0, until: 0 });
    await setMeta(db, 'currentStaff', staffId);
    return { ok: true };
  }
  const n = tries.n + 1;
  const locked = n >= LOCK_AFTER;
  await setMeta(db, `pin:${staffId}`, { n: locked ? 0 : n, until: locked ? now + LOCK_MS : 0 });
  return { ok: false, reason: locked ? 'Too many wrong PINs. Wait 30 seconds.' : 'That PIN is not right.', ...(locked ? { lockedForMs: LOCK_MS } : {}) };
}

export async function signOutStaff(): Promise<void> {
  await setMeta(deviceApp().db, 'currentStaff', null);
}
