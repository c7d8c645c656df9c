// Manager sign-in with the lockout rules of rate-limit.ts. The answer for an unknown
// email and for a wrong password is the same, and both count against the same limits,
// so neither the message nor the lockout reveals whether an account exists.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../shared/errors.ts';
import type { SigninInput } from '../../shared/domain/auth.ts';
import type { Db } from '../db/index.ts';
import { identityProvider } from './identity.ts';
import { createSigninGuards, type Verdict } from './rate-limit.ts';
import { createSession } from './sessions.ts';
import { signingKey } from './tokens.ts';

export const KNOWN_DEVICE_COOKIE = 'tandem_known';
export const KNOWN_DEVICE_SECONDS = 365 * 24 * 60 * 60;

let guards = createSigninGuards();
/** Tests swap the clock. */
export function resetSigninGuards(now?: () => number) {
  guards = createSigninGuards(now);
}

async function mac(parts: string, db?: Db): Promise<string> {
  const key = await signingKey(db);
  return createHmac('sha256', Buffer.from(key)).update('known-device:' + parts).digest('base64url');
}

function emailTag(email: string): string {
  return createHmac('sha256', 'tandem-email').update(email).digest('base64url').slice(0, 16);
}

export async function issueKnownDevice(email: string, db?: Db): Promise<string> {
  const body = `${emailTag(email)}.${randomBytes(12).toString('base64url')}`;
  return `${body}.${await mac(body, db)}`;
}

/** The known-device id if the cookie is genuine and was issued for this email. */
async function knownDeviceId(cookie: string | undefined, email: string, db?: Db): Promise<string | null> {
  if (!cookie) return null;
  const [tag, nonce, sig] = cookie.split('.');
  if (!tag || !nonce || !sig || tag !== emailTag(email)) return null;
  const want = Buffer.from(await mac(`${tag}.${nonce}`, db));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got) ? nonce : null;
}

function limited(v: Verdict): AppError {
  return new AppError(
    'RATE_LIMITED',
    `Too many sign-in attempts. Wait ${v.retryAfterSeconds} seconds and try again.`,
    { retryAfterSeconds: v.retryAfterSeconds },
    { 'Retry-After': String(v.retryAfterSeconds) },
  );
}

export interface SigninContext {
  ip: string;
  userAgent: string | null;
  knownDeviceCookie?: string;
}

export async function signIn(input: SigninInput, ctx: SigninContext, db?: Db) {
  const ipVerdict = guards.ip.hit(ctx.ip);
  if (!ipVerdict.ok) throw limited(ipVerdict);

  const known = await knownDeviceId(ctx.knownDeviceCookie, input.email, db);
  const knownOk = known ? guards.knownDevice.check(known).ok : false;
  const accountIpKey = `${input.email}|${ctx.ip}`;
  if (!knownOk) {
    // A browser without a (usable) known-device cookie is subject to both account locks.
    for (const v of [guards.accountIp.check(accountIpKey), guards.account.check(input.email)]) {
      if (!v.ok) throw limited(v);
    }
  }

  const userId = await identityProvider().verify(input.email, input.password, db);
  if (!userId) {
    if (knownOk) guards.knownDevice.hit(known!);
    else {
      guards.accountIp.hit(accountIpKey);
      guards.account.hit(input.email);
    }
    throw new AppError('UNAUTHENTICATED', 'The email or password is wrong. Check them and try again.');
  }
  guards.accountIp.reset(accountIpKey);
  if (known) guards.knownDevice.reset(known);
  const session = await createSession(userId, ctx.userAgent, db);
  return { userId, ...session, knownDevice: knownOk ? ctx.knownDeviceCookie! : await issueKnownDevice(input.email, db) };
}
