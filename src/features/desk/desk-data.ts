// What the front desk reads from the tablet's database (issue #5): a day's classes with
// their counts, a class's roster with each student's pass, waiver and first-visit flag,
// and one member's passes. Pure reads through readAll (zod-parsed, tombstones dropped);
// the screens wrap them in live queries, so check-ins from the other desk appear by
// themselves. Times are shown and days are cut in the studio's own timezone.
import { parseRows, readAll, type LocalDb } from '../../client/db/local-db.ts';
import type { RowOf } from '../../shared/domain/rows.ts';

/** "2026-11-26": the calendar day of `at` in the studio's timezone. */
export function dayKey(at: string | Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export const timeOf = (at: string, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date(at));
export const dateLabel = (day: string) => new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(`${day}T12:00:00Z`));
const shortDate = (at: string, timeZone: string) => new Intl.DateTimeFormat('en-US', { timeZone, day: 'numeric', month: 'short' }).format(new Date(at));

const HOLDS = new Set(['booked', 'checked_in']);

export interface DayClass {
  id: string;
  name: string;
  startsAt: string;
  endsAt: string;
  time: string;
  instructor: string;
  substitute: boolean;
  room: string;
  capacity: number;
  taken: number;
  checkedIn: number;
  waitlisted: number;
  cancelled: boolean;
}

export async function loadDay(db: LocalDb, locationId: string, day: string, timeZone: string): Promise<DayClass[]> {
  const [sessions, types, staff] = await Promise.all([readAll(db, 'class_sessions'), readAll(db, 'class_types'), readAll(db, 'staff')]);
  const today = sessions.filter((s) => s.location_id === locationId && dayKey(s.starts_at, timeZone) === day);
  const bookings = parseRows('bookings', await db.rows('bookings').where('session_id').anyOf(today.map((s) => s.id)).toArray());
  const typeName = new Map(types.map((t) => [t.id, t.name]));
  const staffName = new Map(staff.map((s) => [s.id, s.name]));
  return today
    .sort((a, b) => a.starts_at.localeCompare(b.starts_at) || (typeName.get(a.class_type_id) ?? '').localeCompare(typeName.get(b.class_type_id) ?? ''))
    .map((s) => {
      const mine = bookings.filter((b) => b.session_id === s.id);
      const sub = s.substitute_staff_id as string | null | undefined;
      return {
        id: s.id,
        name: typeName.get(s.class_type_id) ?? 'Class',
        startsAt: s.starts_at,
        endsAt: s.ends_at,
        time: timeOf(s.starts_at, timeZone),
        instructor: staffName.get((sub ?? s.instructor_staff_id) as string) ?? '',
        substitute: !!sub,
        room: (s.room as string | null) ?? '',
        capacity: s.capacity,
        taken: mine.filter((b) => HOLDS.has(b.status)).length,
        checkedIn: mine.filter((b) => b.status === 'checked_in').length,
        waitlisted: mine.filter((b) => b.status === 'waitlisted').length,
        cancelled: s.cancelled,
      };
    });
}

/** The class to open: the first not yet over, else the day's last. */
export function nextClass(classes: DayClass[], now = new Date().toISOString()): DayClass | undefined {
  const open = classes.filter((c) => !c.cancelled);
  return open.find((c) => c.endsAt > now) ?? open[open.length - 1];
}

export interface PassView {
  id: string;
  planName: string;
  kind: string;
  credits: number | null;
  expiresAt: string | null;
  usable: boolean;
  /** "10-class pack · 7 left · until 3 Mar", "Monthly unlimited · until 12 Dec" */
  label: string;
}

/** A member's passes, the usable ones first, with credits from the local ledger. */
export async function memberPasses(db: LocalDb, customerId: string, at: string, timeZone: string, plans?: Promise<Map<string, RowOf<'plans'>>>): Promise<PassView[]> {
  // every read at once: a roster asks this for each student, and a check-in tap's
  // transaction waits while these reads hold the pass and ledger tables
  const [passes, planById] = await Promise.all([
    db.rows('customer_passes').where('customer_id').equals(customerId).toArray().then((r) => parseRows('customer_passes', r)),
    plans ?? plansById(db),
  ]);
  const ledgers = await Promise.all(passes.map((p) => (p.kind === 'unlimited' ? null : db.rows('credit_ledger').where('pass_id').equals(p.id).toArray())));
  const out: PassView[] = passes.map((p, i) => {
    const rows = ledgers[i];
    const credits = rows === null ? null : parseRows('credit_ledger', rows).reduce((s, r) => s + r.delta, 0);
    const expired = !!p.expires_at && p.expires_at < at;
    const usable = !expired && (credits === null || credits > 0);
    const planName = planById.get(p.plan_id)?.name ?? p.kind;
    const parts = [planName, credits === null ? null : `${credits} left`, p.expires_at ? `${expired ? 'expired' : 'until'} ${shortDate(p.expires_at, timeZone)}` : null];
    return { id: p.id, planName, kind: p.kind, credits, expiresAt: p.expires_at ?? null, usable, label: parts.filter(Boolean).join(' · ') };
  });
  return out.sort((a, b) => Number(b.usable) - Number(a.usable) || (a.expiresAt ?? '~').localeCompare(b.expiresAt ?? '~'));
}

