// The demo business a new database starts with (DESIGN §10 "Demo data"): "Demo Co" with
// a café and a yoga studio, staff with known PINs, and a manager account for sign-in, so
// the whole product can be tried without setting anything up. The data itself is in
// seed-data.ts; this module owns turning it into rows, once.
//
// It runs as trusted owner work in one transaction, so a half-seeded database cannot
// exist, and it writes nothing when any organization exists, so it is safe to call on
// every start. Versions and stock levels are left to the triggers, as for rows that
// arrive by sync, so seeded rows look to tablets exactly like any others.
//
// PGlite pays per statement, so each table is one INSERT … SELECT from a JSON array.
//
// The manager's password is hashed for local accounts (embedded mode). On a real
// Supabase project, sign-in goes through Supabase Auth, which cannot read that hash.
import { hashPin } from '../../shared/domain/pin.ts';
import { hashPassword } from '../auth/passwords.ts';
import { asService } from './index.ts';
import type { Db, Tx } from './types.ts';
import {
  CANCELLED, CATEGORIES, CLASS_TYPES, CUSTOMERS, DEMO_PINS, INVENTORY, LOYALTY_EARNED, MODIFIER_GROUPS,
  PLANS, PRODUCTS, SCHEDULE_DAYS, SMALL_CLASS, SUBSTITUTED, TIMETABLE, WAIVER_VERSION,
  type LocationKey,
} from './seed-data.ts';

export { DEMO_PINS } from './seed-data.ts';

export const DEMO_MANAGER_EMAIL = 'manager@demo.local';

/** Fixed, so that tests and docs can name the demo organization and its locations. */
export const DEMO_IDS = {
  organization: 'd0000000-0000-4000-8000-000000000001',
  cafe: 'd0000000-0000-4000-8000-0000000000c1',
  studio: 'd0000000-0000-4000-8000-0000000000d1',
} as const;

const ORG_NAME = 'Demo Co';
const CAFE_NAME = 'Demo Café';
const STUDIO_NAME = 'Demo Studio';
const TIMEZONE = 'America/New_York';

export interface SeedResult {
  /** false when the database already had an organization (then nothing is written). */
  created: boolean;
  organizationId: string;
  cafeLocationId: string;
  studioLocationId: string;
  managerEmail: string;
}

const DAY_MS = 86_400_000;
type Row = Record<string, unknown>;

