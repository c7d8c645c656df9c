// Who a manager is: the identity provider checks an email and password and answers
// with an auth.users id. Embedded mode uses local accounts (scrypt hashes in auth.users);
// connected mode with SUPABASE_URL and SUPABASE_ANON_KEY asks Supabase Auth and verifies
// the access token it returns against the project's JWKS (DESIGN §2).
import { createClient } from '@supabase/supabase-js';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { asService, type Db } from '../db/index.ts';
import { verifyPassword } from './passwords.ts';

export interface IdentityProvider {
  readonly name: 'local' | 'supabase';
  /** The auth.users id for valid credentials, or null. Never says which part was wrong. */
  verify(email: string, password: string, db?: Db): Promise<string | null>;
}

export const localProvider: IdentityProvider = {
  name: 'local',
  async verify(email, password, db) {
    const { rows } = await asService(
      (tx) =>
        tx.query<{ id: string; encrypted_password: string | null; banned: boolean }>(
          `select id, encrypted_password, coalesce(banned_until > now(), false) as banned
           from auth.users where lower(email) = $1`,
          [email],
        ),
      db,
    );
    const user = rows[0];
    // verifyPassword spends the same time on a missing account as on a real one.
    const ok = await verifyPassword(password, user?.encrypted_password);
    if (!ok || !user || user.banned) return null;
    await asService((tx) => tx.query(`update auth.users set last_sign_in_at = now() where id = $1`, [user.id]), db);
    return user.id;
  },
};

export function supabaseProvider(url: string, anonKey: string): IdentityProvider {
  const base = url.replace(/\/+$/, '');
  const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(`${base}/auth/v1/.well-known/jwks.json`));
  const client = createClient(base, anonKey, { auth: { persistSession: false, autoRefreshToken: false } });
  return {
    name: 'supabase',
    async verify(email, password) {
      const { data, error } = await client.auth.signInWithPassword({ email, password });
      if (error || !data.session) return null;
      // Trust the token, not the response body: verify it against the project's keys.
      try {
        const { payload } = await jwtVerify(data.session.access_token, jwks, {
          issuer: `${base}/auth/v1`,
          audience: 'authenticated',
        });
        return typeof payload.sub === 'string' ? payload.sub : null;
      } catch (err) {
        console.warn('[tandem] Supabase Auth returned a token its JWKS does not verify:', (err as Error).message);
        return null;
      }
    },
  };
}

let chosen: IdentityProvider | null = null;

export function identityProvider(env: NodeJS.ProcessEnv = process.env): IdentityProvider {
  if (chosen) return chosen;
  chosen =
    env.SUPABASE_URL && env.SUPABASE_ANON_KEY ? supabaseProvider(env.SUPABASE_URL, env.SUPABASE_ANON_KEY) : localProvider;
  return chosen;
}
