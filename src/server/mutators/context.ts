// What a server mutator gets: the transaction (already running as the device, with the
// acting staff member in the claims, so RLS applies), who and where, and flag() to record
// an outcome that needs a human (DESIGN §6 per-domain rules, §9). A mutator refuses by
// throwing AppError; the push loop then rolls its effects back and records the rejection.
import { AppError, ERROR_STATUS, type ErrorCode } from '../../shared/errors.ts';
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

/**
 * Some mutators are one PL/pgSQL function each (supabase/migrations/*_900_push_fast_path.sql),
 * `security invoker`, so RLS still decides. They refuse with SQLSTATE P0001, the error
 * code in DETAIL and the hint 'tandem-refusal'; this turns such a refusal back into the
 * AppError the TypeScript code would have thrown. Anything else is returned unchanged.
 */
export function refusalToAppError(err: { code?: unknown; state?: unknown; message?: unknown; detail?: unknown; hint?: unknown }): AppError | null {
  const state = err.code ?? err.state;
  if (state !== 'P0001' || err.hint !== 'tandem-refusal') return null;
  const code = String(err.detail);
  if (!(code in ERROR_STATUS)) return null;
  return new AppError(code as ErrorCode, String(err.message));
}

/** The push context a SQL mutator reads (see app.apply_mutations). */
export function sqlContext(ctx: MutationContext) {
  return {
    deviceId: ctx.deviceId,
    deviceCode: ctx.deviceCode,
    locationId: ctx.locationId,
    organizationId: ctx.organizationId,
    clientId: ctx.clientId,
    staffId: ctx.staffId,
    mutationId: ctx.mutationId,
    clientTime: ctx.clientTime,
  };
}

/** Runs one SQL mutator function on its own (outside a push run): one round trip. */
export async function runSqlMutator(ctx: MutationContext, fn: string, args: unknown): Promise<void> {
  try {
    await ctx.tx.query(`select app.${fn}($1::jsonb, $2::jsonb)`, [JSON.stringify(sqlContext(ctx)), JSON.stringify(args)]);
  } catch (err) {
    throw refusalToAppError(err as never) ?? err;
  }
}
