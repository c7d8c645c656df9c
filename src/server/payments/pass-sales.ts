// A pass sold by card at the front desk (issue #5; DESIGN §8 for cards). The desk names
// the pass it is selling (a new id, the plan, the member); the server prices it from the
// plan, never from the desk. The pass is made when the card payment is recorded, by the
// one path every outcome goes through (the desk's confirm, Stripe's webhook, a later
// attempt that finds an earlier one went through): the pass, its credits and the card
// payment in one transaction, once per PaymentIntent. A declined or abandoned card sells
// nothing, so there is no half-sold pass to clean up.
import { z } from 'zod';
import { formatCents } from '../../shared/domain/money.ts';
import type { intentResponseSchema, passIntentSchema } from '../../shared/domain/payments.ts';
import { AppError } from '../../shared/errors.ts';
import { asService, withClaims, type Tx } from '../db/index.ts';
import { insertPass } from '../mutators/passes.ts';
import type { DeviceIdentity } from '../sync/push.ts';
import { getGateway } from './config.ts';
import type { GatewayIntent } from './gateway.ts';
import { ask, checkStaff, deviceClaims, settleOtherAttempts, toResponse } from './intents.ts';
import { flagOnce, intentRow, setIntentStatus, type IntentHome, type IntentRow, type Recorded } from './record.ts';

type PassIntentInput = z.output<typeof passIntentSchema>;

interface Sale {
  planName: string;
  priceCents: number;
  currency: string;
  customerName: string;
  sold: boolean;
}

/** The plan and member as this desk may see them (RLS decides), and whether the pass exists already. */
async function readSale(device: DeviceIdentity, p: PassIntentInput['pass']): Promise<Sale> {
  return withClaims(deviceClaims(device), async (tx) => {
    const { rows: [plan] } = await tx.query<{ name: string; price_cents: number; active: boolean }>(
      `select name, price_cents, active from public.plans where id = $1 and organization_id = $2 and not deleted`,
      [p.planId, device.organizationId],
    );
    if (!plan) throw new AppError('NOT_FOUND', 'That plan was not found. Refresh the plan list and try again.');
    if (!plan.active) throw new AppError('VALIDATION_FAILED', `The ${plan.name} plan is no longer sold; choose another plan.`);
    if (plan.price_cents <= 0) throw new AppError('VALIDATION_FAILED', `The ${plan.name} plan is free: sell it with cash at no charge.`);
    const { rows: [customer] } = await tx.query<{ name: string }>(
      `select name from public.customers where id = $1 and organization_id = $2 and not deleted`,
      [p.customerId, device.organizationId],
    );
    if (!customer) {
      throw new AppError('NOT_FOUND', 'This member is not on the server yet. Let the desk sync (it sends new members first), then take the card.', { reason: 'customer_not_synced' });
    }
    const { rows: [loc] } = await tx.query<{ currency: string }>(`select currency from public.locations where id = $1`, [device.locationId]);
    const { rows: sold } = await tx.query(`select 1 from public.customer_passes where id = $1`, [p.passId]);
    return { planName: plan.name, priceCents: plan.price_cents, currency: loc.currency, customerName: customer.name, sold: !!sold[0] };
  });
}

export async function createPassIntent(device: DeviceIdentity, input: PassIntentInput): Promise<z.output<typeof intentResponseSchema>> {
  const gw = getGateway();
  await checkStaff(device, input.staffId);
  const p = input.pass;

  // 1. The same attempt again (a retry, a lost response): the first intent, as it is now.
  const existing = await asService((tx) =>
    tx.query<IntentRow>(`select * from app.card_intents where pass_id = $1 and attempt = $2`, [p.passId, input.attempt]),
  );
  if (existing.rows[0]) {
    const row = existing.rows[0];
    if (row.location_id !== device.locationId || row.plan_id !== p.planId || row.customer_id !== p.customerId) {
      throw new AppError('CONFLICT', 'That pass id was already used for another sale. Start the sale again.');
    }
    const pi = await ask(() => gw.retrieveIntent(row.id));
    return toResponse(row, pi);
  }

  // 2. The price is the plan's; a pass already sold is not sold again.
  let sale = await readSale(device, p);
  if (sale.sold) throw new AppError('CONFLICT', 'This pass was already sold; nothing is owed.', { balanceCents: 0 });
  await settleOtherAttempts(gw, { pass_id: p.passId }, input.attempt, `the ${sale.planName} pass`);
  sale = await readSale(device, p);
  if (sale.sold) throw new AppError('CONFLICT', 'This pass was already sold by an earlier card attempt; nothing is owed.', { balanceCents: 0 });

  // 3. One intent per pass sale and attempt: the idempotency key makes a retry return the first.
  const currency = sale.currency.toLowerCase();
  const pi = await ask(
    () =>
      gw.createIntent({
        amountCents: sale.priceCents,
        currency,
        idempotencyKey: `tandem-pass-${p.passId}-attempt-${input.attempt}`,
        description: `${sale.planName} pass for ${sale.customerName}`.slice(0, 200),
        metadata: {
          pass_id: p.passId,
          plan_id: p.planId,
          customer_id: p.customerId,
          location_id: device.locationId,
          device_id: device.deviceId,
          attempt: String(input.attempt),
          base_amount_cents: String(sale.priceCents),
        },
      }),
    (e) => {
      throw new AppError('CONFLICT', `This card attempt cannot be repeated (${e.message}). Start a new attempt.`, { gatewayCode: e.code });
    },
  );
  const row = await asService(async (tx: Tx) => {
    await tx.query(
      `insert into app.card_intents (id, pass_id, plan_id, customer_id, location_id, device_id, staff_id, attempt, amount_cents, currency, status, demo)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) on conflict do nothing`,
      [pi.id, p.passId, p.planId, p.customerId, device.locationId, device.deviceId, input.staffId ?? null, input.attempt, sale.priceCents, currency, pi.status, gw.demo],
    );
    return intentRow(tx, pi.id);
  });
  if (!row) throw new AppError('CONFLICT', 'Another card payment for this sale was started at the same time. Try again.');
  return toResponse(row, pi);
}

