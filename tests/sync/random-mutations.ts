// Random but plausible mutations for the fault-injection suite, drawn from what a tablet
// holds locally (its products, its open drawer, today's classes …), with a share of
// mutations the server must refuse (a barista's stock count, an unknown product, a
// booking for a class that does not exist) so rejections are exercised too.
import { orderNumber } from '../../src/shared/domain/money.ts';
import { readAll, type LocalDb } from '../../src/client/db/local-db.ts';
import { nextOrderSequence } from '../../src/client/sync/outbox.ts';

type Rnd = () => number;
const pick = <T,>(r: Rnd, xs: T[]): T | undefined => (xs.length ? xs[Math.floor(r() * xs.length)] : undefined);
const uuid = () => crypto.randomUUID();

export interface Pick {
  name: string;
  args: unknown;
  staffId: string;
}

export async function cafeMutation(r: Rnd, db: LocalDb, code: string, staff: { barista: string; manager: string }): Promise<Pick> {
  const products = await readAll(db, 'products');
  const mods = await readAll(db, 'modifiers');
  const items = await readAll(db, 'inventory_items');
  const customers = await readAll(db, 'customers');
  const orders = (await readAll(db, 'orders')).filter((o) => o.number.startsWith(code + '-'));
  const drawers = (await readAll(db, 'drawer_sessions')).filter((d) => d.status === 'open');
  const x = r();
  const by = r() < 0.85 ? staff.barista : staff.manager;
  if (x < 0.3 || !orders.length) {
    const n = 1 + Math.floor(r() * 3);
    const lines = [];
    for (let i = 0; i < n; i++) {
      const p = pick(r, products)!;
      const m = r() < 0.5 ? [pick(r, mods)!.id] : [];
      const delta = m.length ? mods.find((mm) => mm.id === m[0])!.price_delta_cents : 0;
      // now and then a stale price, or an unknown product (refused)
      const productId = r() < 0.02 ? uuid() : p.id;
      lines.push({ id: uuid(), productId, quantity: 1 + Math.floor(r() * 2), unitPriceCents: p.price_cents + delta + (r() < 0.05 ? 25 : 0), modifierIds: m });
    }
    const cust = r() < 0.3 ? pick(r, customers)?.id : undefined;
    return { name: 'order.create', args: { orderId: uuid(), number: orderNumber(code, await nextOrderSequence(db)), items: lines, ...(cust ? { customerId: cust } : {}) }, staffId: by };
  }
  const o = pick(r, orders)!;
  if (x < 0.45) return { name: 'order.payCash', args: { orderId: o.id, paymentId: uuid(), amountCents: Math.max(1, o.total_cents), tenderedCents: Math.max(1, o.total_cents) + 500 }, staffId: by };
  if (x < 0.55) return { name: 'order.setStatus', args: { orderId: o.id, status: pick(r, ['in_progress', 'ready', 'completed', 'received'] as const)! }, staffId: by };
  if (x < 0.58) return { name: 'order.markPayLater', args: { orderId: o.id }, staffId: by };
  if (x < 0.61) return { name: 'order.void', args: { orderId: o.id, reason: 'customer changed their mind' }, staffId: by };
  if (x < 0.66) return { name: 'product.setSoldOut', args: { productId: pick(r, products)!.id, soldOut: r() < 0.5 }, staffId: by };
  if (x < 0.74) {
    const reason = pick(r, ['waste', 'receive', 'correction'] as const)!;
    const size = 1 + Math.floor(r() * 500);
    return { name: 'stock.adjust', args: { movementId: uuid(), itemId: pick(r, items)!.id, delta: reason === 'waste' ? -size : reason === 'receive' ? size : (r() < 0.5 ? -size : size), reason }, staffId: by };
  }
  if (x < 0.77) return { name: 'stock.count', args: { movementId: uuid(), itemId: pick(r, items)!.id, countedQuantity: Math.floor(r() * 5000) }, staffId: by };
  if (x < 0.82) {
    if (!drawers.length || r() < 0.2) return { name: 'drawer.open', args: { drawerSessionId: uuid(), openingFloatCents: 10000 }, staffId: by };
    if (r() < 0.6) return { name: 'drawer.payInOut', args: { movementId: uuid(), drawerSessionId: drawers[0].id, kind: r() < 0.5 ? 'pay_in' : 'pay_out', amountCents: 100 + Math.floor(r() * 2000), note: 'change run' }, staffId: by };
    return { name: 'drawer.close', args: { drawerSessionId: drawers[0].id, countedCents: 10000 + Math.floor(r() * 3000) }, staffId: by };
  }
  if (x < 0.88) return { name: 'customer.create', args: { customerId: uuid(), name: `Walk-in ${Math.floor(r() * 1e6)}`, ...(r() < 0.5 ? { phone: '555-0199' } : {}) }, staffId: by };
  if (x < 0.92 && customers.length) return { name: 'customer.update', args: { customerId: pick(r, customers)!.id, notes: `note ${Math.floor(r() * 100)}` }, staffId: by };
  return { name: 'loyalty.redeem', args: { entryId: uuid(), customerId: pick(r, customers)!.id, points: 1 + Math.floor(r() * 50) }, staffId: by };
}

export async function studioMutation(r: Rnd, db: LocalDb, staff: { front_desk: string; manager: string }): Promise<Pick> {
  const sessions = (await readAll(db, 'class_sessions')).filter((s) => !s.cancelled);
  const bookings = await readAll(db, 'bookings');
  const customers = await readAll(db, 'customers');
  const plans = await readAll(db, 'plans');
  const passes = await readAll(db, 'customer_passes');
  const by = r() < 0.9 ? staff.front_desk : staff.manager;
  const x = r();
  const s = pick(r, sessions)!;
  if (x < 0.3) return { name: 'booking.create', args: { bookingId: uuid(), sessionId: r() < 0.02 ? uuid() : s.id, customerId: pick(r, customers)!.id }, staffId: by };
  const live = bookings.filter((b) => b.status === 'booked' || b.status === 'waitlisted');
  if (x < 0.45 && live.length) return { name: 'booking.cancel', args: { bookingId: pick(r, live)!.id }, staffId: by };
  if (x < 0.75) {
    const b = r() < 0.7 ? pick(r, bookings) : undefined;
    const cust = b?.customer_id ?? pick(r, customers)!.id;
    const pass = r() < 0.3 ? passes.find((p) => p.customer_id === cust)?.id : undefined;
    return { name: 'booking.checkIn', args: { bookingId: b?.id ?? uuid(), sessionId: b?.session_id ?? s.id, customerId: cust, ...(pass ? { passId: pass } : {}) }, staffId: by };
  }
  const inRoom = bookings.filter((b) => b.status === 'checked_in');
  if (x < 0.78 && inRoom.length) return { name: 'booking.undoCheckIn', args: { bookingId: pick(r, inRoom)!.id }, staffId: by };
  if (x < 0.82 && live.length) return { name: 'booking.markNoShow', args: { bookingId: pick(r, live)!.id }, staffId: by };
  const plan = pick(r, plans)!;
  return {
    name: 'pass.sell',
    args: { passId: uuid(), customerId: pick(r, customers)!.id, planId: plan.id, payment: r() < 0.7 ? { method: 'cash', paymentId: uuid(), amountCents: plan.price_cents } : { method: 'pay_later' } },
    staffId: by,
  };
}
