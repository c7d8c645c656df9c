// The studio's front desk, applied authoritatively (DESIGN §6 per-domain rules): booking
// into a class or onto its waitlist, cancelling (late by the studio's cutoff) with the
// waitlist promoted once on the server, checking in (idempotent per booking; a walk-in
// creates the booking), no-shows, and selling passes (passes.ts owns credits and money).
//
// The tablets that send these were often offline, so the rule is: refuse only what is
// truly invalid (an unknown class, an expired pass the desk explicitly chose); a student
// who is in the room is checked in, and what needs a human (over capacity, no credit
// left) is applied and flagged for reconciliation (DESIGN §9).
//
// Concurrency: every mutation on a session's bookings first takes a transaction-level
// advisory lock on that session, so two tablets pushing at once are applied one after
// the other and the second sees the first's committed rows (read committed takes a new
// snapshot per statement). A row lock on class_sessions would need an UPDATE policy that
// devices do not have. The lock is held until the push commits, even past a savepoint.
import { AppError } from '../../shared/errors.ts';
import type { ArgsOf } from '../../shared/mutators/define.ts';
import type { bookingCancel, bookingCheckIn, bookingCreate, bookingMarkNoShow, bookingUndoCheckIn, classTypeSave, sessionCancel, sessionSave, sessionSubstitute } from '../../shared/mutators/studio.ts';
import type { MutationContext, ServerMutator } from './context.ts';
import { ownedElsewhere } from './ownership.ts';
import { adjustPass, chargeCheckIn, choosePass, requireCustomer, sellPass } from './passes.ts';

type BookingStatus = 'booked' | 'waitlisted' | 'cancelled' | 'late_cancelled' | 'no_show' | 'checked_in';

interface Booking {
  id: string;
  session_id: string;
  customer_id: string;
  status: BookingStatus;
}

interface Session {
  id: string;
  capacity: number;
  cancelled: boolean;
  /** "Yin Yoga on Tue 3 Dec at 12:00", in the studio's timezone, for people to read. */
  label: string;
  /** Whether now (the server's clock) is inside the studio's late-cancel window. */
  late: boolean;
}

/** A live booking holds (or waits for) a place; the unique index allows one per student and class. */
const isLive = (b: Booking) => b.status !== 'cancelled' && b.status !== 'late_cancelled';

async function lockSession(ctx: MutationContext, sessionId: string): Promise<void> {
  await ctx.tx.query(`select pg_advisory_xact_lock(hashtext('session:' || $1))`, [sessionId]);
}

/** A class on this studio's schedule (not deleted); cancelled ones are returned, flagged. */
async function loadSession(ctx: MutationContext, sessionId: string): Promise<Session | null> {
  const { rows } = await ctx.tx.query<Session>(
    `select s.id, s.capacity, s.cancelled,
            ct.name || ' on ' || to_char(s.starts_at at time zone l.timezone, 'Dy FMDD Mon "at" HH24:MI') as label,
            now() > s.starts_at - make_interval(mins => l.late_cancel_minutes) as late
     from public.class_sessions s
     join public.class_types ct on ct.id = s.class_type_id
     join public.locations l on l.id = s.location_id
     where s.id = $1 and s.location_id = $2 and not s.deleted`,
    [sessionId, ctx.locationId],
  );
  return rows[0] ?? null;
}

async function requireSession(ctx: MutationContext, sessionId: string): Promise<Session> {
  const s = await loadSession(ctx, sessionId);
  if (!s) throw new AppError('NOT_FOUND', 'That class is not on this studio’s schedule. Refresh the schedule and try again.');
  if (s.cancelled) throw new AppError('VALIDATION_FAILED', `${s.label} was cancelled by the studio; choose another class.`);
  return s;
}

async function bookingById(ctx: MutationContext, bookingId: string): Promise<Booking | null> {
  const { rows } = await ctx.tx.query<Booking>(
    `select id, session_id, customer_id, status from public.bookings where id = $1 and location_id = $2 and not deleted`,
    [bookingId, ctx.locationId],
  );
  return rows[0] ?? null;
}

async function liveBooking(ctx: MutationContext, sessionId: string, customerId: string): Promise<Booking | null> {
  const { rows } = await ctx.tx.query<Booking>(
    `select id, session_id, customer_id, status from public.bookings
     where session_id = $1 and customer_id = $2 and status not in ('cancelled','late_cancelled') and not deleted`,
    [sessionId, customerId],
  );
  return rows[0] ?? null;
}