/**
 * A PaymentIntent for a pass that succeeded: the pass, its credits and the card payment,
 * in the caller's (trusted) transaction, once. A second card that went through for a pass
 * already paid is recorded too, and flagged for a refund (the inbox offers one).
 */
export async function recordPassSale(
  tx: Tx,
  pi: GatewayIntent,
  where: IntentHome & { pass: NonNullable<IntentHome['pass']>; locationId: string },
): Promise<Recorded | null> {
  const { passId, planId, customerId } = where.pass;
  // one sale at a time per pass: a confirm and a webhook arriving together make one pass
  await tx.query(`select pg_advisory_xact_lock(hashtext('pass-sale:' || $1))`, [passId]);
  const { rows: done } = await tx.query<{ id: string; amount_cents: number; tip_cents: number }>(
    `select id, amount_cents, tip_cents from public.payments where stripe_payment_intent_id = $1`,
    [pi.id],
  );
  if (done[0]) {
    if (where.row) await setIntentStatus(tx, pi.id, 'succeeded');
    return { paymentId: done[0].id, amountCents: done[0].amount_cents, tipCents: done[0].tip_cents, balanceCents: 0, created: false };
  }
  const { rows: [loc] } = await tx.query<{ organization_id: string; currency: string }>(`select organization_id, currency from public.locations where id = $1`, [where.locationId]);
  const { rows: [plan] } = await tx.query<{ name: string; kind: string; credits: number | null; duration_days: number | null }>(
    `select name, kind, credits, duration_days from public.plans where id = $1 and organization_id = $2`,
    [planId, loc.organization_id],
  );
  const { rows: [customer] } = await tx.query(`select 1 from public.customers where id = $1 and organization_id = $2`, [customerId, loc.organization_id]);
  const money = formatCents(pi.amountReceivedCents, loc.currency);
  if (!plan || !customer) {
    await flagOnce(tx, where.locationId, 'orphan_card_payment', pi.id,
      `A card payment of ${money} for a pass went through in Stripe (${pi.id}) but its plan or member is not on the server. Refund the card.`,
      { amountReceivedCents: pi.amountReceivedCents, currency: pi.currency, metadata: pi.metadata }, { deviceId: null });
    return null;
  }
  const { rows: sold } = await tx.query(`select 1 from public.customer_passes where id = $1`, [passId]);
  if (!sold[0]) await insertPass(tx, { passId, organizationId: loc.organization_id, customerId, locationId: where.locationId, plan: { id: planId, ...plan } });

  const base = where.row?.amount_cents ?? (Number.parseInt(pi.metadata.base_amount_cents ?? '', 10) || pi.amountCents);
  const amount = Math.min(base, pi.amountReceivedCents);
  const tip = pi.amountReceivedCents - amount;
  const deviceId = where.row?.device_id ?? (/^[0-9a-f-]{36}$/i.test(pi.metadata.device_id ?? '') ? pi.metadata.device_id : null);
  const { rows: [p] } = await tx.query<{ id: string }>(
    `insert into public.payments (id, location_id, order_id, pass_id, method, amount_cents, tip_cents, status, stripe_payment_intent_id, device_id, staff_id)
     select gen_random_uuid(), $1, null, $2, 'card', $3, $4, 'succeeded', $5, d.id, $7
     from (select $6::uuid as want) w left join public.devices d on d.id = w.want
     returning id`,
    [where.locationId, passId, amount, tip, pi.id, deviceId, where.row?.staff_id ?? null],
  );
  if (sold[0]) {
    // the pass was paid already (another card attempt went through first): this money is extra
    await flagOnce(tx, where.locationId, 'orphan_card_payment', pi.id,
      `The ${plan.name} pass was paid twice by card; ${money} (${pi.id}) is extra. Refund it to the customer.`,
      { passId, amountCents: amount, owedCents: 0, paymentId: p.id }, { deviceId });
  }
  if (where.row) await setIntentStatus(tx, pi.id, 'succeeded');
  return { paymentId: p.id, amountCents: amount, tipCents: tip, balanceCents: 0, created: true };
}
