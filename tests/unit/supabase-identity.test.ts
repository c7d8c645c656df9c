// The Supabase identity provider against a stand-in for Supabase Auth (tests/fixtures):
// it signs in through the real supabase-js client and trusts only tokens that the
// project's JWKS verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supabaseProvider } from '../../src/server/auth/identity.ts';
import { startSupabaseAuthStandIn } from '../fixtures/supabase-auth-stand-in.ts';

describe('Supabase identity provider (against the Supabase Auth stand-in)', () => {
  const user = { id: crypto.randomUUID(), email: 'owner@cafe.example', password: 'a long passphrase' };
  let standIn: Awaited<ReturnType<typeof startSupabaseAuthStandIn>>;
  beforeAll(async () => {
    standIn = await startSupabaseAuthStandIn([user]);
  });
  afterAll(() => standIn?.close());

  it('answers with the auth.users id for the right password', async () => {
    const p = supabaseProvider(standIn.url, 'anon-key');
    expect(await p.verify(user.email, user.password)).toBe(user.id);
  });

  it('answers null for a wrong password', async () => {
    const p = supabaseProvider(standIn.url, 'anon-key');
    expect(await p.verify(user.email, 'wrong')).toBeNull();
  });

  it('refuses a token that the project JWKS does not verify', async () => {
    const p = supabaseProvider(standIn.url, 'anon-key');
    standIn.state.signWithForeignKey = true;
    try {
      expect(await p.verify(user.email, user.password)).toBeNull();
    } finally {
      standIn.state.signWithForeignKey = false;
    }
  });
});
