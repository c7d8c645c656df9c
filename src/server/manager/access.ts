// Who may use the console: a signed-in owner or manager, for the locations they manage
// (app.user_location_ids, the same function RLS uses). Anyone else is refused before
// any query touches their data; RLS still applies to every query after this.
import { AppError } from '../../shared/errors.ts';
import type { Tx } from '../db/index.ts';

export interface ManagedLocation {
  id: string;
  name: string;
  organizationId: string;
  timezone: string;
  currency: string;
}

export async function managedLocations(tx: Tx): Promise<ManagedLocation[]> {
  const { rows } = await tx.query<ManagedLocation>(
    `select id, name, organization_id as "organizationId", timezone, currency
     from public.locations where id in (select app.user_location_ids()) and not deleted order by name`,
  );
  if (!rows.length) throw new AppError('FORBIDDEN', 'The manager’s console is for owners and managers. Sign in with a manager’s account.');
  return rows;
}

/** The location asked for, if this user manages it (a refusal does not say whether it exists). */
export async function managedLocation(tx: Tx, locationId: string): Promise<ManagedLocation> {
  const l = (await managedLocations(tx)).find((x) => x.id === locationId);
  if (!l) throw new AppError('FORBIDDEN', 'You do not manage that location.');
  return l;
}

/** The signed-in user's staff record in an organization (for "who did it" columns). */
export async function userStaffId(tx: Tx, organizationId: string): Promise<string | null> {
  const { rows } = await tx.query<{ id: string }>(
    `select id from public.staff where auth_user_id = auth.uid() and organization_id = $1 and active and not deleted limit 1`,
    [organizationId],
  );
  return rows[0]?.id ?? null;
}

export async function audit(tx: Tx, l: ManagedLocation, action: string, details: Record<string, unknown>): Promise<void> {
  await tx.query(
    `insert into public.audit_log (organization_id, location_id, actor_user_id, actor_staff_id, action, details)
     values ($1, $2, auth.uid(), $3, $4, $5)`,
    [l.organizationId, l.id, await userStaffId(tx, l.organizationId), action, JSON.stringify(details)],
  );
}
