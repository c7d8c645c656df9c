// Running the tablets' server mutators from the console (issue #7: "edits go through the
// same server mutators and RLS as the tablets"): the signed-in manager acts at a location
// they manage, with their staff record as the actor. Outcomes that need a human are
// flagged like a tablet's, marked as coming from the console.
import { mutatorDefs, roleAllowed } from '../../shared/mutators/index.ts';
import { AppError, parseOrThrow } from '../../shared/errors.ts';
import type { Tx } from '../db/index.ts';
import { serverMutators } from '../mutators/index.ts';
import type { MutationContext, ReconKind } from '../mutators/context.ts';
import { audit, managedLocation, userStaffId } from './access.ts';

export function consoleContext(tx: Tx, loc: { id: string; organizationId: string }, deviceId: string | null, staffId: string): MutationContext {
  return {
    tx,
    deviceId: deviceId ?? '',
    deviceCode: '',
    locationId: loc.id,
    organizationId: loc.organizationId,
    staffId,
    staffRole: 'manager',
    clientId: '',
    mutationId: 0,
    clientTime: new Date().toISOString(),
    flag: async (kind: ReconKind, summary: string, details = {}, refs = {}) => {
      await tx.query(
        `insert into public.reconciliation_items (location_id, kind, summary, details, device_id, staff_id, order_id, booking_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [loc.id, kind, summary.slice(0, 500), JSON.stringify({ ...details, byConsole: true }), deviceId, staffId, refs.orderId ?? null, refs.bookingId ?? null],
      );
    },
  };
}

/** Adds the acting staff member to the transaction's claims, as a push does. */
export async function enterStaffClaim(tx: Tx, staffId: string): Promise<void> {
  await tx.query(
    `select set_config('request.jwt.claims', (coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb || jsonb_build_object('staff_id', $1::text))::text, true)`,
    [staffId],
  );
}

/**
 * Runs mutations a manager may run at one location, all or nothing, each audited. Only
 * manager-only mutations and the stock ones are offered here: the counter's own work
 * (sales, check-ins) belongs on a tablet.
 */
export const CONSOLE_MUTATIONS = new Set([
  'category.save', 'product.save', 'inventoryItem.save', 'modifierGroup.save', 'modifier.save', 'product.setModifierGroups', 'recipe.set', 'product.setSoldOut', 'stock.adjust', 'stock.count',
  'classType.save', 'session.save', 'session.cancel', 'session.substitute', 'staff.save', 'staff.setPin', 'plan.save', 'pass.adjust', 'customer.merge',
]);

export async function runAsManager(tx: Tx, locationId: string, list: { name: string; args: unknown }[]) {
  const loc = await managedLocation(tx, locationId);
  const staffId = await userStaffId(tx, loc.organizationId);
  if (!staffId) throw new AppError('FORBIDDEN', 'Your account has no staff record in this business; ask the owner to add you.');
  await enterStaffClaim(tx, staffId);
  const ctx = consoleContext(tx, loc, null, staffId);
  for (const [i, m] of list.entries()) {
    const def = mutatorDefs.get(m.name);
    if (!def || !CONSOLE_MUTATIONS.has(m.name) || !roleAllowed(def, 'manager')) {
      throw new AppError('VALIDATION_FAILED', `“${m.name}” cannot be run from the console.`);
    }
    const args = parseOrThrow(def.args, m.args, `Change ${i + 1} (${m.name})`);
    await serverMutators[m.name](ctx, args);
    await audit(tx, loc, m.name, { args });
  }
  return { applied: list.length };
}