const plansById = async (db: LocalDb) => new Map((await readAll(db, 'plans')).map((p) => [p.id, p]));

export interface RosterEntry {
  sessionId: string;
  bookingId: string;
  customerId: string;
  name: string;
  status: string;
  waitlistPosition: number | null;
  checkedInAt: string | null;
  pass: PassView | null;
  hasUsablePass: boolean;
  waiver: boolean;
  firstVisit: boolean;
  notes: string | null;
}

const ORDER: Record<string, number> = { checked_in: 1, booked: 0, waitlisted: 2, no_show: 3, late_cancelled: 4, cancelled: 5 };

/** Everyone booked or waitlisted in a class (and who was checked in, cancelled or absent). */
export function loadRoster(db: LocalDb, sessionId: string, timeZone: string): Promise<RosterEntry[]> {
  // The roster is read again after every check-in, here or on the other desk: its reads go
  // out together in one read-only transaction, a few round trips in all rather than
  // several per student, so the next tap's transaction (which shares the booking and pass
  // tables, and must wait for reads of them already under way) is not kept waiting.
  const tables = (['class_sessions', 'bookings', 'customers', 'customer_passes', 'plans', 'credit_ledger', 'waivers'] as const).map((t) => db.rows(t));
  return db.transaction('r', tables, () => readRoster(db, sessionId, timeZone));
}

async function readRoster(db: LocalDb, sessionId: string, timeZone: string): Promise<RosterEntry[]> {
  const plans = plansById(db);
  plans.catch(() => undefined); // awaited below, unless there is no such class
  const [sessionRow, bookingRows] = await Promise.all([db.rows('class_sessions').get(sessionId), db.rows('bookings').where('session_id').equals(sessionId).toArray()]);
  const session = parseRows('class_sessions', [sessionRow].filter(Boolean))[0];
  if (!session) return [];
  const bookings = parseRows('bookings', bookingRows);
  const out: RosterEntry[] = await Promise.all(bookings.map(async (b) => {
    const [customer, passes, waiverRows, theirRows] = await Promise.all([
      db.rows('customers').get(b.customer_id),
      memberPasses(db, b.customer_id, session.starts_at, timeZone, plans),
      db.rows('waivers').where('customer_id').equals(b.customer_id).toArray(),
      db.rows('bookings').where('customer_id').equals(b.customer_id).toArray(),
    ]);
    const c = parseRows('customers', [customer].filter(Boolean))[0];
    const chosen = (b.pass_id ? passes.find((p) => p.id === b.pass_id) : undefined) ?? passes.find((p) => p.usable) ?? passes[0] ?? null;
    const waivers = parseRows('waivers', waiverRows);
    const theirs = parseRows('bookings', theirRows);
    return {
      sessionId,
      bookingId: b.id,
      customerId: b.customer_id,
      name: c?.name ?? 'Unknown student',
      status: b.status,
      waitlistPosition: b.waitlist_position ?? null,
      checkedInAt: (b.checked_in_at as string | null | undefined) ?? null,
      pass: chosen,
      hasUsablePass: passes.some((p) => p.usable),
      waiver: waivers.length > 0,
      firstVisit: !theirs.some((x) => x.id !== b.id && x.status === 'checked_in'),
      notes: (c?.notes as string | null | undefined) ?? null,
    };
  }));
  out.sort((a, b) => ORDER[a.status] - ORDER[b.status] || (a.waitlistPosition ?? 0) - (b.waitlistPosition ?? 0) || a.name.localeCompare(b.name));
  // The server keeps positions with gaps (a promotion never renumbers); the desk shows the place in line.
  let rank = 0;
  for (const e of out) if (e.status === 'waitlisted') e.waitlistPosition = ++rank;
  return out;
}
