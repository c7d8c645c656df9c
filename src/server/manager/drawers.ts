// Cash drawers in the console (issue #7): the sessions of a location with expected and
// counted cash and the variance, and closing one from the console with a count. Closing
// runs the tablets' own server mutator (drawer.close), so the rule (the variance is
// recorded as counted and flagged, never corrected) is the same wherever it happens.
import { AppError } from '../../shared/errors.ts';
import type { Tx } from '../db/index.ts';
import { serverMutators } from '../mutators/index.ts';
import { audit, managedLocation, managedLocations, userStaffId } from './access.ts';
import { consoleContext, enterStaffClaim } from './console-context.ts';

export async function listDrawers(tx: Tx, locationId?: string) {
  const locs = locationId ? [await managedLocation(tx, locationId)] : await managedLocations(tx);
  const { rows } = await tx.query(
    `select s.id, s.location_id as "locationId", l.name as "locationName", d.name as device, s.status,
            s.opened_at as "openedAt", s.closed_at as "closedAt", s.opening_float_cents as "floatCents",
            coalesce(s.expected_cents, (select sum(m.amount_cents) from public.drawer_movements m where m.drawer_session_id = s.id and not m.deleted))::int as "expectedCents",
            s.counted_cents as "countedCents", s.variance_cents as "varianceCents", l.currency
     from public.drawer_sessions s join public.locations l on l.id = s.location_id left join public.devices d on d.id = s.device_id
     where s.location_id = any($1::uuid[]) and not s.deleted and (s.status = 'open' or s.closed_at > now() - interval '7 days')
     order by (s.status = 'open') desc, s.opened_at desc`,
    [locs.map((l) => l.id)],
  );
  return rows;
}

export async function closeDrawer(tx: Tx, drawerSessionId: string, countedCents: number, note?: string) {
  const { rows: [s] } = await tx.query<{ location_id: string; device_id: string | null; status: string }>(
    `select location_id, device_id, status from public.drawer_sessions where id = $1 and not deleted`,
    [drawerSessionId],
  );
  if (!s) throw new AppError('NOT_FOUND', 'That drawer is not one of yours. Refresh the list.');
  const loc = await managedLocation(tx, s.location_id);
  if (s.status !== 'open') throw new AppError('CONFLICT', 'That drawer is already closed.');
  const staffId = await userStaffId(tx, loc.organizationId);
  if (!staffId) throw new AppError('FORBIDDEN', 'Your account has no staff record in this business; ask the owner to add you.');
  await enterStaffClaim(tx, staffId);
  await serverMutators['drawer.close'](consoleContext(tx, loc, s.device_id, staffId), { drawerSessionId, countedCents });
  const { rows: [after] } = await tx.query<{ expected: number; counted: number; variance: number }>(
    `select expected_cents as expected, counted_cents as counted, variance_cents as variance from public.drawer_sessions where id = $1`,
    [drawerSessionId],
  );
  await audit(tx, loc, 'drawer.close', { drawerSessionId, ...after, ...(note ? { note } : {}) });
  return { id: drawerSessionId, status: 'closed', expectedCents: after.expected, countedCents: after.counted, varianceCents: after.variance };
}
