// Migrations apply from scratch on each engine, and a second run applies nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../fixtures/engines.ts';
import { migrate } from '../../src/server/db/migrate.ts';
import type { Db } from '../../src/server/db/index.ts';

describe.each(engines())('migrations on $name', (engine) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await engine.create());
  });
  afterAll(() => drop());

  it('apply from scratch, record versions as the Supabase CLI does, then apply nothing', async () => {
    const first = await migrate(db);
    expect(first.supabase).toBe(false);
    expect(first.compat.length).toBeGreaterThan(0);
    expect(first.applied).toEqual([
      '20261125000100_core',
      '20261125000200_cafe',
      '20261125000300_studio',
      '20261125000400_sync',
      ...first.applied.slice(4),
    ]);
    const { rows } = await db.query<{ version: string }>(
      'select version from supabase_migrations.schema_migrations order by version',
    );
    expect(rows.map((r) => r.version)).toEqual(first.applied.map((a) => a.split('_')[0]));
    const second = await migrate(db);
    expect(second).toEqual({ supabase: false, compat: [], applied: [] });
  });

  it('creates the Supabase roles and auth helpers', async () => {
    const { rows } = await db.query<{ rolname: string }>(
      `select rolname from pg_roles where rolname in ('anon','authenticated','service_role') order by 1`,
    );
    expect(rows.map((r) => r.rolname)).toEqual(['anon', 'authenticated', 'service_role']);
    const uid = await db.transaction(async (tx) => {
      await tx.query(`select set_config('request.jwt.claims', $1, true)`, [
        JSON.stringify({ sub: '00000000-0000-4000-8000-000000000001', role: 'authenticated' }),
      ]);
      return (await tx.query<{ uid: string; role: string }>('select auth.uid() as uid, auth.role() as role')).rows[0];
    });
    expect(uid).toEqual({ uid: '00000000-0000-4000-8000-000000000001', role: 'authenticated' });
  });
});
