// The RLS matrix (DESIGN §5, §11): every principal × every public table × select, insert,
// update and delete, against rows of the principal's own location or organization,
// another location of the same organization, and another organization. What is allowed
// must work and what is denied must be denied. Each check runs as the principal through
// withClaims, every attempt inside a savepoint that is rolled back, so the world never
// changes between checks.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, migratedDb } from '../fixtures/engines.ts';
import {
  LOCS,
  ORGS,
  ORG_OF,
  PRINCIPALS,
  TABLES,
  TABLE_SPEC,
  insertRow,
  buildWorld,
  type Loc,
  type Org,
  type PrincipalName,
  type Scope,
  type World,
} from '../fixtures/rls-world.ts';
import { asService, enterClaims, sqlState, withClaims, type Db, type Tx } from '../../src/server/db/index.ts';

// ---------------------------------------------------------------- what each principal is
// Written out from DESIGN §5, not computed from the SQL helpers: a device sees its own
// location, a manager the locations they manage, an owner every location of the
// organization, nobody another organization; a manager's role counts on a device only at
// a location where they work.
interface Access {
  /** The location of the principal's (registered, not revoked) device. */
  device?: Loc;
  /** Locations whose rows it reads, and whose operational rows it writes. */
  member?: Loc[];
  /** Locations whose configuration it may change. */
  manager?: Loc[];
  /** Locations it manages as a signed-in user (reads every device's sync rows there). */
  user?: Loc[];
  /** Organizations it owns as a signed-in user. */
  owner?: Org[];
}

const ACCESS: Record<PrincipalName, Access> = {
  anon: {},
  cafe_device: { device: 'cafe', member: ['cafe'] },
  studio_device: { device: 'studio', member: ['studio'] },
  barista: { device: 'cafe', member: ['cafe'] },
  front_desk: { device: 'studio', member: ['studio'] },
  cafe_manager: { member: ['cafe'], manager: ['cafe'], user: ['cafe'] },
  owner_a: { member: ['cafe', 'studio'], manager: ['cafe', 'studio'], user: ['cafe', 'studio'], owner: ['A'] },
  owner_b: { member: ['bloc'], manager: ['bloc'], user: ['bloc'], owner: ['B'] },
  cafe_device_manager: { device: 'cafe', member: ['cafe'], manager: ['cafe'] },
  cafe_device_studio_manager: { device: 'cafe', member: ['cafe'] },
  revoked_device: {},
  stranger: {},
};

// ---------------------------------------------------------------- policy shapes
type Rule = (a: Access) => Scope[];
const uniq = <T>(xs: T[]) => [...new Set(xs)];
const orgsOf = (ls: Loc[] = []) => uniq(ls.map((l) => ORG_OF[l]));
const member: Rule = (a) => a.member ?? [];
const manager: Rule = (a) => a.manager ?? [];
const memberOrg: Rule = (a) => orgsOf(a.member);
const managerOrg: Rule = (a) => orgsOf(a.manager);
const ownerOrg: Rule = (a) => a.owner ?? [];
const ownDevice: Rule = (a) => (a.device ? [a.device] : []);
const ownDeviceOrManaged: Rule = (a) => uniq([...ownDevice(a), ...(a.user ?? [])]);
const nobody: Rule = () => [];

interface Shape {
  select: Rule;
  insert: Rule;
  update: Rule;
  /** Insert targets are organizations although rows are per location (a new location). */
  insertInOrg?: boolean;
}

/** The shapes of app.apply_policies and the tables with policies of their own. */
const SHAPES = {
  ops: { select: member, insert: member, update: member },
  config: { select: member, insert: manager, update: manager },
  org_ops: { select: memberOrg, insert: memberOrg, update: memberOrg },
  org_config: { select: memberOrg, insert: managerOrg, update: managerOrg },
  manager_read: { select: managerOrg, insert: memberOrg, update: nobody },
  organizations: { select: memberOrg, insert: nobody, update: ownerOrg },
  locations: { select: member, insert: ownerOrg, update: manager, insertInOrg: true },
  stock_levels: { select: member, insert: nobody, update: nobody },
  sync_clients: { select: ownDeviceOrManaged, insert: ownDevice, update: ownDevice },
  mutation_log: { select: ownDeviceOrManaged, insert: ownDevice, update: nobody },
  reconciliation_items: { select: member, insert: member, update: manager },
  stripe_events: { select: nobody, insert: nobody, update: nobody },
} satisfies Record<string, Shape>;
type ShapeName = keyof typeof SHAPES;

