// The demo seed on each engine: it builds a business the screens can demo (catalog with
// modifiers and recipes, stock, two weeks of classes, members with passes, a waitlist),
// it goes through the same triggers as synced writes (versions, stock levels), and a
// second run writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, migratedDb } from '../fixtures/engines.ts';
import { DEMO_IDS, DEMO_MANAGER_EMAIL, DEMO_PINS, seedDemo, type SeedResult } from '../../src/server/db/seed.ts';
import { verifyPin, type PinHash } from '../../src/shared/domain/pin.ts';
import { verifyPassword } from '../../src/server/auth/passwords.ts';
import type { Db } from '../../src/server/db/index.ts';

const PASSWORD = 'correct-horse-battery';
const TZ = 'America/New_York';
// A Thursday three days before US daylight saving starts (2026-03-08), in the evening in
// New York but already Friday in UTC: "today" must be the studio's date, and 07:00 must
// stay 07:00 across the change.
const NOW = new Date('2026-03-06T02:30:00Z');
const STUDIO_TODAY = '2026-03-05';

const COUNTED = ['public.staff', 'public.products', 'public.customers', 'public.class_sessions', 'public.bookings',
  'public.stock_movements', 'auth.users', 'app.location_versions', 'app.org_versions'];

describe.each(engines())('demo seed on $name', (engine) => {
  let db: Db;
  let drop: () => Promise<void>;
  let first: SeedResult;
  let seedMs = 0;
  const one = async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows[0];
  const count = async (sql: string, params?: unknown[]) => Number((await one<{ n: number }>(sql, params)).n);

  beforeAll(async () => {
    ({ db, drop } = await migratedDb(engine));
    const t0 = performance.now();
    first = await seedDemo(db, { password: PASSWORD, now: NOW });
    seedMs = performance.now() - t0;
  });
  afterAll(() => drop());

  it('creates the demo organization with a café and a studio, at the fixed ids', async () => {
    console.log(`seedDemo on ${engine.name}: ${seedMs.toFixed(0)} ms`);
    expect(first).toEqual({
      created: true,
      organizationId: DEMO_IDS.organization,
      cafeLocationId: DEMO_IDS.cafe,
      studioLocationId: DEMO_IDS.studio,
      managerEmail: DEMO_MANAGER_EMAIL,
    });
    const { rows } = await db.query<{ id: string; name: string; screens: string[]; timezone: string; tax_rate_bps: number }>(
      'select l.id, l.name, l.screens, l.timezone, l.tax_rate_bps from public.locations l order by l.name',
    );
    expect(rows).toEqual([
      { id: DEMO_IDS.cafe, name: 'Demo Café', screens: ['pos'], timezone: TZ, tax_rate_bps: 875 },
      { id: DEMO_IDS.studio, name: 'Demo Studio', screens: ['desk'], timezone: TZ, tax_rate_bps: 0 },
    ]);
  });

  it('a second run reports the existing organization and writes nothing', async () => {
    const before = await Promise.all(COUNTED.map((t) => count(`select count(*) as n from ${t}`)));
    const versionsBefore = await count('select sum(version) as n from app.location_versions');
    const again = await seedDemo(db, { password: 'another-password' });
    expect(again).toEqual({ ...first, created: false });
    const after = await Promise.all(COUNTED.map((t) => count(`select count(*) as n from ${t}`)));
    expect(after).toEqual(before);
    expect(await count('select sum(version) as n from app.location_versions')).toBe(versionsBefore);
  });

  it('two processes seeding one empty database at once make one organization', async () => {
    const fresh = await migratedDb(engine);
    try {
      const results = await Promise.all([
        seedDemo(fresh.db, { password: PASSWORD, now: NOW }),
        seedDemo(fresh.db, { password: PASSWORD, now: NOW }),
      ]);
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect(results[0]).toEqual({ ...results[1], created: results[0].created });
      const n = await fresh.db.query<{ n: number }>('select count(*) as n from public.organizations');
      expect(Number(n.rows[0].n)).toBe(1);
    } finally {
      await fresh.drop();
    }
  });

  it('has a café catalog: 20+ active products in 4+ categories, with modifier groups attached', async () => {
    expect(await count(`select count(*) as n from public.products where active and not deleted and location_id = $1`, [DEMO_IDS.cafe]))
      .toBeGreaterThanOrEqual(20);
    expect(await count(`select count(distinct category_id) as n from public.products where location_id = $1`, [DEMO_IDS.cafe]))
      .toBeGreaterThanOrEqual(4);
    const groups = await db.query<{ name: string; min_select: number; max_select: number; mods: string }>(
      `select g.name, g.min_select, g.max_select,
              string_agg(m.name || ':' || m.price_delta_cents, ',' order by m.sort) as mods
       from public.modifier_groups g join public.modifiers m on m.group_id = g.id group by g.id order by g.sort`,
    );
    expect(groups.rows).toEqual([
      { name: 'Size', min_select: 1, max_select: 1, mods: 'Small:0,Medium:50,Large:100' },
      { name: 'Milk', min_select: 0, max_select: 1, mods: 'Whole:0,Oat:70,Almond:70,Skim:0' },
      { name: 'Extras', min_select: 0, max_select: 3, mods: 'Extra shot:90,Vanilla syrup:60,Caramel syrup:60' },
    ]);
    const latte = await db.query<{ name: string }>(
      `select g.name from public.product_modifier_groups pmg
       join public.products p on p.id = pmg.product_id join public.modifier_groups g on g.id = pmg.group_id
       where p.name = 'Latte' order by pmg.sort`,
    );
    expect(latte.rows.map((r) => r.name)).toEqual(['Size', 'Milk', 'Extras']);
    // Pastries take no drink modifiers.
    expect(await count(
      `select count(*) as n from public.product_modifier_groups pmg join public.products p on p.id = pmg.product_id
       join public.categories c on c.id = p.category_id where c.name = 'Pastries'`,
    )).toBe(0);
  });

  it('has recipes for products and modifiers', async () => {
    const { rows } = await db.query<{ modifier: string; item: string; quantity: number }>(
      `select m.name as modifier, i.name as item, r.quantity from public.recipe_lines r
       join public.modifiers m on m.id = r.modifier_id join public.inventory_items i on i.id = r.item_id
       where m.name in ('Oat', 'Extra shot') order by m.name, r.quantity desc`,
    );
    expect(rows).toEqual([
      { modifier: 'Extra shot', item: 'Espresso beans', quantity: 9 },
      { modifier: 'Oat', item: 'Oat milk', quantity: 200 },
      { modifier: 'Oat', item: 'Whole milk', quantity: -200 },
    ]);
    expect(await count(
      `select count(*) as n from public.products p where not exists (select 1 from public.recipe_lines r where r.product_id = p.id)`,
    )).toBe(0);
  });

  it('keeps stock as received movements, each level the sum of its movements', async () => {
    const { rows } = await db.query<{ name: string; level: number | null; moved: number; threshold: number }>(
      `select i.name, sl.quantity as level, coalesce(sum(m.delta), 0)::int as moved, i.low_stock_threshold as threshold
       from public.inventory_items i
       left join public.stock_levels sl on sl.id = i.id
       left join public.stock_movements m on m.item_id = i.id
       group by i.id, sl.quantity`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const r of rows) expect(r, r.name).toMatchObject({ level: r.moved });
    expect(rows.find((r) => r.name === 'Espresso beans')).toMatchObject({ level: 10000 });
    expect(rows.filter((r) => r.level! < r.threshold).map((r) => r.name)).toEqual(['Almond milk']);
    expect(await count(`select count(*) as n from public.stock_movements where reason <> 'receive'`)).toBe(0);
  });

  it('schedules 14 days of classes from the studio\'s today, at local wall-clock times', async () => {
    const s = await one<{ days: number; first: string; last: string; hours: string; min_cap: number; max_cap: number }>(
      `select count(distinct (starts_at at time zone $1)::date)::int as days,
              min((starts_at at time zone $1)::date)::text as first, max((starts_at at time zone $1)::date)::text as last,
              string_agg(distinct to_char(starts_at at time zone $1, 'HH24:MI'), ',') as hours,
              min(capacity) as min_cap, max(capacity) as max_cap
       from public.class_sessions where location_id = $2`,
      [TZ, DEMO_IDS.studio],
    );
    expect(s).toEqual({ days: 14, first: STUDIO_TODAY, last: '2026-03-18', hours: '07:00,12:00,18:00', min_cap: 3, max_cap: 20 });
    expect(await count(`select count(*) as n from public.class_types where location_id = $1`, [DEMO_IDS.studio]))
      .toBeGreaterThanOrEqual(4);
    // Every class is taught by an instructor of the studio.
    expect(await count(
      `select count(*) as n from public.class_sessions cs left join public.staff s on s.id = cs.instructor_staff_id
       left join public.staff_locations sl on sl.staff_id = s.id and sl.location_id = cs.location_id
       where s.role is distinct from 'instructor' or sl.id is null`,
    )).toBe(0);
  });

  it('has 30+ members with codes and contacts, passes of every kind, a ledger per credit pass', async () => {
    expect(await count(`select count(*) as n from public.customers where code ~ '^M-[0-9]{4}$' and email is not null`))
      .toBeGreaterThanOrEqual(30);
    const names = (await db.query<{ name: string }>('select name from public.customers')).rows.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['Zoë Müller', 'José Álvarez', 'Siobhán Ó Briain', 'François Lefèvre']));
    expect((await one<{ email: string }>(`select email from public.customers where name = 'Siobhán Ó Briain'`)).email)
      .toBe('siobhan.o.briain@example.com');

    const kinds = await db.query<{ kind: string }>('select distinct kind from public.customer_passes order by kind');
    expect(kinds.rows.map((r) => r.kind)).toEqual(['drop_in', 'pack', 'unlimited']);
    // Purchase rows match credits exactly; unlimited passes have none.
    expect(await count(
      `select count(*) as n from public.customer_passes p
       where coalesce((select sum(delta) from public.credit_ledger c where c.pass_id = p.id and c.reason = 'purchase'), 0)
             is distinct from coalesce(p.credits_total, 0)`,
    )).toBe(0);
    expect(await count(`select count(*) as n from public.customer_passes where expires_at < $1`, [NOW.toISOString()])).toBe(1);
    expect(await count('select count(distinct customer_id) as n from public.customer_passes')).toBeGreaterThan(names.length / 2);
    expect(await count('select count(distinct customer_id) as n from public.waivers')).toBeGreaterThan(names.length / 2);
    expect(await count(`select count(*) as n from public.loyalty_ledger where reason = 'earn'`)).toBeGreaterThan(0);
  });

  it('books today and tomorrow, and the 3-seat class has a waitlist of two', async () => {
    const days = await db.query<{ day: string }>(
      `select distinct ((s.starts_at at time zone $1)::date)::text as day from public.bookings b
       join public.class_sessions s on s.id = b.session_id order by 1`,
      [TZ],
    );
    expect(days.rows.map((r) => r.day)).toEqual([STUDIO_TODAY, '2026-03-06']);
    const small = await db.query<{ id: string }>(`select id from public.class_sessions where capacity = 3`);
    expect(small.rows).toHaveLength(1);
    const { rows } = await db.query<{ status: string; waitlist_position: number | null }>(
      `select status, waitlist_position from public.bookings where session_id = $1 order by status, waitlist_position`,
      [small.rows[0].id],
    );
    expect(rows).toEqual([
      { status: 'booked', waitlist_position: null },
      { status: 'booked', waitlist_position: null },
      { status: 'booked', waitlist_position: null },
      { status: 'waitlisted', waitlist_position: 1 },
      { status: 'waitlisted', waitlist_position: 2 },
    ]);
    // Nobody else is past capacity or waitlisted.
    expect(await count(
      `select count(*) as n from public.class_sessions s
       where (select count(*) from public.bookings b where b.session_id = s.id and b.status = 'booked') > s.capacity`,
    )).toBe(0);
    expect(await count(`select count(*) as n from public.bookings where status = 'waitlisted'`)).toBe(2);
  });

  it('has plans as specified', async () => {
    const { rows } = await db.query(
      'select name, kind, credits, duration_days, price_cents from public.plans order by price_cents',
    );
    expect(rows).toEqual([
      { name: 'Drop-in', kind: 'drop_in', credits: 1, duration_days: null, price_cents: 2200 },
      { name: '5-class pack', kind: 'pack', credits: 5, duration_days: 90, price_cents: 10000 },
      { name: 'Monthly unlimited', kind: 'unlimited', credits: null, duration_days: 30, price_cents: 14900 },
      { name: '10-class pack', kind: 'pack', credits: 10, duration_days: 180, price_cents: 18500 },
    ]);
  });

  it('has staff of every role whose demo PINs verify, working where DEMO_PINS says', async () => {
    const roles = await db.query<{ role: string }>('select distinct role from public.staff order by role');
    expect(roles.rows.map((r) => r.role)).toEqual(['barista', 'front_desk', 'instructor', 'manager', 'owner']);
    const { rows } = await db.query<PinHash & { name: string; locations: string[] }>(
      `select s.name, s.pin_hash, s.pin_salt, s.pin_iterations,
              array_agg(sl.location_id::text order by sl.location_id) as locations
       from public.staff s join public.staff_locations sl on sl.staff_id = s.id group by s.id`,
    );
    expect(rows).toHaveLength(DEMO_PINS.length);
    for (const p of DEMO_PINS) {
      const row = rows.find((r) => r.name === p.name)!;
      expect(await verifyPin(p.pin, row), p.name).toBe(true);
      expect(await verifyPin(p.pin === '9999' ? '9998' : '9999', row)).toBe(false);
      expect(row.locations).toEqual(p.locations.map((l) => (l === 'cafe' ? DEMO_IDS.cafe : DEMO_IDS.studio)).sort());
    }
  });

  it('links the manager account to a staff manager at both locations; its password verifies', async () => {
    const m = await one<{ encrypted_password: string; confirmed: boolean; role: string; locations: number; owners_with_user: number }>(
      `select u.encrypted_password, u.email_confirmed_at is not null as confirmed, s.role,
              (select count(*)::int from public.staff_locations sl where sl.staff_id = s.id
                 and sl.location_id in ($2, $3)) as locations,
              (select count(*)::int from public.staff o where o.role = 'owner' and o.auth_user_id is not null) as owners_with_user
       from auth.users u join public.staff s on s.auth_user_id = u.id where u.email = $1`,
      [DEMO_MANAGER_EMAIL, DEMO_IDS.cafe, DEMO_IDS.studio],
    );
    expect(m).toMatchObject({ confirmed: true, role: 'manager', locations: 2, owners_with_user: 0 });
    expect(await verifyPassword(PASSWORD, m.encrypted_password)).toBe(true);
    expect(await verifyPassword('another-password', m.encrypted_password)).toBe(false);
  });

  it('gave every synced row a version from the triggers', async () => {
    const tables = await db.query<{ table_name: string }>(
      `select table_name from information_schema.columns
       where table_schema = 'public' and column_name = 'version' order by table_name`,
    );
    expect(tables.rows.length).toBeGreaterThan(20);
    let seeded = 0;
    for (const { table_name } of tables.rows) {
      const r = await one<{ total: number; unversioned: number }>(
        `select count(*)::int as total, count(*) filter (where version <= 0)::int as unversioned from public.${table_name}`,
      );
      expect(r.unversioned, table_name).toBe(0);
      seeded += r.total;
    }
    expect(seeded).toBeGreaterThan(400);
    const locs = await db.query<{ location_id: string; version: number }>(
      'select location_id, version from app.location_versions order by location_id',
    );
    expect(locs.rows.map((r) => r.location_id)).toEqual([DEMO_IDS.cafe, DEMO_IDS.studio].sort());
    expect(locs.rows.every((r) => r.version > 50)).toBe(true);
  });
});
