// What a server mutator gets: the transaction (already running as the device, with the
// acting staff member in the claims, so RLS applies), who and where, and flag() to record
// an outcome that needs a human (DESIGN §6 per-domain rules, §9). A mutator refuses by
// throwing AppError; the push loop then rolls its effects back and records the rejection.
import type { Tx } from '../db/index.ts';

export const RECON_KINDS = [
  'rejected_mutation',
  'negative_stock',
  'over_capacity',
  'pass_overdraft',
  'loyalty_overdraft',
  'unpaid_order',
  'orphan_card_payment',
  'failed_card_payment',
  'price_difference',
  'drawer_variance',
  'refund_failed',
] as const;
export type ReconKind = (typeof RECON_KINDS)[number];

export interface MutationContext {
  tx: Tx;
  deviceId: string;
  deviceCode: string;
  locationId: string;
  organizationId: string;
  staffId: string;
  staffRole: string;
  clientId: string;
  mutationId: number;
  /** The tablet's clock: recorded, never deciding anything (DESIGN §4). */
  clientTime: string;
  /** Records a reconciliation item for this location, tied to this mutation. */
  flag(kind: ReconKind, summary: string, details?: Record<string, unknown>, refs?: { orderId?: string; bookingId?: string }): Promise<void>;
}

export type ServerMutator<A> = (ctx: MutationContext, args: A) => Promise<void>;