/** Every table in public and its shape. A table missing here fails the first test. */
const TABLE_SHAPES: Record<string, ShapeName> = {
  organizations: 'organizations',
  locations: 'locations',
  staff: 'org_config', // and only a signed-in owner touches owner and manager records: STAFF_CASES below
  staff_locations: 'config',
  devices: 'config',
  customers: 'org_ops',
  audit_log: 'manager_read',
  categories: 'config',
  products: 'config',
  product_availability: 'ops',
  modifier_groups: 'config',
  modifiers: 'config',
  product_modifier_groups: 'config',
  inventory_items: 'config',
  recipe_lines: 'config',
  orders: 'ops',
  order_items: 'ops',
  payments: 'ops',
  refunds: 'config',
  stock_movements: 'ops',
  stock_levels: 'stock_levels',
  drawer_sessions: 'ops',
  drawer_movements: 'ops',
  loyalty_ledger: 'org_ops',
  class_types: 'config',
  class_sessions: 'config',
  plans: 'org_config',
  customer_passes: 'org_ops',
  bookings: 'ops',
  credit_ledger: 'org_ops',
  waivers: 'org_ops',
  sync_clients: 'sync_clients',
  mutation_log: 'mutation_log',
  reconciliation_items: 'reconciliation_items',
  stripe_events: 'stripe_events',
};

const OPS = ['select', 'insert', 'update', 'delete'] as const;
type Op = (typeof OPS)[number];

function targets(table: string, op: Op): Scope[] {
  if (op === 'insert' && (SHAPES[TABLE_SHAPES[table]] as Shape).insertInOrg) return ORGS;
  return TABLE_SPEC[table].scope === 'location' ? LOCS : ORGS;
}

/** The expected outcome of op on each target: what the matrix says. */
function expected(p: PrincipalName, table: string, op: Op): Record<string, string> {
  const shape: Shape = SHAPES[TABLE_SHAPES[table]];
  const allowed = op === 'delete' ? [] : shape[op](ACCESS[p]);
  const [yes, no] = op === 'select' ? ['visible', 'hidden'] : ['allowed', 'denied'];
  return Object.fromEntries(targets(table, op).map((s) => [s, allowed.includes(s) ? yes : no]));
}

/** Where a row may not move: its scope column set to another location or organization. */
function moveOf(table: string): { col: string; kind: 'location' | 'org' } | null {
  if (table === 'locations') return { col: 'organization_id', kind: 'org' };
  const spec = TABLE_SPEC[table];
  if (!spec.scopeCol || spec.scopeCol === 'id') return null;
  return { col: spec.scopeCol, kind: spec.scope };
}

// ---------------------------------------------------------------- running checks
type Attempt = { rowCount: number; rows: Record<string, unknown>[] } | { error: unknown };

function describeError(e: unknown): string {
  return `error ${sqlState(e) ?? '?'}: ${(e as Error)?.message ?? String(e)}`;
}

/** Write outcome: 1 row → allowed; 0 rows or one of the denial codes → denied. */
function writeOutcome(r: Attempt, denyCodes = ['42501']): string {
  if ('error' in r) return denyCodes.includes(sqlState(r.error) ?? '') ? 'denied' : describeError(r.error);
  if (r.rowCount === 1) return 'allowed';
  if (r.rowCount === 0) return 'denied';
  return `${r.rowCount} rows`;
}