/** Places taken: booked students and those in the room. */
async function placesTaken(ctx: MutationContext, sessionId: string): Promise<number> {
  const { rows } = await ctx.tx.query<{ n: number }>(
    `select count(*)::int as n from public.bookings where session_id = $1 and status in ('booked','checked_in') and not deleted`,
    [sessionId],
  );
  return rows[0].n;
}

/** A booking the desk refers to must exist at this studio (RLS already hides other locations'). */
async function requireBooking(ctx: MutationContext, bookingId: string): Promise<Booking> {
  const b = await bookingById(ctx, bookingId);
  if (!b) throw new AppError('NOT_FOUND', 'That booking was not found at this studio. Refresh the class list and try again.');
  return b;
}

async function createBooking(ctx: MutationContext, a: ArgsOf<typeof bookingCreate>) {
  await lockSession(ctx, a.sessionId);
  const s = await requireSession(ctx, a.sessionId);
  const customer = await requireCustomer(ctx, a.customerId);
  if (await liveBooking(ctx, a.sessionId, a.customerId)) {
    throw new AppError('CONFLICT', `${customer.name} already has a place (or a waitlist spot) in ${s.label}.`);
  }
  const full = (await placesTaken(ctx, a.sessionId)) >= s.capacity;
  // Waitlist positions only order the queue: promotions leave gaps, never renumber (that
  // would rewrite, and re-sync, every waiting booking), so the next one is max + 1.
  await ctx.tx.query(
    `insert into public.bookings (id, location_id, session_id, customer_id, status, waitlist_position)
     values ($1, $2, $3, $4, case when $5 then 'waitlisted' else 'booked' end,
             case when $5 then (select coalesce(max(waitlist_position), 0) + 1 from public.bookings
                                where session_id = $3 and status = 'waitlisted' and not deleted) end)`,
    [a.bookingId, ctx.locationId, a.sessionId, a.customerId, full],
  );
}

async function cancelBooking(ctx: MutationContext, a: ArgsOf<typeof bookingCancel>) {
  const seen = await requireBooking(ctx, a.bookingId);
  await lockSession(ctx, seen.session_id);
  // Read again under the lock: another tablet may have changed it while we waited.
  const b = await requireBooking(ctx, a.bookingId);
  if (b.status !== 'booked' && b.status !== 'waitlisted') return; // already settled: a late duplicate is a no-op
  const s = await loadSession(ctx, b.session_id);
  // Late is decided by the server's clock at the push, never by the tablet's clientTime
  // (DESIGN §4); that stays in the mutation log for a manager who wants to waive it.
  // Only a held place can be given up late: a waitlisted student, or anyone in a class
  // the studio itself cancelled, had nothing to give up.
  const late = b.status === 'booked' && !!s && !s.cancelled && s.late;
  await ctx.tx.query(
    `update public.bookings set status = $2, waitlist_position = null, cancelled_at = now() where id = $1`,
    [b.id, late ? 'late_cancelled' : 'cancelled'],
  );
  if (b.status === 'booked' && s && !s.cancelled) await promoteFirstWaitlisted(ctx, s);
}

/**
 * The place a cancellation frees goes to the first waiting student, once. Under the
 * session lock the count and the queue are current, so two cancellations arriving
 * together promote two different students; and only if there is room now (a class
 * already over capacity after walk-ins stays as it is).
 */
async function promoteFirstWaitlisted(ctx: MutationContext, s: Session) {
  if ((await placesTaken(ctx, s.id)) >= s.capacity) return;
  await ctx.tx.query(
    `update public.bookings set status = 'booked', waitlist_position = null
     where id = (select id from public.bookings where session_id = $1 and status = 'waitlisted' and not deleted
                 order by waitlist_position, created_at, id limit 1)`,
    [s.id],
  );
}

