// A pass sold by card at the front desk (issue #5; DESIGN §8 for cards). The desk names
// the pass it is selling (a new id, the plan, the member); the server prices it from the
// plan, never from the desk. The pass is made when the card payment is recorded
// (record.ts, recordPassSale), by the one path every outcome goes through: the desk's
// confirm, Stripe's webhook, a later attempt that finds an earlier one went through. A
// declined or abandoned card sells nothing, so there is no half-sold pass to clean up.
import { z } from 'zod';
import type { intentResponseSchema, passIntentSchema } from '../../shared/domain/payments.ts';
import { AppError } from '../../shared/errors.ts';
import { asService, withClaims, type Tx } from '../db/index.ts';
import type { DeviceIdentity } from '../sync/push.ts';
import { getGateway } from './config.ts';
import { ask, checkStaff, deviceClaims, settleOtherAttempts, toResponse } from './intents.ts';
import { intentRow, type IntentRow } from './record.ts';

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