describe.each(engines())('RLS matrix on $name', (engine) => {
  let db: Db;
  let drop: () => Promise<void>;
  let world: World;
  let before: Record<string, number>;

  async function counts(): Promise<Record<string, number>> {
    return asService(async (tx) => {
      const out: Record<string, number> = {};
      for (const t of TABLES) {
        out[t.table] = Number((await tx.query<{ n: number }>(`select count(*)::int as n from public.${t.table}`)).rows[0].n);
      }
      const v = await tx.query<{ s: string }>(`select coalesce(sum(version), 0)::text as s from app.location_versions`);
      out['app.location_versions'] = Number(v.rows[0].s);
      return out;
    }, db);
  }

  beforeAll(async () => {
    ({ db, drop } = await migratedDb(engine));
    world = await buildWorld(db);
    before = await counts();
  });
  afterAll(() => drop());

  /**
   * Runs fn as principal p in one withClaims transaction. Each attempt runs after a
   * savepoint and is rolled back to it, whether it worked or failed.
   */
  async function as<T>(p: PrincipalName, fn: (attempt: (f: (tx: Tx) => Promise<{ rowCount: number; rows?: unknown[] }>) => Promise<Attempt>) => Promise<T>) {
    return withClaims(
      world.principals[p],
      async (tx) => {
        await tx.query('savepoint rls_check');
        const attempt = async (f: (tx: Tx) => Promise<{ rowCount: number; rows?: unknown[] }>): Promise<Attempt> => {
          try {
            const r = await f(tx);
            return { rowCount: r.rowCount, rows: (r.rows ?? []) as Record<string, unknown>[] };
          } catch (error) {
            return { error };
          } finally {
            await tx.query('rollback to savepoint rls_check');
          }
        };
        return fn(attempt);
      },
      db,
    );
  }

  async function actual(p: PrincipalName, table: string, op: Op): Promise<Record<string, string>> {
    const spec = TABLE_SPEC[table];
    const ts = targets(table, op);
    return as(p, async (attempt) => {
      const out: Record<string, string> = {};
      if (op === 'select') {
        const col = spec.scopeCol ?? 'id';
        const r = await attempt((tx) => tx.query<{ k: string }>(`select ${col}::text as k from public.${table}`));
        const byId = new Map(Object.entries(world.rows[table]).map(([s, id]) => [id, s]));
        const seen = new Set<string>();
        if ('error' in r) {
          if (sqlState(r.error) !== '42501') return { error: describeError(r.error) };
        } else {
          for (const row of r.rows) {
            const k = String(row.k);
            seen.add((spec.scopeCol ? world.keyOf(k) : byId.get(k)) ?? `unknown ${k}`);
          }
        }
        for (const s of ts) out[s] = seen.has(s) ? 'visible' : 'hidden';
        for (const s of seen) if (!ts.includes(s as Scope)) out[s] = 'visible';
        return out;
      }
      for (const s of ts) {
        const id = world.rows[table][s]!;
        const r =
          op === 'insert'
            ? await attempt(async (tx) => ({ rowCount: await insertRow(tx, table, world.newRow(table, s)) }))
            : op === 'update'
              ? await attempt((tx) => tx.query(`update public.${table} set id = id where id = $1`, [id]))
              : await attempt((tx) => tx.query(`delete from public.${table} where id = $1`, [id]));
        out[s] = writeOutcome(r);
      }
      return out;
    });
  }

  it('names every table in public, and the world has rows of each in every scope', async () => {
    const { rows } = await db.query<{ tablename: string }>(
      `select tablename from pg_tables where schemaname = 'public' order by 1`,
    );
    const inDb = rows.map((r) => r.tablename);
    expect(inDb.filter((t) => !(t in TABLE_SHAPES)), 'tables in public missing from the RLS matrix').toEqual([]);
    expect(Object.keys(TABLE_SHAPES).filter((t) => !inDb.includes(t)), 'matrix tables that do not exist').toEqual([]);
    expect(Object.keys(TABLE_SPEC).sort(), 'the fixture builds every matrix table').toEqual(Object.keys(TABLE_SHAPES).sort());
    for (const t of TABLES) {
      const scopes = t.scope === 'location' ? LOCS : ORGS;
      expect(Object.keys(world.rows[t.table] ?? {}).sort(), t.table).toEqual([...scopes].sort());
    }
    // and every world row really is where the matrix thinks it is
    await asService(async (tx) => {
      for (const t of TABLES) {
        if (!t.scopeCol) continue;
        for (const [s, id] of Object.entries(world.rows[t.table])) {
          const r = await tx.query<{ k: string }>(`select ${t.scopeCol}::text as k from public.${t.table} where id = $1`, [id]);
          expect(world.keyOf(r.rows[0]?.k ?? ''), `${t.table} row in ${s}`).toBe(s);
        }
      }
    }, db);
  });

  for (const p of PRINCIPALS) {
    for (const { table } of TABLES) {
      for (const op of OPS) {
        it(`${p} × ${table} × ${op}`, async () => {
          expect(await actual(p, table, op)).toEqual(expected(p, table, op));
        });
      }
      const move = moveOf(table);
      const canUpdate = expected(p, table, 'update');
      const own = Object.keys(canUpdate).filter((s) => canUpdate[s] === 'allowed') as Scope[];
      if (move && own.length > 0) {
        it(`${p} × ${table} × update that moves a row to another ${move.kind === 'org' ? 'organization' : 'location'}`, async () => {
          const out = await as(p, async (attempt) => {
            const res: Record<string, string> = {};
            for (const s of own) {
              const ownKey: Scope = move.kind === 'org' && (LOCS as string[]).includes(s) ? ORG_OF[s as Loc] : s;
              for (const other of move.kind === 'org' ? ORGS : LOCS) {
                if (other === ownKey) continue;
                const to = move.kind === 'org' ? world.ids.org[other as Org] : world.ids.loc[other as Loc];
                const r = await attempt((tx) =>
                  tx.query(`update public.${table} set ${move.col} = $1 where id = $2`, [to, world.rows[table][s]]),
                );
                // 42501: WITH CHECK; 23514: the version trigger refuses a row that changes location or organization
                res[`${s}→${other}`] = writeOutcome(r, ['42501', '23514']);
              }
            }
            return res;
          });
          for (const [k, v] of Object.entries(out)) expect(v, k).toBe('denied');
          expect(Object.keys(out).length).toBeGreaterThan(0);
        });
      }
    }
  }

  // ---------------------------------------------------------------- beyond scopes
  // Column values that the scope matrix cannot see: who may make whom a manager or owner.
  type Case = { p: PrincipalName; what: string; want: 'allowed' | 'denied'; run: (tx: Tx) => Promise<{ rowCount: number }> };
  const S = () => world.ids.staff;
  const setStaff = (set: string, id: () => string, params: () => unknown[] = () => []) => (tx: Tx) =>
    tx.query(`update public.staff set ${set} where id = $1`, [id(), ...params()]);
  const newStaff = (role: string) => (tx: Tx) =>
    insertRow(tx, 'staff', { ...world.newRow('staff', 'A'), role }).then((rowCount) => ({ rowCount }));
  const STAFF_CASES: Case[] = [
    { p: 'cafe_manager', what: 'renames a barista', want: 'allowed', run: setStaff(`name = 'Bea B.'`, () => S().barista) },
    { p: 'cafe_manager', what: 'adds a barista', want: 'allowed', run: newStaff('barista') },
    { p: 'cafe_manager', what: 'makes themselves owner', want: 'denied', run: setStaff(`role = 'owner'`, () => S().cafeManager) },
    { p: 'cafe_manager', what: 'promotes a barista to manager', want: 'denied', run: setStaff(`role = 'manager'`, () => S().barista) },
    { p: 'cafe_manager', what: 'adds an owner', want: 'denied', run: newStaff('owner') },
    { p: 'cafe_manager', what: 'adds a manager', want: 'denied', run: newStaff('manager') },
    { p: 'cafe_manager', what: "changes the owner's PIN", want: 'denied', run: setStaff(`pin_hash = 'x', pin_salt = 'y'`, () => S().ownerA) },
    { p: 'cafe_manager', what: 'deactivates the owner', want: 'denied', run: setStaff(`active = false`, () => S().ownerA) },
    {
      p: 'cafe_manager',
      what: "links the studio manager's record to another sign-in",
      want: 'denied',
      run: setStaff(`auth_user_id = $2`, () => S().studioManager, () => [world.ids.user.stranger]),
    },
    { p: 'cafe_device_manager', what: 'makes themselves owner', want: 'denied', run: setStaff(`role = 'owner'`, () => S().cafeManager) },
    { p: 'cafe_device_manager', what: 'renames a barista', want: 'allowed', run: setStaff(`name = 'Bea B.'`, () => S().barista) },
    { p: 'barista', what: 'makes themselves manager', want: 'denied', run: setStaff(`role = 'manager'`, () => S().barista) },
    { p: 'owner_a', what: 'promotes a barista to manager', want: 'allowed', run: setStaff(`role = 'manager'`, () => S().barista) },
    { p: 'owner_a', what: 'adds a manager', want: 'allowed', run: newStaff('manager') },
    { p: 'owner_a', what: 'deactivates the café manager', want: 'allowed', run: setStaff(`active = false`, () => S().cafeManager) },
    { p: 'owner_b', what: "edits organization A's barista", want: 'denied', run: setStaff(`name = 'x'`, () => S().barista) },
  ];
  for (const c of STAFF_CASES) {
    it(`${c.p} × staff × ${c.what}: ${c.want}`, async () => {
      const r = await as(c.p, (attempt) => attempt(c.run));
      expect(writeOutcome(r)).toBe(c.want);
    });
  }

  /** Runs setup as the owner, then check as the claims, in one transaction that is rolled back. */
  async function inScratch<T>(setup: (tx: Tx) => Promise<void>, claims: () => Record<string, unknown>, check: (tx: Tx) => Promise<T>) {
    const rollback = new Error('rollback');
    let out: T | undefined;
    await db
      .transaction(async (tx) => {
        await setup(tx);
        await enterClaims(tx, claims() as never);
        out = await check(tx);
        throw rollback;
      })
      .catch((e) => {
        if (e !== rollback) throw e;
      });
    return out as T;
  }

  it('a staff link to a location of another organization confers nothing (device)', async () => {
    // organization B's owner linked to the café: acting on the café device, no manager powers there
    const r = await inScratch(
      (tx) => insertRow(tx, 'staff_locations', { id: randomUUID(), staff_id: S().ownerB, location_id: world.ids.loc.cafe }).then(() => {}),
      () => ({ role: 'authenticated', sub: world.ids.device.cafe, device_id: world.ids.device.cafe, staff_id: S().ownerB }),
      async (tx) => {
        try {
          return await insertRow(tx, 'categories', world.newRow('categories', 'cafe'));
        } catch (e) {
          return sqlState(e);
        }
      },
    );
    expect(r).toBe('42501');
  });

  it('a staff link to a location of another organization confers nothing (signed-in manager)', async () => {
    const userId = randomUUID();
    const r = await inScratch(
      async (tx) => {
        const staffId = randomUUID();
        await tx.query(`insert into auth.users (id, email) values ($1, 'b-manager@example.test')`, [userId]);
        await insertRow(tx, 'staff', { id: staffId, organization_id: world.ids.org.B, name: 'B Manager', role: 'manager', auth_user_id: userId });
        await insertRow(tx, 'staff_locations', { id: randomUUID(), staff_id: staffId, location_id: world.ids.loc.bloc });
        await insertRow(tx, 'staff_locations', { id: randomUUID(), staff_id: staffId, location_id: world.ids.loc.cafe });
      },
      () => ({ role: 'authenticated', sub: userId }),
      async (tx) =>
        (await tx.query<{ k: string }>(`select distinct location_id::text as k from public.products order by 1`)).rows.map((x) =>
          world.keyOf(x.k),
        ),
    );
    expect(r).toEqual(['bloc']);
  });

  it('leaves the world as it found it', async () => {
    expect(await counts()).toEqual(before);
  });
});