async function checkIn(ctx: MutationContext, a: ArgsOf<typeof bookingCheckIn>) {
  await lockSession(ctx, a.sessionId);
  // A class the studio cancelled is refused: no credit should be spent on it, and the
  // refusal puts the check-in in front of a manager anyway.
  const s = await requireSession(ctx, a.sessionId);
  const customer = await requireCustomer(ctx, a.customerId);
  const own = await bookingById(ctx, a.bookingId);
  if (own && (own.session_id !== a.sessionId || own.customer_id !== a.customerId)) {
    throw new AppError('VALIDATION_FAILED', 'That booking is for another class or student. Refresh the class list and check in again.');
  }
  // The booking to check in: this one while it is live; else the student's live booking
  // in this class under another id (a walk-in rung up offline for a student who had in
  // fact booked: one place, one credit); else this cancelled one, revived because the
  // student is in the room; else none, and it is a walk-in.
  const target = own && isLive(own) ? own : ((await liveBooking(ctx, a.sessionId, a.customerId)) ?? own);
  if (target?.status === 'checked_in') return; // idempotent per booking: no second credit
  // Choose the pass before writing anything, so an expired pass refuses cleanly.
  const pass = await choosePass(ctx, a.customerId, a.sessionId, a.passId);
  const bookingId = target?.id ?? a.bookingId;
  if (target) {
    await ctx.tx.query(
      `update public.bookings set status = 'checked_in', waitlist_position = null, checked_in_at = now(),
              cancelled_at = null, pass_id = $2
       where id = $1`,
      [bookingId, pass?.id ?? null],
    );
  } else {
    await ctx.tx.query(
      `insert into public.bookings (id, location_id, session_id, customer_id, status, pass_id, checked_in_at)
       values ($1, $2, $3, $4, 'checked_in', $5, now())`,
      [bookingId, ctx.locationId, a.sessionId, a.customerId, pass?.id ?? null],
    );
  }
  // Over capacity is flagged only when this check-in took a place that was not already
  // held (a walk-in, a waitlisted or no-show student); a booked student arriving later
  // does not make the room fuller and must not flag the same crowding again.
  if (target?.status !== 'booked') {
    const taken = await placesTaken(ctx, a.sessionId);
    if (taken > s.capacity) {
      await ctx.flag('over_capacity', `${customer.name} was checked in to ${s.label}: ${taken} students for ${s.capacity} places.`, {
        sessionId: a.sessionId, customerId: a.customerId, bookingId, capacity: s.capacity, taken,
      }, { bookingId });
    }
  }
  await chargeCheckIn(ctx, pass, { bookingId, customerId: a.customerId, customerName: customer.name, sessionId: a.sessionId, sessionLabel: s.label });
}

/**
 * Undo a check-in the desk made by mistake (the wrong student tapped): the booking is
 * booked again and the credit it spent is given back by tombstoning its ledger row, so
 * the student can be checked in again later and still spend exactly one credit. The
 * screen offers undo for a short while only; the server takes it whenever it arrives,
 * because a tablet that was offline sends it late. Anything but a checked-in booking is
 * left alone (a duplicate undo is a no-op). An over-capacity item the check-in raised
 * stays for the manager, who sees the undo beside it.
 */
async function undoCheckIn(ctx: MutationContext, a: ArgsOf<typeof bookingUndoCheckIn>) {
  const seen = await requireBooking(ctx, a.bookingId);
  await lockSession(ctx, seen.session_id);
  const b = await requireBooking(ctx, a.bookingId);
  if (b.status !== 'checked_in') return;
  await ctx.tx.query(`update public.bookings set status = 'booked', checked_in_at = null, pass_id = null where id = $1`, [b.id]);
  await ctx.tx.query(`update public.credit_ledger set deleted = true where booking_id = $1 and reason = 'check_in' and not deleted`, [b.id]);
}

/** The front desk marks no-shows once class has started; the time is theirs to judge. */
async function markNoShow(ctx: MutationContext, a: ArgsOf<typeof bookingMarkNoShow>) {
  const b = await requireBooking(ctx, a.bookingId);
  await lockSession(ctx, b.session_id);
  // Only a booked student can fail to show; anything else (checked in after all,
  // cancelled, already marked) stays as it is. No credit is taken and no place is
  // promoted: the class has started, and a no-show fee is the studio's policy to add.
  await ctx.tx.query(`update public.bookings set status = 'no_show' where id = $1 and status = 'booked'`, [b.id]);
}

// ---------------------------------------------------------------- the schedule (managers)

