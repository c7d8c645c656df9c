// The studio's per-domain rules (DESIGN §6) through the real push path, on PGlite and on
// PostgreSQL: a check-in spends one credit however often it arrives, walk-ins, over
// capacity and overdrafts are applied and flagged, an expired pass is refused, the
// waitlist is promoted once per freed place (also when two tablets race), late
// cancellation by the server's clock, no-shows, and selling passes for cash or later.
import { describe, expect, it } from 'vitest';
import { push } from '../../src/server/sync/push.ts';
import { SCHEMA_VERSION, type MutationResult } from '../../src/shared/sync/protocol.ts';
import { engines } from '../fixtures/engines.ts';
import { useSyncWorld, type Tablet } from '../fixtures/sync-world.ts';

const id = () => crypto.randomUUID();

describe.each(engines())('studio rules on $name', (engine) => {
  const world = useSyncWorld(engine);
  const studio = () => world().seed.studioLocationId;
  let codes = 0;
  const newTablet = () => world().tablet(studio(), `T${++codes}`);

  /** A class at the studio starting `startsIn` minutes from now (server time). */
  async function newSession(capacity: number, startsIn = 3 * 24 * 60, cancelled = false): Promise<string> {
    const [s] = await world().q<{ id: string }>(
      `insert into public.class_sessions (location_id, class_type_id, starts_at, ends_at, capacity, cancelled)
       select $1, ct.id, now() + make_interval(mins => $2), now() + make_interval(mins => $2 + 60), $3, $4
       from public.class_types ct where ct.location_id = $1 order by ct.name limit 1
       returning id`,
      [studio(), startsIn, capacity, cancelled],
    );
    return s.id;
  }

  async function newCustomer(name = 'Test Student'): Promise<string> {
    const [c] = await world().q<{ id: string }>(
      `insert into public.customers (organization_id, name) values ($1, $2) returning id`,
      [world().seed.organizationId, name],
    );
    return c.id;
  }

  /** A pass of the demo plan of this kind; `balance` credits left; expiry in days from now (null: none). */
  async function newPass(customerId: string, kind: 'drop_in' | 'pack' | 'unlimited', opts: { balance?: number; expiresInDays?: number | null } = {}) {
    const w = world();
    const [plan] = await w.q<{ id: string; credits: number | null; duration_days: number | null }>(
      `select id, credits, duration_days from public.plans where organization_id = $1 and kind = $2 order by credits nulls first limit 1`,
      [w.seed.organizationId, kind],
    );
    const expires = opts.expiresInDays !== undefined ? opts.expiresInDays : plan.duration_days === null ? null : 30;
    const [p] = await w.q<{ id: string }>(
      `insert into public.customer_passes (id, organization_id, customer_id, plan_id, kind, credits_total, starts_at, expires_at, sold_at_location_id)
       values (gen_random_uuid(), $1, $2, $3, $4, $5, now() - interval '200 days',
               case when $6::int is null then null else now() + make_interval(days => $6::int) end, $7)
       returning id`,
      [w.seed.organizationId, customerId, plan.id, kind, plan.credits, expires, studio()],
    );
    if (plan.credits !== null) {
      await ledger(p.id, customerId, plan.credits, 'purchase');
      const balance = opts.balance ?? plan.credits;
      if (balance !== plan.credits) await ledger(p.id, customerId, balance - plan.credits, 'adjust');
    }
    return p.id;
  }

  async function ledger(passId: string, customerId: string, delta: number, reason: string) {
    await world().q(
      `insert into public.credit_ledger (id, organization_id, location_id, pass_id, customer_id, delta, reason)
       values (gen_random_uuid(), $1, $2, $3, $4, $5, $6)`,
      [world().seed.organizationId, studio(), passId, customerId, delta, reason],
    );
  }

  const balance = async (passId: string) =>
    (await world().q<{ n: number }>(`select coalesce(sum(delta), 0)::int as n from public.credit_ledger where pass_id = $1`, [passId]))[0].n;

  const booking = async (bookingId: string) =>
    (await world().q<{ status: string; waitlist_position: number | null; pass_id: string | null; checked_in_at: Date | null; cancelled_at: Date | null; customer_id: string }>(
      `select status, waitlist_position, pass_id, checked_in_at, cancelled_at, customer_id from public.bookings where id = $1`,
      [bookingId],
    ))[0];

  const recon = (bookingId: string, kind?: string) =>
    world().q<{ kind: string; summary: string; details: Record<string, unknown>; booking_id: string }>(
      `select kind, summary, details, booking_id from public.reconciliation_items
       where booking_id = $1 and ($2::text is null or kind = $2) order by occurred_at`,
      [bookingId, kind ?? null],
    );

  const placesTaken = async (sessionId: string) =>
    (await world().q<{ n: number }>(
      `select count(*)::int as n from public.bookings where session_id = $1 and status in ('booked','checked_in')`,
      [sessionId],
    ))[0].n;

  const run = (name: string, args: unknown, t?: Tablet) => world().run(t ?? world().studio, name, args);

  async function book(sessionId: string, customerId: string, t?: Tablet): Promise<string> {
    const bookingId = id();
    expect(await run('booking.create', { bookingId, sessionId, customerId }, t)).toMatchObject({ status: 'applied' });
    return bookingId;
  }

  it('books while there is room, then waitlists in order; refuses a second live booking and unknown or cancelled classes', async () => {
    const w = world();
    const s = await newSession(2);
    const [a, b, c, d] = await Promise.all(['A', 'B', 'C', 'D'].map((n) => newCustomer(`Booker ${n}`)));
    const ids = [await book(s, a), await book(s, b), await book(s, c), await book(s, d)];
    const rows = await Promise.all(ids.map(booking));
    expect(rows.map((r) => [r.status, r.waitlist_position])).toEqual([['booked', null], ['booked', null], ['waitlisted', 1], ['waitlisted', 2]]);

    const again = await run('booking.create', { bookingId: id(), sessionId: s, customerId: a });
    expect(again).toMatchObject({ status: 'rejected', error: { code: 'CONFLICT' } });
    expect(again.error!.message).toContain('Booker A');

    const cancelledClass = await newSession(10, 3 * 24 * 60, true);
    expect(await run('booking.create', { bookingId: id(), sessionId: cancelledClass, customerId: a })).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
    // A class of another location is not on this tablet's schedule (the café tablet, run by the manager).
    expect(await w.run(w.cafe, 'booking.create', { bookingId: id(), sessionId: s, customerId: a }, w.staff.manager)).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect(await run('booking.create', { bookingId: id(), sessionId: s, customerId: id() })).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect(await w.q(`select count(*)::int as n from public.bookings where session_id = $1`, [s])).toEqual([{ n: 4 }]);
  });

  it('two tablets booking the last place at once: one gets it, the other is waitlisted', async () => {
    const w = world();
    for (let round = 0; round < 5; round++) {
      const s = await newSession(1);
      const [a, b] = [await newCustomer(`Rush ${round} A`), await newCustomer(`Rush ${round} B`)];
      const [t1, t2] = [await newTablet(), await newTablet()];
      const [ba, bb] = [id(), id()];
      const results = await Promise.all([
        w.run(t1, 'booking.create', { bookingId: ba, sessionId: s, customerId: a }),
        w.run(t2, 'booking.create', { bookingId: bb, sessionId: s, customerId: b }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
      const rows = [await booking(ba), await booking(bb)].map((r) => [r.status, r.waitlist_position]);
      expect(rows.sort()).toEqual([['booked', null], ['waitlisted', 1]]);
    }
  });

  it('a check-in spends one credit, even delivered twice or sent again as a new mutation', async () => {
    const w = world();
    const s = await newSession(10);
    const c = await newCustomer('Once Only');
    const pass = await newPass(c, 'pack', { balance: 5 });
    const b = await book(s, c);
    const t = await newTablet();
    const m = { id: t.nextId++, name: 'booking.checkIn', args: { bookingId: b, sessionId: s, customerId: c }, staffId: w.staff.front_desk, clientTime: new Date().toISOString() };
    const send = () => push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [m] }, w.db);
    expect((await send()).results[0].status).toBe('applied');
    const firstCheckIn = (await booking(b)).checked_in_at;
    expect(firstCheckIn).not.toBeNull();
    expect((await send()).results[0].status).toBe('duplicate'); // the response was lost; the tablet sent it again
    // Another tablet (or the same desk, tapping again) checks the same booking in anew.
    expect(await run('booking.checkIn', { bookingId: b, sessionId: s, customerId: c })).toMatchObject({ status: 'applied' });
    expect(await run('booking.checkIn', { bookingId: b, sessionId: s, customerId: c, passId: pass })).toMatchObject({ status: 'applied' });

    expect(await balance(pass)).toBe(4);
    expect(await w.q(`select delta, reason, pass_id from public.credit_ledger where booking_id = $1`, [b])).toEqual([{ delta: -1, reason: 'check_in', pass_id: pass }]);
    const row = await booking(b);
    expect(row.status).toBe('checked_in');
    expect(row.pass_id).toBe(pass);
    expect(row.checked_in_at).toEqual(firstCheckIn); // the later deliveries changed nothing
    expect(await recon(b)).toEqual([]);
  });

  it('an undone check-in gives its credit back; checking in again spends exactly one; a second undo changes nothing', async () => {
    const w = world();
    const s = await newSession(10);
    const c = await newCustomer('Wrong Tap');
    const pass = await newPass(c, 'pack', { balance: 3 });
    const b = await book(s, c);
    const live = async () => (await w.q<{ n: number }>(`select coalesce(sum(delta), 0)::int as n from public.credit_ledger where pass_id = $1 and not deleted`, [pass]))[0].n;
    expect(await run('booking.checkIn', { bookingId: b, sessionId: s, customerId: c })).toMatchObject({ status: 'applied' });
    expect(await live()).toBe(2);
    expect(await run('booking.undoCheckIn', { bookingId: b })).toMatchObject({ status: 'applied' });
    expect(await booking(b)).toMatchObject({ status: 'booked', checked_in_at: null, pass_id: null });
    expect(await live()).toBe(3);
    expect(await run('booking.undoCheckIn', { bookingId: b })).toMatchObject({ status: 'applied' });
    expect(await live()).toBe(3);
    expect(await run('booking.checkIn', { bookingId: b, sessionId: s, customerId: c })).toMatchObject({ status: 'applied' });
    expect(await live()).toBe(2);
    expect((await booking(b)).status).toBe('checked_in');
    expect(await run('booking.undoCheckIn', { bookingId: id() })).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
  });

  it('two tablets checking the same booking in at once spend one credit', async () => {
    const w = world();
    const s = await newSession(10);
    const c = await newCustomer('Double Tap');
    const pass = await newPass(c, 'pack', { balance: 3 });
    const b = await book(s, c);
    const [t1, t2] = [await newTablet(), await newTablet()];
    const args = { bookingId: b, sessionId: s, customerId: c };
    const results = await Promise.all([w.run(t1, 'booking.checkIn', args), w.run(t2, 'booking.checkIn', args)]);
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(await balance(pass)).toBe(2);
  });

  it('a walk-in check-in creates the booking, paid by an unlimited pass first, else the soonest-expiring pass with credits', async () => {
    const w = world();
    const s = await newSession(10);
    const member = await newCustomer('Unlimited Member');
    const pack = await newPass(member, 'pack', { balance: 5, expiresInDays: 3 });
    const unlimited = await newPass(member, 'unlimited', { expiresInDays: 20 });
    const walkIn = id();
    expect(await run('booking.checkIn', { bookingId: walkIn, sessionId: s, customerId: member })).toMatchObject({ status: 'applied' });
    expect(await booking(walkIn)).toMatchObject({ status: 'checked_in', waitlist_position: null, pass_id: unlimited, customer_id: member });
    expect(await balance(pack)).toBe(5); // an unlimited pass spends no credit
    expect(await w.q(`select 1 from public.credit_ledger where booking_id = $1`, [walkIn])).toEqual([]);

    const packer = await newCustomer('Two Packs');
    const later = await newPass(packer, 'pack', { balance: 5, expiresInDays: 60 });
    const sooner = await newPass(packer, 'pack', { balance: 2, expiresInDays: 10 });
    const empty = await newPass(packer, 'pack', { balance: 0, expiresInDays: 5 });
    const second = id();
    expect(await run('booking.checkIn', { bookingId: second, sessionId: s, customerId: packer })).toMatchObject({ status: 'applied' });
    expect((await booking(second)).pass_id).toBe(sooner);
    expect([await balance(sooner), await balance(later), await balance(empty)]).toEqual([1, 5, 0]);
    expect(await recon(second)).toEqual([]);
  });

  it('a walk-in for a student who had booked checks in their booking; a cancelled booking is revived', async () => {
    const w = world();
    const s = await newSession(5);
    const c = await newCustomer('Forgot They Booked');
    const pass = await newPass(c, 'pack', { balance: 5 });
    const booked = await book(s, c);
    // The desk, offline, rang them up as a walk-in under a new id: one place, one credit.
    expect(await run('booking.checkIn', { bookingId: id(), sessionId: s, customerId: c })).toMatchObject({ status: 'applied' });
    expect(await w.q(`select id, status from public.bookings where session_id = $1`, [s])).toEqual([{ id: booked, status: 'checked_in' }]);
    expect(await balance(pass)).toBe(4);

    const d = await newCustomer('Changed Their Mind');
    await newPass(d, 'unlimited');
    const cancelled = await book(s, d);
    expect(await run('booking.cancel', { bookingId: cancelled })).toMatchObject({ status: 'applied' });
    expect(await run('booking.checkIn', { bookingId: cancelled, sessionId: s, customerId: d })).toMatchObject({ status: 'applied' });
    expect(await booking(cancelled)).toMatchObject({ status: 'checked_in', cancelled_at: null });
    expect(await placesTaken(s)).toBe(2);
  });

  it('checking in past capacity is applied and flagged, once per place taken', async () => {
    const s = await newSession(1);
    const [a, waiting, walker] = await Promise.all(['Booked', 'Waiting', 'Walker'].map((n) => newCustomer(n)));
    for (const c of [a, waiting, walker]) await newPass(c, 'unlimited');
    const booked = await book(s, a);
    const waitlisted = await book(s, waiting);
    expect((await booking(waitlisted)).status).toBe('waitlisted');

    const walkIn = id();
    expect(await run('booking.checkIn', { bookingId: walkIn, sessionId: s, customerId: walker })).toMatchObject({ status: 'applied' });
    expect((await booking(walkIn)).status).toBe('checked_in');
    const flags = await recon(walkIn, 'over_capacity');
    expect(flags).toHaveLength(1);
    expect(flags[0].details).toMatchObject({ capacity: 1, taken: 2, sessionId: s });
    expect(flags[0].summary).toContain('Walker');

    // The booked student arriving does not make the room fuller: no second flag.
    expect(await run('booking.checkIn', { bookingId: booked, sessionId: s, customerId: a })).toMatchObject({ status: 'applied' });
    expect(await recon(booked, 'over_capacity')).toEqual([]);
    // A waitlisted student who comes in anyway takes one more place: flagged.
    expect(await run('booking.checkIn', { bookingId: waitlisted, sessionId: s, customerId: waiting })).toMatchObject({ status: 'applied' });
    expect(await booking(waitlisted)).toMatchObject({ status: 'checked_in', waitlist_position: null });
    expect((await recon(waitlisted, 'over_capacity'))[0].details).toMatchObject({ taken: 3 });
    expect(await placesTaken(s)).toBe(3);
  });

  it('an overdrawn pack is flagged; a student without a usable pass is checked in and flagged', async () => {
    const s = await newSession(10);
    const broke = await newCustomer('Empty Pack');
    const pack = await newPass(broke, 'pack', { balance: 0 });
    const b = await book(s, broke);
    // The desk chose the empty pack: applied, the pass goes to −1, and a manager sees it.
    expect(await run('booking.checkIn', { bookingId: b, sessionId: s, customerId: broke, passId: pack })).toMatchObject({ status: 'applied' });
    expect(await balance(pack)).toBe(-1);
    expect((await booking(b)).pass_id).toBe(pack);
    const overdraft = await recon(b, 'pass_overdraft');
    expect(overdraft).toHaveLength(1);
    expect(overdraft[0].details).toMatchObject({ passId: pack, balance: -1 });

    // Nothing usable (one pack empty, one expired): still in the room, without a pass, flagged.
    const none = await newCustomer('No Pass');
    const emptyPack = await newPass(none, 'pack', { balance: 0 });
    const expired = await newPass(none, 'pack', { balance: 5, expiresInDays: -10 });
    const walkIn = id();
    expect(await run('booking.checkIn', { bookingId: walkIn, sessionId: s, customerId: none })).toMatchObject({ status: 'applied' });
    expect(await booking(walkIn)).toMatchObject({ status: 'checked_in', pass_id: null });
    const flags = await recon(walkIn, 'pass_overdraft');
    expect(flags).toHaveLength(1);
    expect(flags[0].summary).toMatch(/No Pass was checked in to .* without a pass/);
    // Sent again as a new mutation: the same booking, already in, is not flagged twice.
    expect(await run('booking.checkIn', { bookingId: walkIn, sessionId: s, customerId: none })).toMatchObject({ status: 'applied' });
    expect(await recon(walkIn, 'pass_overdraft')).toHaveLength(1);
    expect([await balance(emptyPack), await balance(expired)]).toEqual([0, 5]);

    // A drop-in spent down to zero is not an overdraft.
    const dropper = await newCustomer('Drop In');
    const dropIn = await newPass(dropper, 'drop_in');
    const d = id();
    expect(await run('booking.checkIn', { bookingId: d, sessionId: s, customerId: dropper })).toMatchObject({ status: 'applied' });
    expect(await balance(dropIn)).toBe(0);
    expect(await recon(d)).toEqual([]);
  });

  it('an explicitly chosen expired pass is refused with a clear reason, and nothing but the log and the reconciliation item is written', async () => {
    const w = world();
    const s = await newSession(10);
    const c = await newCustomer('Lapsed Member');
    const expired = await newPass(c, 'pack', { balance: 3, expiresInDays: -5 });
    const b = await book(s, c);
    const t = await newTablet();
    const r = await w.run(t, 'booking.checkIn', { bookingId: b, sessionId: s, customerId: c, passId: expired });
    expect(r).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
    expect(r.error!.message).toMatch(/pass expired on \d{1,2} [A-Z][a-z]{2} \d{4}.*sell a new pass/);

    expect(await booking(b)).toMatchObject({ status: 'booked', pass_id: null, checked_in_at: null });
    expect(await balance(expired)).toBe(3);
    expect(await w.q(`select 1 from public.credit_ledger where booking_id = $1`, [b])).toEqual([]);
    expect(await w.q(`select status from public.mutation_log where client_id = $1`, [t.clientId])).toEqual([{ status: 'rejected' }]);
    const items = await w.q<{ kind: string; summary: string }>(`select kind, summary from public.reconciliation_items where client_id = $1`, [t.clientId]);
    expect(items.map((i) => i.kind)).toEqual(['rejected_mutation']);
    expect(items[0].summary).toContain('expired on');

    // A pass that is not this student's is refused too.
    const other = await newPass(await newCustomer('Someone Else'), 'unlimited');
    expect(await w.run(t, 'booking.checkIn', { bookingId: b, sessionId: s, customerId: c, passId: other })).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
    expect((await booking(b)).status).toBe('booked');
  });

  it('a check-in must match its booking’s class and student', async () => {
    const s = await newSession(10);
    const other = await newSession(10);
    const [c, d] = [await newCustomer('Right'), await newCustomer('Wrong')];
    const b = await book(s, c);
    expect(await run('booking.checkIn', { bookingId: b, sessionId: other, customerId: c })).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
    expect(await run('booking.checkIn', { bookingId: b, sessionId: s, customerId: d })).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
    expect((await booking(b)).status).toBe('booked');
  });

  it('a cancellation promotes exactly the first waitlisted student of the demo’s full class, once', async () => {
    const w = world();
    const [small] = await w.q<{ id: string; capacity: number }>(
      `select id, capacity from public.class_sessions where location_id = $1 and room = 'Studio Nook' and capacity = 3 limit 1`, [studio()]);
    const list = () => w.q<{ id: string; status: string; waitlist_position: number | null }>(
      `select id, status, waitlist_position from public.bookings where session_id = $1 order by created_at`, [small.id]);
    const before = await list();
    expect(before.map((b) => b.status)).toEqual(['booked', 'booked', 'booked', 'waitlisted', 'waitlisted']);
    const [first, , , w1, w2] = before;

    expect(await run('booking.cancel', { bookingId: first.id })).toMatchObject({ status: 'applied' });
    let after = await list();
    expect(['cancelled', 'late_cancelled']).toContain(after[0].status);
    expect(after[3]).toMatchObject({ id: w1.id, status: 'booked', waitlist_position: null });
    expect(after[4]).toMatchObject({ id: w2.id, status: 'waitlisted', waitlist_position: 2 });

    // The same cancellation again (a second tap, another tablet): a no-op, nobody else promoted.
    expect(await run('booking.cancel', { bookingId: first.id })).toMatchObject({ status: 'applied' });
    // A waitlisted student leaving frees no place.
    expect(await run('booking.cancel', { bookingId: w2.id })).toMatchObject({ status: 'applied' });
    after = await list();
    expect(after[4]).toMatchObject({ status: 'cancelled', waitlist_position: null });
    expect(after.filter((b) => b.status === 'booked')).toHaveLength(3);
    expect(await placesTaken(small.id)).toBe(small.capacity);
  });

  it('a cancellation promotes nobody while the room is still full after walk-ins', async () => {
    const s = await newSession(1);
    const [a, waiting, walker] = await Promise.all(['Leaver', 'Still Waiting', 'Walked In'].map((n) => newCustomer(n)));
    const leaving = await book(s, a);
    const waitlisted = await book(s, waiting);
    expect(await run('booking.checkIn', { bookingId: id(), sessionId: s, customerId: walker })).toMatchObject({ status: 'applied' });
    expect(await placesTaken(s)).toBe(2);
    expect(await run('booking.cancel', { bookingId: leaving })).toMatchObject({ status: 'applied' });
    expect(await booking(waitlisted)).toMatchObject({ status: 'waitlisted', waitlist_position: 1 });
    expect(await placesTaken(s)).toBe(1);
  });

  it('two cancellations from two tablets at once promote two different students, once each', async () => {
    const w = world();
    for (let round = 0; round < 3; round++) {
      const s = await newSession(2);
      const people = await Promise.all(['A', 'B', 'W1', 'W2', 'W3'].map((n) => newCustomer(`Race ${round} ${n}`)));
      const ids: string[] = [];
      for (const c of people) ids.push(await book(s, c));
      const [first, second, q1, q2, q3] = ids;
      expect(await Promise.all(ids.map(async (b) => [(await booking(b)).status, (await booking(b)).waitlist_position])))
        .toEqual([['booked', null], ['booked', null], ['waitlisted', 1], ['waitlisted', 2], ['waitlisted', 3]]);

      const [t1, t2] = [await newTablet(), await newTablet()];
      const results: MutationResult[] = await Promise.all([
        w.run(t1, 'booking.cancel', { bookingId: first }),
        w.run(t2, 'booking.cancel', { bookingId: second }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
      expect((await booking(first)).status).toBe('cancelled');
      expect((await booking(second)).status).toBe('cancelled');
      expect(await booking(q1)).toMatchObject({ status: 'booked', waitlist_position: null });
      expect(await booking(q2)).toMatchObject({ status: 'booked', waitlist_position: null });
      expect(await booking(q3)).toMatchObject({ status: 'waitlisted', waitlist_position: 3 });
      expect(await placesTaken(s)).toBe(2);
    }
  });

  it('a cancellation inside the studio’s cutoff is late, by the server’s clock and not the tablet’s', async () => {
    const w = world();
    const [{ late_cancel_minutes: cutoff }] = await w.q<{ late_cancel_minutes: number }>(
      `select late_cancel_minutes from public.locations where id = $1`, [studio()]);
    const soon = await newSession(1, cutoff - 60);
    const later = await newSession(1, cutoff + 24 * 60);
    const [a, b, c, d] = await Promise.all(['Late', 'Waiting Late', 'Early', 'Other'].map((n) => newCustomer(n)));
    const lateBooking = await book(soon, a);
    const waiting = await book(soon, b);
    const early = await book(later, c);
    await book(later, d);

    // The tablet's clock says this was tapped two days ago; the server decides by its own.
    const t = await newTablet();
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const r = await push(t, { clientId: t.clientId, schemaVersion: SCHEMA_VERSION, mutations: [
      { id: t.nextId++, name: 'booking.cancel', args: { bookingId: lateBooking }, staffId: w.staff.front_desk, clientTime: twoDaysAgo },
    ] }, w.db);
    expect(r.results[0].status).toBe('applied');
    const cancelledLate = await booking(lateBooking);
    expect(cancelledLate.status).toBe('late_cancelled');
    expect(cancelledLate.cancelled_at).not.toBeNull();
    // A late cancellation still frees the place for the waitlist.
    expect(await booking(waiting)).toMatchObject({ status: 'booked', waitlist_position: null });

    expect(await run('booking.cancel', { bookingId: early })).toMatchObject({ status: 'applied' });
    expect((await booking(early)).status).toBe('cancelled');
  });

  it('marks a booked student as a no-show and leaves every other booking alone', async () => {
    const s = await newSession(2, -30); // class started half an hour ago
    const [a, inRoom, waiting, gone] = await Promise.all(['Absent', 'Present', 'Waiting', 'Gone'].map((n) => newCustomer(n)));
    const absent = await book(s, a);
    const present = await book(s, inRoom);
    const waitlisted = await book(s, waiting);
    const cancelled = await book(s, gone); // waitlisted, then cancels
    expect(await run('booking.cancel', { bookingId: cancelled })).toMatchObject({ status: 'applied' });
    expect(await run('booking.checkIn', { bookingId: present, sessionId: s, customerId: inRoom })).toMatchObject({ status: 'applied' });

    for (const b of [absent, present, waitlisted, cancelled, absent]) {
      expect(await run('booking.markNoShow', { bookingId: b })).toMatchObject({ status: 'applied' });
    }
    expect((await booking(absent)).status).toBe('no_show');
    expect((await booking(present)).status).toBe('checked_in');
    expect(await booking(waitlisted)).toMatchObject({ status: 'waitlisted', waitlist_position: 1 }); // not promoted by a no-show
    expect((await booking(cancelled)).status).toBe('cancelled');
    expect(await run('booking.markNoShow', { bookingId: id() })).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });

    // The no-show turns up after all: checked in into the place they held, no over-capacity flag.
    expect(await run('booking.checkIn', { bookingId: absent, sessionId: s, customerId: a })).toMatchObject({ status: 'applied' });
    expect((await booking(absent)).status).toBe('checked_in');
    expect(await recon(absent, 'over_capacity')).toEqual([]);
  });

  it('pass.sell for cash records the payment and the drawer sale; a price difference is flagged', async () => {
    const w = world();
    const t = await newTablet();
    const [drawer] = await w.q<{ id: string }>(
      `insert into public.drawer_sessions (id, location_id, device_id, opened_by_staff_id, opening_float_cents)
       values (gen_random_uuid(), $1, $2, $3, 5000) returning id`, [studio(), t.deviceId, w.staff.front_desk]);
    const [plan] = await w.q<{ id: string; price_cents: number; credits: number }>(
      `select id, price_cents, credits from public.plans where organization_id = $1 and kind = 'pack' order by credits limit 1`, [w.seed.organizationId]);
    const c = await newCustomer('Buyer');
    const [passId, paymentId] = [id(), id()];
    const r = await w.run(t, 'pass.sell', { passId, customerId: c, planId: plan.id, payment: { method: 'cash', paymentId, amountCents: plan.price_cents } });
    expect(r.status).toBe('applied');

    const [pass] = await w.q<{ kind: string; credits_total: number; days: number; sold_at_location_id: string }>(
      `select kind, credits_total, extract(day from expires_at - starts_at)::int as days, sold_at_location_id
       from public.customer_passes where id = $1 and customer_id = $2`, [passId, c]);
    expect(pass).toEqual({ kind: 'pack', credits_total: plan.credits, days: 90, sold_at_location_id: studio() });
    expect(await balance(passId)).toBe(plan.credits);
    expect(await w.q(`select order_id, method, amount_cents, staff_id, device_id from public.payments where id = $1`, [paymentId]))
      .toEqual([{ order_id: null, method: 'cash', amount_cents: plan.price_cents, staff_id: w.staff.front_desk, device_id: t.deviceId }]);
    const movements = () => w.q<{ kind: string; amount_cents: number }>(
      `select kind, amount_cents from public.drawer_movements where drawer_session_id = $1 order by created_at, amount_cents desc`, [drawer.id]);
    expect(await movements()).toEqual([{ kind: 'sale', amount_cents: plan.price_cents }]);
    expect(await w.q(`select kind from public.reconciliation_items where client_id = $1`, [t.clientId])).toEqual([]);

    // A discount given at the desk: the sale stands as rung up, and a manager sees the difference.
    const discounted = plan.price_cents - 1000;
    const second = id();
    expect(await w.run(t, 'pass.sell', { passId: second, customerId: c, planId: plan.id, payment: { method: 'cash', paymentId: id(), amountCents: discounted } }))
      .toMatchObject({ status: 'applied' });
    const flags = await w.q<{ kind: string; details: Record<string, unknown> }>(`select kind, details from public.reconciliation_items where client_id = $1`, [t.clientId]);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ kind: 'price_difference', details: { passId: second, paidCents: discounted, priceCents: plan.price_cents } });
    expect((await movements()).map((m) => m.amount_cents).sort((x, y) => y - x)).toEqual([plan.price_cents, discounted]);
  });

  it('pass.sell to pay later flags the unpaid sale; cash with no open drawer moves no drawer; an inactive plan is refused', async () => {
    const w = world();
    const t = await newTablet();
    const [unlimited] = await w.q<{ id: string; price_cents: number }>(
      `select id, price_cents from public.plans where organization_id = $1 and kind = 'unlimited' limit 1`, [w.seed.organizationId]);
    const c = await newCustomer('Pays Later');
    const passId = id();
    expect(await w.run(t, 'pass.sell', { passId, customerId: c, planId: unlimited.id, payment: { method: 'pay_later' } })).toMatchObject({ status: 'applied' });
    expect(await w.q(`select kind, credits_total from public.customer_passes where id = $1`, [passId])).toEqual([{ kind: 'unlimited', credits_total: null }]);
    expect(await w.q(`select 1 from public.credit_ledger where pass_id = $1`, [passId])).toEqual([]);
    expect(await w.q(`select 1 from public.payments where device_id = $1`, [t.deviceId])).toEqual([]);
    const items = await w.q<{ kind: string; summary: string; details: Record<string, unknown> }>(
      `select kind, summary, details from public.reconciliation_items where client_id = $1`, [t.clientId]);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'unpaid_order', details: { passId, planId: unlimited.id, priceCents: unlimited.price_cents } });
    expect(items[0].summary).toContain('paid later');

    const movementsBefore = await w.q(`select count(*)::int as n from public.drawer_movements`);
    const paymentId = id();
    expect(await w.run(t, 'pass.sell', { passId: id(), customerId: c, planId: unlimited.id, payment: { method: 'cash', paymentId, amountCents: unlimited.price_cents } }))
      .toMatchObject({ status: 'applied' });
    expect(await w.q(`select amount_cents from public.payments where id = $1`, [paymentId])).toEqual([{ amount_cents: unlimited.price_cents }]);
    expect(await w.q(`select count(*)::int as n from public.drawer_movements`)).toEqual(movementsBefore);

    const [retired] = await w.q<{ id: string }>(
      `insert into public.plans (organization_id, name, kind, credits, price_cents, active) values ($1, 'Retired pack', 'pack', 3, 5000, false) returning id`,
      [w.seed.organizationId]);
    const refusedPass = id();
    expect(await w.run(t, 'pass.sell', { passId: refusedPass, customerId: c, planId: retired.id, payment: { method: 'pay_later' } }))
      .toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
    expect(await w.q(`select 1 from public.customer_passes where id = $1`, [refusedPass])).toEqual([]);
  });
});
