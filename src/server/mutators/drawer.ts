// The cash drawer, applied authoritatively (DESIGN §4, §6): one open drawer session per
// tablet, opened with a float, cash paid in or out, closed with a count. The cash in a
// drawer is a ledger (drawer_movements: the float, each cash sale from orders.ts, pay-ins
// and pay-outs); what the drawer should hold is their sum, and a count that differs is
// recorded as it was counted and flagged for a manager, never corrected silently.
//
// Closing locks the session (FOR UPDATE) and writers into it lock it FOR SHARE, so a
// cash sale arriving while the drawer is being closed either lands in the expected
// total or finds the drawer closed; it never goes into a drawer after its count.
import { formatCents } from '../../shared/domain/money.ts';
import { AppError } from '../../shared/errors.ts';
import type { ArgsOf } from '../../shared/mutators/define.ts';
import type { drawerClose, drawerOpen, drawerPayInOut } from '../../shared/mutators/drawer.ts';
import type { MutationContext, ServerMutator } from './context.ts';

interface Session {
  id: string;
  status: 'open' | 'closed';
  device_name: string | null;
  currency: string;
}

async function lockSession(ctx: MutationContext, sessionId: string, mode: 'update' | 'share'): Promise<Session> {
  const { rows } = await ctx.tx.query<Session>(
    `select s.id, s.status, d.name as device_name, l.currency
     from public.drawer_sessions s
     join public.locations l on l.id = s.location_id
     left join public.devices d on d.id = s.device_id
     where s.id = $1 and s.location_id = $2 and not s.deleted
     for ${mode === 'update' ? 'update' : 'share'} of s`,
    [sessionId, ctx.locationId],
  );
  if (!rows[0]) throw new AppError('NOT_FOUND', 'That cash drawer session was not found at this location. Refresh and try again.');
  return rows[0];
}

async function open(ctx: MutationContext, a: ArgsOf<typeof drawerOpen>) {
  const { rows: [already] } = await ctx.tx.query<{ id: string; opened_by: string | null }>(
    `select s.id, st.name as opened_by from public.drawer_sessions s
     left join public.staff st on st.id = s.opened_by_staff_id
     where s.device_id = $1 and s.status = 'open' and not s.deleted`,
    [ctx.deviceId],
  );
  if (already) {
    const by = already.opened_by ? `, opened by ${already.opened_by}` : '';
    throw new AppError('CONFLICT', `This tablet already has an open cash drawer${by}. Count and close it before opening a new one.`);
  }
  // A second open racing this one is stopped by the one-open-drawer-per-device index (CONFLICT).
  await ctx.tx.query(
    `insert into public.drawer_sessions (id, location_id, device_id, opened_by_staff_id, opening_float_cents, status)
     values ($1, $2, $3, $4, $5, 'open')`,
    [a.drawerSessionId, ctx.locationId, ctx.deviceId, ctx.staffId, a.openingFloatCents],
  );
  await ctx.tx.query(
    `insert into public.drawer_movements (id, location_id, drawer_session_id, kind, amount_cents, staff_id)
     values (gen_random_uuid(), $1, $2, 'float', $3, $4)`,
    [ctx.locationId, a.drawerSessionId, a.openingFloatCents, ctx.staffId],
  );
}

/** Into any open drawer at this location (a manager may pay out from another tablet's drawer). */
async function payInOut(ctx: MutationContext, a: ArgsOf<typeof drawerPayInOut>) {
  const s = await lockSession(ctx, a.drawerSessionId, 'share');
  if (s.status !== 'open') {
    throw new AppError('CONFLICT', 'That cash drawer was already closed and counted. Record the cash in the drawer that is open now.');
  }
  await ctx.tx.query(
    `insert into public.drawer_movements (id, location_id, drawer_session_id, kind, amount_cents, note, staff_id)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [a.movementId, ctx.locationId, s.id, a.kind, a.kind === 'pay_in' ? a.amountCents : -a.amountCents, a.note, ctx.staffId],
  );
}

/** Closing a closed drawer again (a retry, a second tablet) changes nothing. */
async function close(ctx: MutationContext, a: ArgsOf<typeof drawerClose>) {
  const s = await lockSession(ctx, a.drawerSessionId, 'update');
  if (s.status !== 'open') return;
  const { rows: [sum] } = await ctx.tx.query<{ expected: number }>(
    `select coalesce(sum(amount_cents), 0)::int as expected from public.drawer_movements
     where drawer_session_id = $1 and not deleted`,
    [s.id],
  );
  const expected = sum.expected;
  const variance = a.countedCents - expected;
  await ctx.tx.query(
    `update public.drawer_sessions
     set status = 'closed', closed_at = now(), closed_by_staff_id = $2, counted_cents = $3, expected_cents = $4, variance_cents = $5
     where id = $1`,
    [s.id, ctx.staffId, a.countedCents, expected, variance],
  );
  if (variance !== 0) {
    const money = (c: number) => formatCents(c, s.currency);
    await ctx.flag(
      'drawer_variance',
      `The cash drawer${s.device_name ? ` on ${s.device_name}` : ''} was ${money(Math.abs(variance))} ${variance < 0 ? 'short' : 'over'} at close: counted ${money(a.countedCents)}, expected ${money(expected)}.`,
      { drawerSessionId: s.id, expectedCents: expected, countedCents: a.countedCents, varianceCents: variance },
    );
  }
}

export const mutators: Record<string, ServerMutator<any>> = {
  'drawer.open': open,
  'drawer.payInOut': payInOut,
  'drawer.close': close,
};
