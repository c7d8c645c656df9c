// What Supabase's security advisor would say about our schema (DESIGN §5), as tests:
// RLS on every public table, WITH CHECK on every UPDATE policy, security definer
// functions only in the unexposed schema `app` with a fixed search_path, nothing in `app`
// executable by anon, and an index led by every column a policy scopes by.
// Each check is a query that lists offenders; it must list none on our schema, and it
// must name a planted offender in a scratch transaction (so each check can fail).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, migratedDb } from '../fixtures/engines.ts';
import type { Db, Tx } from '../../src/server/db/index.ts';

/** Schemas PostgREST exposes (Supabase's defaults; we expose public only). */
const EXPOSED = ['public', 'graphql_public'];
const SYSTEM = ['pg_catalog', 'information_schema'];

type Check = (tx: Tx) => Promise<string[]>;

const list = async (tx: Tx, sql: string, params: unknown[] = []) =>
  (await tx.query<{ x: string }>(sql, params)).rows.map((r) => r.x);

const tablesWithoutRls: Check = (tx) =>
  list(
    tx,
    `select c.relname as x from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1) and c.relkind in ('r','p') and not c.relrowsecurity order by 1`,
    [EXPOSED],
  );

const viewsNotSecurityInvoker: Check = (tx) =>
  list(
    tx,
    `select c.relname as x from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1) and c.relkind in ('v','m')
       and not coalesce(c.reloptions @> array['security_invoker=true'], false) order by 1`,
    [EXPOSED],
  );

const updatePoliciesWithoutCheck: Check = (tx) =>
  list(
    tx,
    `select tablename || '.' || policyname as x from pg_policies
     where schemaname = any($1) and cmd in ('UPDATE','ALL') and with_check is null order by 1`,
    [EXPOSED],
  );

// Every policy names its role (authenticated); none applies to anon or to everyone.
const policiesForAnon: Check = (tx) =>
  list(
    tx,
    `select tablename || '.' || policyname as x from pg_policies
     where schemaname = any($1) and ('anon' = any(roles) or 'public' = any(roles)) order by 1`,
    [EXPOSED],
  );

const securityDefinerOutsideApp: Check = (tx) =>
  list(
    tx,
    `select n.nspname || '.' || p.proname as x from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where p.prosecdef and n.nspname <> 'app' and n.nspname <> all($1) and n.nspname not like 'pg\\_%' order by 1`,
    [SYSTEM],
  );

const securityDefinerExecutableByAnon: Check = (tx) =>
  list(
    tx,
    `select n.nspname || '.' || p.proname as x from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where p.prosecdef and n.nspname <> all($1) and n.nspname not like 'pg\\_%'
       and has_function_privilege('anon', p.oid, 'execute') order by 1`,
    [SYSTEM],
  );

const securityDefinerWithoutSearchPath: Check = (tx) =>
  list(
    tx,
    `select n.nspname || '.' || p.proname as x from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where p.prosecdef and n.nspname <> all($1) and n.nspname not like 'pg\\_%'
       and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search\\_path=%') order by 1`,
    [SYSTEM],
  );

const appExecutableByAnon: Check = async (tx) => [
  ...(await list(
    tx,
    `select 'schema app' as x where has_schema_privilege('anon', 'app', 'usage')`,
  )),
  ...(await list(
    tx,
    `select n.nspname || '.' || p.proname as x from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'app' and has_function_privilege('anon', p.oid, 'execute') order by 1`,
  )),
];

/** Columns that the helpers in `app` look rows up by, besides what policies name. */
const HELPER_LOOKUPS = [
  'staff.auth_user_id',
  'staff.organization_id',
  'staff_locations.staff_id',
  'staff_locations.location_id',
  'locations.organization_id',
  'devices.id',
];

// A policy "scopes by" a column when its USING or WITH CHECK names it as a column
// (location_id, organization_id, device_id, id), not as part of a helper's name.
const SCOPE_COLUMN = /(?<![.\w])(location_id|organization_id|device_id|id)(?!\w)/g;

const scopeColumnsWithoutIndex: Check = async (tx) => {
  const policies = await tx.query<{ t: string; e: string }>(
    `select tablename as t, coalesce(qual, '') || ' ' || coalesce(with_check, '') as e
     from pg_policies where schemaname = 'public'`,
  );
  const wanted = new Set(HELPER_LOOKUPS);
  for (const { t, e } of policies.rows) for (const m of e.matchAll(SCOPE_COLUMN)) wanted.add(`${t}.${m[1]}`);
  const missing: string[] = [];
  for (const tc of [...wanted].sort()) {
    const [t, c] = tc.split('.');
    const r = await tx.query<{ has_col: boolean; indexed: boolean }>(
      `select exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = $2 and not a.attisdropped) as has_col,
              exists (select 1 from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
                      where i.indrelid = c.oid and a.attname = $2) as indexed
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relname = $1`,
      [t, c],
    );
    const row = r.rows[0];
    if (!row) missing.push(`${tc} (no such table)`);
    else if (row.has_col && !row.indexed) missing.push(tc);
  }
  return missing;
};

