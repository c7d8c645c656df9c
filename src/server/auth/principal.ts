// Who is asking: a signed-in user (session cookie), a device (bearer token), or nobody.
// The middleware resolves it once per request into Astro.locals; endpoints ask for the
// kind they need with requireUser / requireDevice.
import { AppError } from '../../shared/errors.ts';
import type { Claims } from '../db/index.ts';
import { authenticateDevice } from './devices.ts';
import { readSession, SESSION_COOKIE } from './sessions.ts';

export type Principal =
  | { kind: 'anon'; authError?: AppError }
  | { kind: 'user'; userId: string; sessionToken: string; claims: Claims }
  | { kind: 'device'; deviceId: string; locationId: string; organizationId: string; claims: Claims };

export async function resolvePrincipal(headers: Headers, cookie: (name: string) => string | undefined): Promise<Principal> {
  const auth = headers.get('authorization');
  if (auth) {
    const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(auth);
    if (!m) return { kind: 'anon', authError: new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token>".') };
    try {
      const d = await authenticateDevice(m[1]);
      return { kind: 'device', ...d, claims: { role: 'authenticated', sub: d.deviceId, device_id: d.deviceId } };
    } catch (err) {
      if (err instanceof AppError) return { kind: 'anon', authError: err };
      throw err;
    }
  }
  const token = cookie(SESSION_COOKIE);
  if (token) {
    const s = await readSession(token);
    if (s) return { kind: 'user', userId: s.userId, sessionToken: token, claims: { role: 'authenticated', sub: s.userId } };
    return { kind: 'anon', authError: new AppError('UNAUTHENTICATED', 'Your session has ended. Sign in again.') };
  }
  return { kind: 'anon' };
}

export function requireUser(p: Principal): Extract<Principal, { kind: 'user' }> {
  if (p.kind === 'user') return p;
  if (p.kind === 'device') throw new AppError('FORBIDDEN', 'This needs a manager’s sign-in; a device cannot do it.');
  throw p.authError ?? new AppError('UNAUTHENTICATED', 'Sign in as a manager first.');
}

export function requireDevice(p: Principal): Extract<Principal, { kind: 'device' }> {
  if (p.kind === 'device') return p;
  if (p.kind === 'user') throw new AppError('FORBIDDEN', 'This needs a registered device’s access token, not a manager’s session.');
  throw p.authError ?? new AppError('UNAUTHENTICATED', 'Send the device’s access token as "Authorization: Bearer <token>".');
}