export async function seedDemo(db: Db, opts: { password: string; now?: Date }): Promise<SeedResult> {
  const now = opts.now ?? new Date();
  return asService(async (tx) => {
    const existing = await findExisting(tx);
    if (existing) return existing;
    // Two processes starting on one empty PostgreSQL database: the second waits here,
    // then finds the first one's organization instead of failing on its ids.
    await tx.query('lock table public.organizations in share row exclusive mode');
    const raced = await findExisting(tx);
    if (raced) return raced;

    const ctx = { tx, now, ago: (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString() };
    const staff = await seedCore(ctx, opts.password);
    await seedCafe(ctx, staff);
    await seedStudio(ctx, staff);
    return {
      created: true,
      organizationId: DEMO_IDS.organization,
      cafeLocationId: DEMO_IDS.cafe,
      studioLocationId: DEMO_IDS.studio,
      managerEmail: DEMO_MANAGER_EMAIL,
    };
  }, db);
}

interface Ctx {
  tx: Tx;
  now: Date;
  /** ISO time `days` before now. */
  ago(days: number): string;
}

/** Staff ids by name. */
type StaffIds = Map<string, string>;

/**
 * Any organization means this database is in use: report the demo one if it is there
 * (by name, falling back to the first organization and the locations running each
 * screen), and write nothing.
 */
async function findExisting(tx: Tx): Promise<SeedResult | null> {
  const org = (
    await tx.query<{ id: string }>(
      'select id from public.organizations order by (name = $1) desc, created_at, id limit 1',
      [ORG_NAME],
    )
  ).rows[0];
  if (!org) return null;
  const { rows } = await tx.query<{ id: string; name: string; screens: string[] }>(
    'select id, name, screens from public.locations where organization_id = $1 and not deleted order by created_at, id',
    [org.id],
  );
  const pick = (name: string, screen: string) =>
    (rows.find((l) => l.name === name) ?? rows.find((l) => l.screens.includes(screen)))?.id ?? '';
  return {
    created: false,
    organizationId: org.id,
    cafeLocationId: pick(CAFE_NAME, 'pos'),
    studioLocationId: pick(STUDIO_NAME, 'desk'),
    managerEmail: DEMO_MANAGER_EMAIL,
  };
}

/**
 * One statement per table: the rows travel as one JSON array, typed by the column
 * definitions ("id uuid, name text, …") that jsonb_to_recordset needs anyway. Table
 * and column names come from this module, never from input.
 */
async function insertRows(tx: Tx, table: string, columns: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.split(',').map((c) => c.trim().split(/\s+/)[0]).join(', ');
  await tx.query(
    `insert into ${table} (${names}) select ${names} from jsonb_to_recordset($1::jsonb) as x(${columns})`,
    [JSON.stringify(rows)],
  );
}

const uuid = () => crypto.randomUUID();
const locationId = (key: LocationKey) => (key === 'cafe' ? DEMO_IDS.cafe : DEMO_IDS.studio);

function lookup<K, V>(map: Map<K, V>, key: K, what: string): V {
  const v = map.get(key);
  if (v === undefined) throw new Error(`seed data: unknown ${what} "${String(key)}"`);
  return v;
}

// ---------------------------------------------------------------- core

async function seedCore({ tx }: Ctx, password: string): Promise<StaffIds> {
  // PBKDF2 and scrypt are the slow part of the seed; they run side by side.
  const [pins, passwordHash] = await Promise.all([
    Promise.all(DEMO_PINS.map((s) => hashPin(s.pin))),
    hashPassword(password),
  ]);

  await tx.query('insert into public.organizations (id, name) values ($1, $2)', [DEMO_IDS.organization, ORG_NAME]);
  // The studio charges no tax: yoga classes are commonly exempt, and a studio that must
  // charge it sets its rate.
  await tx.query(
    `insert into public.locations
       (id, organization_id, name, timezone, currency, tax_rate_bps, screens, late_cancel_minutes)
     values ($1, $3, $4, $6, 'USD', 875, '{pos}', 720),
            ($2, $3, $5, $6, 'USD', 0, '{desk}', 720)`,
    [DEMO_IDS.cafe, DEMO_IDS.studio, DEMO_IDS.organization, CAFE_NAME, STUDIO_NAME, TIMEZONE],
  );

  const managerUserId = uuid();
  await tx.query(
    'insert into auth.users (id, email, encrypted_password, email_confirmed_at) values ($1, $2, $3, now())',
    [managerUserId, DEMO_MANAGER_EMAIL, passwordHash],
  );

  const ids: StaffIds = new Map(DEMO_PINS.map((s) => [s.name, uuid()]));
  await insertRows(
    tx, 'public.staff',
    `id uuid, organization_id uuid, name text, role text, pin_hash text, pin_salt text, pin_iterations integer,
     auth_user_id uuid, email text`,
    DEMO_PINS.map((s, i) => {
      // The owner signs in nowhere in the demo; the manager account is the one printed.
      const manager = s.role === 'manager';
      return {
        id: ids.get(s.name), organization_id: DEMO_IDS.organization, name: s.name, role: s.role, ...pins[i],
        auth_user_id: manager ? managerUserId : null, email: manager ? DEMO_MANAGER_EMAIL : null,
      };
    }),
  );
  await insertRows(
    tx, 'public.staff_locations', 'id uuid, staff_id uuid, location_id uuid',
    DEMO_PINS.flatMap((s) => s.locations.map((l) => ({ id: uuid(), staff_id: ids.get(s.name), location_id: locationId(l) }))),
  );
  return ids;
}

// ---------------------------------------------------------------- café

async function seedCafe({ tx, ago }: Ctx, staff: StaffIds): Promise<void> {
  const loc = DEMO_IDS.cafe;
  const manager = DEMO_PINS.find((s) => s.role === 'manager');
  const receiver = lookup(staff, manager?.name ?? '', 'staff');

  const categoryIds = new Map(CATEGORIES.map((name) => [name, uuid()]));
  await insertRows(
    tx, 'public.categories', 'id uuid, location_id uuid, name text, sort integer',
    CATEGORIES.map((name, i) => ({ id: categoryIds.get(name), location_id: loc, name, sort: i })),
  );

  const itemIds = new Map(INVENTORY.map((it) => [it.name, uuid()]));
  await insertRows(
    tx, 'public.inventory_items', 'id uuid, location_id uuid, name text, unit text, low_stock_threshold integer',
    INVENTORY.map((it) => ({
      id: itemIds.get(it.name), location_id: loc, name: it.name, unit: it.unit, low_stock_threshold: it.lowStock,
    })),
  );
  // Opening stock is received like any delivery; the trigger sums it into stock_levels.
  await insertRows(
    tx, 'public.stock_movements',
    'id uuid, location_id uuid, item_id uuid, delta integer, reason text, staff_id uuid, created_at timestamptz',
    INVENTORY.flatMap((it) => it.received.map((qty, n) => ({
      id: uuid(), location_id: loc, item_id: itemIds.get(it.name), delta: qty, reason: 'receive',
      staff_id: receiver, created_at: ago(it.received.length - n),
    }))),
  );

  const groupIds = new Map(MODIFIER_GROUPS.map((g) => [g.key, uuid()]));
  await insertRows(
    tx, 'public.modifier_groups',
    'id uuid, location_id uuid, name text, min_select integer, max_select integer, sort integer',
    MODIFIER_GROUPS.map((g, i) => ({
      id: groupIds.get(g.key), location_id: loc, name: g.name, min_select: g.min, max_select: g.max, sort: i,
    })),
  );
  const modifiers = MODIFIER_GROUPS.flatMap((g) => g.modifiers.map((m, i) => ({ ...m, id: uuid(), group: g.key, sort: i })));
  await insertRows(
    tx, 'public.modifiers',
    'id uuid, location_id uuid, group_id uuid, name text, price_delta_cents integer, is_default boolean, sort integer',
    modifiers.map((m) => ({
      id: m.id, location_id: loc, group_id: groupIds.get(m.group), name: m.name,
      price_delta_cents: m.delta, is_default: m.isDefault ?? false, sort: m.sort,
    })),
  );

  const products = PRODUCTS.map((p, i) => ({ ...p, id: uuid(), sort: i }));
  await insertRows(
    tx, 'public.products', 'id uuid, location_id uuid, category_id uuid, name text, price_cents integer, sort integer',
    products.map((p) => ({
      id: p.id, location_id: loc, category_id: lookup(categoryIds, p.category, 'category'),
      name: p.name, price_cents: p.price, sort: p.sort,
    })),
  );
  await insertRows(
    tx, 'public.product_modifier_groups', 'id uuid, location_id uuid, product_id uuid, group_id uuid, sort integer',
    products.flatMap((p) => (p.groups ?? []).map((g, i) => ({
      id: uuid(), location_id: loc, product_id: p.id, group_id: groupIds.get(g), sort: i,
    }))),
  );

  const line = (owner: { product_id?: string; modifier_id?: string }) => ([item, quantity]: [string, number]) => ({
    id: uuid(), location_id: loc, product_id: null, modifier_id: null, ...owner,
    item_id: lookup(itemIds, item, 'inventory item'), quantity,
  });
  await insertRows(
    tx, 'public.recipe_lines',
    'id uuid, location_id uuid, product_id uuid, modifier_id uuid, item_id uuid, quantity integer',
    [
      ...products.flatMap((p) => p.recipe.map(line({ product_id: p.id }))),
      ...modifiers.flatMap((m) => (m.recipe ?? []).map(line({ modifier_id: m.id }))),
    ],
  );
}

// ---------------------------------------------------------------- studio

async function seedStudio(ctx: Ctx, staff: StaffIds): Promise<void> {
  const sessions = await seedSchedule(ctx, staff);
  const passes = await seedMembers(ctx);

  // Bookings for today and tomorrow, by members with a valid pass. A pass never books
  // more classes than it has credits (a drop-in books one), so check-ins do not start
  // with overdrafts. Which pass pays is decided at check-in: pass_id stays empty.
  const left = new Map(passes.filter((p) => !p.expired).map((p) => [p.customer.id, p.plan.credits ?? Infinity]));
  const members = [...left.keys()];
  let next = 0;
  const bookings: Row[] = [];
  sessions.filter((s) => s.day <= 1 && !s.cancelled).forEach((s, n) => {
    // The small class gets two more than it holds: the waitlist to demo promotion.
    const count = s.small ? s.capacity + 2 : 5 + ((n * 4) % 7);
    const taken = new Set<string>();
    for (let k = 0; k < count; k++) {
      let customer = members[next++ % members.length];
      for (let tries = 0; taken.has(customer) || left.get(customer)! <= 0; tries++) {
        if (tries > members.length) throw new Error('seed data: not enough members to book');
        customer = members[next++ % members.length];
      }
      taken.add(customer);
      left.set(customer, left.get(customer)! - 1);
      const waitlist = k < s.capacity ? null : k - s.capacity + 1;
      bookings.push({
        id: uuid(), location_id: DEMO_IDS.studio, session_id: s.id, customer_id: customer,
        status: waitlist ? 'waitlisted' : 'booked', waitlist_position: waitlist,
        created_at: ctx.ago((60 - k) / (24 * 60)), // a minute apart, in booking (and waitlist) order
      });
    }
  });
  await insertRows(
    ctx.tx, 'public.bookings',
    'id uuid, location_id uuid, session_id uuid, customer_id uuid, status text, waitlist_position integer, created_at timestamptz',
    bookings,
  );
}

/** Class types and two weeks of sessions from the studio's today. */
async function seedSchedule({ tx, now }: Ctx, staff: StaffIds) {
  const loc = DEMO_IDS.studio;
  const types = new Map(CLASS_TYPES.map((t) => [t.name, { ...t, id: uuid() }]));
  await insertRows(
    tx, 'public.class_types',
    'id uuid, location_id uuid, name text, description text, duration_minutes integer, default_capacity integer, color text',
    [...types.values()].map((t) => ({
      id: t.id, location_id: loc, name: t.name, description: t.description, duration_minutes: t.minutes,
      default_capacity: t.capacity, color: t.color,
    })),
  );

  const instructors = DEMO_PINS.filter((s) => s.role === 'instructor').map((s) => lookup(staff, s.name, 'staff'));
  const at = (s: { day: number; time: string }, day: number, time: string) => s.day === day && s.time === time;
  const sessions: { id: string; day: number; capacity: number; small: boolean; cancelled: boolean; row: Row }[] = [];
  for (let day = 0; day < SCHEDULE_DAYS; day++) {
    TIMETABLE.forEach((slot, n) => {
      const type = lookup(types, slot.classes[day % slot.classes.length], 'class type');
      const small = at(SMALL_CLASS, day, slot.time);
      const capacity = small ? SMALL_CLASS.capacity : type.capacity;
      const cancelled = at(CANCELLED, day, slot.time);
      const instructor = instructors[(day + n) % instructors.length];
      const substitute = at(SUBSTITUTED, day, slot.time) ? instructors.find((i) => i !== instructor) : null;
      const id = uuid();
      sessions.push({
        id, day, capacity, small, cancelled,
        row: {
          id, class_type_id: type.id, instructor_staff_id: instructor, substitute_staff_id: substitute,
          day, local_time: slot.time, minutes: type.minutes, capacity, room: small ? SMALL_CLASS.room : type.room, cancelled,
        },
      });
    });
  }
  // Times are wall-clock times in the studio's own timezone, converted by Postgres so
  // 07:00 stays 07:00 across a daylight-saving change; "today" is the studio's date at
  // `now`, not the server's (UTC).
  await tx.query(
    `insert into public.class_sessions (id, location_id, class_type_id, instructor_staff_id, substitute_staff_id,
       starts_at, ends_at, capacity, room, cancelled)
     select x.id, l.id, x.class_type_id, x.instructor_staff_id, x.substitute_staff_id,
            t.starts_at, t.starts_at + make_interval(mins => x.minutes), x.capacity, x.room, x.cancelled
     from public.locations l
     cross join jsonb_to_recordset($1::jsonb) as x(id uuid, class_type_id uuid, instructor_staff_id uuid,
       substitute_staff_id uuid, day integer, local_time time, minutes integer, capacity integer, room text,
       cancelled boolean)
     cross join lateral (
       select ((($2::timestamptz at time zone l.timezone)::date + x.day) + x.local_time) at time zone l.timezone
         as starts_at
     ) t
     where l.id = $3`,
    [JSON.stringify(sessions.map((s) => s.row)), now.toISOString(), loc],
  );
  return sessions;
}

/** Plans, members, the passes they bought, their waivers and loyalty points. */
async function seedMembers({ tx, ago }: Ctx) {
  const org = DEMO_IDS.organization;
  const studio = DEMO_IDS.studio;
  const plans = new Map(PLANS.map((p) => [p.key, { ...p, id: uuid() }]));
  await insertRows(
    tx, 'public.plans',
    'id uuid, organization_id uuid, name text, kind text, credits integer, duration_days integer, price_cents integer',
    [...plans.values()].map((p) => ({
      id: p.id, organization_id: org, name: p.name, kind: p.kind, credits: p.credits, duration_days: p.days,
      price_cents: p.price,
    })),
  );

  const customers = CUSTOMERS.map((c, i) => ({ ...c, id: uuid(), index: i }));
  // Members joined over the past year, in list order, before anything they bought.
  const joinedAgo = (i: number) => 365 - i * 7;
  await insertRows(
    tx, 'public.customers',
    'id uuid, organization_id uuid, name text, email text, phone text, code text, notes text, created_at timestamptz',
    customers.map((c, i) => ({
      id: c.id, organization_id: org, name: c.name, email: emailFor(c.name),
      // A few members never gave a phone number; the desk search must cope.
      phone: i % 6 === 5 ? null : `+1 212-555-01${String(i).padStart(2, '0')}`,
      code: `M-${String(i + 1).padStart(4, '0')}`, notes: c.notes ?? null, created_at: ago(joinedAgo(i)),
    })),
  );

  const passes = customers.flatMap((c) => {
    if (!c.pass) return [];
    const expired = c.pass === 'expired';
    const plan = lookup(plans, c.pass === 'expired' ? 'pack5' : c.pass, 'plan');
    // Bought recently enough to be valid today, except the expired one: 4 months ago.
    const startsAgo = expired ? 120 : plan.kind === 'unlimited' ? 1 + (c.index % 20) : 1 + ((c.index * 7) % 40);
    const startsAt = ago(startsAgo);
    const expiresAt = plan.days === null ? null : ago(startsAgo - plan.days);
    return [{ id: uuid(), customer: c, plan, expired, startsAt, expiresAt }];
  });
  await insertRows(
    tx, 'public.customer_passes',
    `id uuid, organization_id uuid, customer_id uuid, plan_id uuid, kind text, credits_total integer,
     starts_at timestamptz, expires_at timestamptz, sold_at_location_id uuid, created_at timestamptz`,
    passes.map((p) => ({
      id: p.id, organization_id: org, customer_id: p.customer.id, plan_id: p.plan.id, kind: p.plan.kind,
      credits_total: p.plan.credits, starts_at: p.startsAt, expires_at: p.expiresAt, sold_at_location_id: studio,
      created_at: p.startsAt,
    })),
  );
  // A pass's balance is the sum of its ledger rows, starting with the purchase.
  // Unlimited passes have no credits to count, so no rows.
  await insertRows(
    tx, 'public.credit_ledger',
    `id uuid, organization_id uuid, location_id uuid, pass_id uuid, customer_id uuid, delta integer, reason text,
     created_at timestamptz`,
    passes.filter((p) => p.plan.credits !== null).map((p) => ({
      id: uuid(), organization_id: org, location_id: studio, pass_id: p.id, customer_id: p.customer.id,
      delta: p.plan.credits, reason: 'purchase', created_at: p.startsAt,
    })),
  );
  await insertRows(
    tx, 'public.waivers',
    'id uuid, organization_id uuid, customer_id uuid, document_version text, signed_name text, signed_at timestamptz',
    customers.filter((c) => c.waiver).map((c) => ({
      id: uuid(), organization_id: org, customer_id: c.id, document_version: WAIVER_VERSION, signed_name: c.name,
      signed_at: ago(joinedAgo(c.index)),
    })),
  );
  const customerIds = new Map(customers.map((c) => [c.index, c.id]));
  await insertRows(
    tx, 'public.loyalty_ledger',
    'id uuid, organization_id uuid, location_id uuid, customer_id uuid, delta_points integer, reason text, created_at timestamptz',
    LOYALTY_EARNED.map(([c, points, daysAgo]) => ({
      id: uuid(), organization_id: org, location_id: DEMO_IDS.cafe, customer_id: lookup(customerIds, c, 'customer'),
      delta_points: points, reason: 'earn', created_at: ago(daysAgo),
    })),
  );
  return passes;
}

/** "Siobhán Ó Briain" → siobhan.o.briain@example.com (example.com is reserved for examples). */
function emailFor(name: string): string {
  const ascii = name
    .normalize('NFD')
    .replace(/\p{M}/gu, '') // accents come off as combining marks…
    .replace(/['’]/g, '')
    .replace(/[øØ]/g, 'o') // …these letters have none
    .replace(/[łŁ]/g, 'l')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase();
  return `${ascii.split(/[^a-z0-9]+/).filter(Boolean).join('.')}@example.com`;
}
