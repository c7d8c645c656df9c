// The manager's console (issue #7): what the reconciliation inbox offers per kind of item,
// and the shapes of the console's requests. Shared by the pages and the server.
import { z } from 'zod';

export const RECON_KIND_LABELS: Record<string, string> = {
  rejected_mutation: 'Refused change',
  negative_stock: 'Stock below zero',
  over_capacity: 'Class over capacity',
  pass_overdraft: 'Pass overdrawn',
  loyalty_overdraft: 'Points overdrawn',
  unpaid_order: 'Unpaid order',
  orphan_card_payment: 'Card payment without an order',
  failed_card_payment: 'Card payment failed',
  price_difference: 'Price differs from menu',
  drawer_variance: 'Cash drawer variance',
  refund_failed: 'Refund failed',
};

export const RESOLVE_ACTIONS = ['accept', 'dismiss', 'move_to_waitlist', 'count', 'collect', 'write_off', 'refund'] as const;
export type ResolveAction = (typeof RESOLVE_ACTIONS)[number];

/** What a manager may do with each kind; "dismiss" (with a note) is always there. */
export const ACTIONS_BY_KIND: Record<string, ResolveAction[]> = {
  over_capacity: ['accept', 'move_to_waitlist', 'dismiss'],
  negative_stock: ['count', 'accept', 'dismiss'],
  unpaid_order: ['collect', 'write_off', 'dismiss'],
  rejected_mutation: ['accept', 'dismiss'],
  pass_overdraft: ['accept', 'dismiss'],
  loyalty_overdraft: ['accept', 'dismiss'],
  price_difference: ['accept', 'dismiss'],
  drawer_variance: ['accept', 'dismiss'],
  orphan_card_payment: ['refund', 'accept', 'dismiss'],
  // the order still owes: the customer paid another way (cash to the manager), or will not
  failed_card_payment: ['collect', 'write_off', 'dismiss'],
  refund_failed: ['accept', 'dismiss'],
};

export const ACTION_LABELS: Record<ResolveAction, string> = {
  accept: 'Accept',
  dismiss: 'Dismiss',
  move_to_waitlist: 'Move to the waitlist',
  count: 'Enter a count',
  collect: 'Collected (cash)',
  write_off: 'Write off',
  refund: 'Refund the card',
};

const note = z.string().trim().max(500);

export const resolveSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('accept'), note: note.optional() }),
  z.strictObject({ action: z.literal('dismiss'), note: note.min(1, 'Say why it is dismissed.') }),
  z.strictObject({ action: z.literal('move_to_waitlist'), note: note.optional() }),
  z.strictObject({ action: z.literal('count'), quantity: z.int().min(-1_000_000_000).max(1_000_000_000), note: note.optional() }),
  z.strictObject({ action: z.literal('collect'), amountCents: z.int().min(1).max(10_000_000), note: note.optional() }),
  z.strictObject({ action: z.literal('write_off'), note: note.min(1, 'Say why it is written off.') }),
  /** the amount is the server's: the whole payment when it has no order, the extra when the order was paid twice */
  z.strictObject({ action: z.literal('refund'), note: note.optional() }),
]);
export type ResolveRequest = z.infer<typeof resolveSchema>;

export const inboxQuerySchema = z.object({
  locationId: z.uuid().optional(),
  kind: z.enum(Object.keys(RECON_KIND_LABELS) as [string, ...string[]]).optional(),
  deviceId: z.uuid().optional(),
  status: z.enum(['open', 'resolved', 'dismissed', 'all']).default('open'),
});

export const dayQuerySchema = z.object({
  locationId: z.uuid(),
  /** the location's calendar day, YYYY-MM-DD; today there when absent */
  day: z.iso.date().optional(),
});

export const drawerCloseSchema = z.strictObject({ countedCents: z.int().min(0).max(10_000_000), note: note.optional() });
export const deviceRenameSchema = z.strictObject({ name: z.string().trim().min(1).max(100) });

/** POST /api/manager/run: mutations a manager runs at one of their locations, all or nothing. */
export const consoleRunSchema = z.strictObject({
  locationId: z.uuid(),
  mutations: z.array(z.strictObject({ name: z.string().min(1).max(100), args: z.unknown() })).min(1).max(200),
});