/** Each check, and what to plant so that it must report something. */
const CHECKS: { name: string; check: Check; plant: string; reports: string }[] = [
  {
    name: 'every table in an exposed schema has RLS enabled',
    check: tablesWithoutRls,
    plant: `create table public.advisor_probe (id uuid primary key)`,
    reports: 'advisor_probe',
  },
  {
    name: 'every view in an exposed schema is security_invoker',
    check: viewsNotSecurityInvoker,
    plant: `create view public.advisor_probe_v as select id from public.organizations`,
    reports: 'advisor_probe_v',
  },
  {
    name: 'every UPDATE policy has a WITH CHECK',
    check: updatePoliciesWithoutCheck,
    plant: `create policy advisor_probe on public.categories for update to authenticated using (true)`,
    reports: 'categories.advisor_probe',
  },
  {
    name: 'no policy applies to anon or to every role',
    check: policiesForAnon,
    plant: `create policy advisor_probe on public.categories for select using (true)`,
    reports: 'categories.advisor_probe',
  },
  {
    name: 'security definer functions live in schema app only',
    check: securityDefinerOutsideApp,
    plant: `create function public.advisor_probe() returns int language sql security definer set search_path = '' as 'select 1'`,
    reports: 'public.advisor_probe',
  },
  {
    name: 'no security definer function is executable by anon',
    check: securityDefinerExecutableByAnon,
    plant: `create function app.advisor_probe() returns int language sql security definer set search_path = '' as 'select 1'`,
    reports: 'app.advisor_probe',
  },
  {
    name: 'every security definer function has a fixed search_path',
    check: securityDefinerWithoutSearchPath,
    plant: `create function app.advisor_probe() returns int language sql security definer as 'select 1';
            revoke execute on function app.advisor_probe() from public`,
    reports: 'app.advisor_probe',
  },
  {
    name: 'nothing in schema app is usable by anon',
    check: appExecutableByAnon,
    plant: `create function app.advisor_probe() returns int language sql as 'select 1'`,
    reports: 'app.advisor_probe',
  },
  {
    name: 'every column a policy scopes by leads an index',
    check: scopeColumnsWithoutIndex,
    plant: `create table public.advisor_probe (id uuid primary key, location_id uuid);
            alter table public.advisor_probe enable row level security;
            create policy advisor_probe on public.advisor_probe for select to authenticated
              using (location_id in (select app.member_location_ids()))`,
    reports: 'advisor_probe.location_id',
  },
];

describe.each(engines())('security advisor on $name', (engine) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await migratedDb(engine));
  });
  afterAll(() => drop());

  /** Runs fn in a transaction that is always rolled back. */
  async function scratch<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const rollback = new Error('rollback');
    let out: T | undefined;
    await db
      .transaction(async (tx) => {
        out = await fn(tx);
        throw rollback;
      })
      .catch((e) => {
        if (e !== rollback) throw e;
      });
    return out as T;
  }

  for (const c of CHECKS) {
    it(`${c.name}`, async () => {
      expect(await scratch(c.check)).toEqual([]);
      // and the check sees a planted offender
      const found = await scratch(async (tx) => {
        await tx.exec(c.plant);
        return c.check(tx);
      });
      expect(found).toContain(c.reports);
    });
  }

  it('the helpers that read memberships are security definer in app, executable by authenticated', async () => {
    const { rows } = await db.query<{ name: string; secdef: boolean; auth: boolean }>(
      `select p.proname as name, p.prosecdef as secdef, has_function_privilege('authenticated', p.oid, 'execute') as auth
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'app' and p.proname = any($1) order by 1`,
      [['device_id', 'device_location_id', 'staff_role', 'user_location_ids', 'member_location_ids',
        'manager_location_ids', 'member_org_ids', 'manager_org_ids', 'owner_org_ids']],
    );
    expect(rows).toHaveLength(9);
    for (const r of rows) expect(r, r.name).toMatchObject({ secdef: true, auth: true });
  });

  it('anon can read nothing and call nothing in app', async () => {
    const r = await scratch(async (tx) => {
      await tx.query(`select set_config('role', 'anon', true)`);
      await tx.query('savepoint s');
      const out: Record<string, string> = {};
      for (const sql of ['select app.member_location_ids()', 'select count(*) from public.organizations']) {
        try {
          await tx.query(sql);
          out[sql] = 'ran';
        } catch (e) {
          out[sql] = String((e as { code?: string }).code);
          await tx.query('rollback to savepoint s');
        }
      }
      return out;
    });
    expect(r).toEqual({ 'select app.member_location_ids()': '42501', 'select count(*) from public.organizations': '42501' });
  });
});