async function saveClassType(ctx: MutationContext, a: ArgsOf<typeof classTypeSave>) {
  await ownedElsewhere(ctx, 'class_types', a.classTypeId, 'That class type belongs to another location; make a new one.');
  await ctx.tx.query(
    `insert into public.class_types (id, location_id, name, description, duration_minutes, default_capacity) values ($1, $2, $3, $4, $5, $6)
     on conflict (id) do update set name = excluded.name, description = excluded.description,
       duration_minutes = excluded.duration_minutes, default_capacity = excluded.default_capacity`,
    [a.classTypeId, ctx.locationId, a.name, a.description, a.durationMinutes, a.defaultCapacity],
  );
}

async function saveSession(ctx: MutationContext, a: ArgsOf<typeof sessionSave>) {
  await ownedElsewhere(ctx, 'class_sessions', a.sessionId, 'That class belongs to another location; make a new one.');
  const { rows: [t] } = await ctx.tx.query<{ duration_minutes: number }>(
    `select duration_minutes from public.class_types where id = $1 and location_id = $2 and not deleted`,
    [a.classTypeId, ctx.locationId],
  );
  if (!t) throw new AppError('NOT_FOUND', 'That class type is not on this studio’s list.');
  if (a.instructorStaffId) await requireStaffHere(ctx, a.instructorStaffId);
  await ctx.tx.query(
    `insert into public.class_sessions (id, location_id, class_type_id, instructor_staff_id, starts_at, ends_at, capacity, room)
     values ($1, $2, $3, $4, $5::timestamptz, $5::timestamptz + make_interval(mins => $6), $7, $8)
     on conflict (id) do update set class_type_id = excluded.class_type_id, instructor_staff_id = excluded.instructor_staff_id,
       starts_at = excluded.starts_at, ends_at = excluded.ends_at, capacity = excluded.capacity, room = excluded.room`,
    [a.sessionId, ctx.locationId, a.classTypeId, a.instructorStaffId, a.startsAt, a.durationMinutes ?? t.duration_minutes, a.capacity, a.room],
  );
}

async function requireStaffHere(ctx: MutationContext, staffId: string) {
  const { rows } = await ctx.tx.query(
    `select 1 from public.staff s join public.staff_locations sl on sl.staff_id = s.id and sl.location_id = $2 and not sl.deleted
     where s.id = $1 and s.active and not s.deleted`,
    [staffId, ctx.locationId],
  );
  if (!rows[0]) throw new AppError('NOT_FOUND', 'That person does not work at this studio.');
}

/** The roster learns it on every desk tablet by the next poke: the class shows cancelled, each booking too. */
async function cancelSession(ctx: MutationContext, a: ArgsOf<typeof sessionCancel>) {
  await lockSession(ctx, a.sessionId);
  const s = await loadSession(ctx, a.sessionId);
  if (!s) throw new AppError('NOT_FOUND', 'That class is not on this studio’s schedule.');
  if (s.cancelled) return;
  await ctx.tx.query(`update public.class_sessions set cancelled = true where id = $1`, [a.sessionId]);
  await ctx.tx.query(
    `update public.credit_ledger set deleted = true where reason = 'check_in' and not deleted
       and booking_id in (select id from public.bookings where session_id = $1 and status = 'checked_in')`,
    [a.sessionId],
  );
  await ctx.tx.query(
    `update public.bookings set status = 'cancelled', waitlist_position = null, cancelled_at = now()
     where session_id = $1 and status in ('booked','waitlisted','checked_in') and not deleted`,
    [a.sessionId],
  );
}

async function substitute(ctx: MutationContext, a: ArgsOf<typeof sessionSubstitute>) {
  const s = await loadSession(ctx, a.sessionId);
  if (!s) throw new AppError('NOT_FOUND', 'That class is not on this studio’s schedule.');
  if (a.staffId) await requireStaffHere(ctx, a.staffId);
  await ctx.tx.query(`update public.class_sessions set substitute_staff_id = $2 where id = $1`, [a.sessionId, a.staffId]);
}

export const mutators: Record<string, ServerMutator<any>> = {
  'classType.save': saveClassType,
  'session.save': saveSession,
  'session.cancel': cancelSession,
  'session.substitute': substitute,
  'booking.create': createBooking,
  'booking.cancel': cancelBooking,
  'booking.checkIn': checkIn,
  'booking.undoCheckIn': undoCheckIn,
  'booking.markNoShow': markNoShow,
  'pass.sell': sellPass,
  'pass.adjust': adjustPass,
};
