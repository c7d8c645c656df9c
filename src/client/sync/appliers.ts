// Optimistic appliers: what each queued mutation does to the tablet's own tables right
// away, so the screen shows the sale or the check-in before the server has it. They
// mirror the server's rules closely enough for the counter (totals by the shared money
// rules, stock by recipes, waitlists, credits); the server stays authoritative, and after
// every pull its rows replace these guesses (DESIGN §6 Confirmation and local state).
import { orderTotals, pointsEarned, rewardDiscountCents } from '../../shared/domain/money.ts';
import { ORDER_STATUS_RANK } from '../../shared/mutators/orders.ts';
import type { SyncedTable } from '../../shared/sync/protocol.ts';
import type { LocalWriter, Row } from './writer.ts';

export interface ApplyContext {
  deviceId: string;
  locationId: string;
  organizationId: string;
  staffId: string;
  clientTime: string;
  /** `<clientId>:<mutationId>`: derived rows get ids from it, so a re-apply reuses them. */
  key: string;
}

type Applier = (w: LocalWriter, a: any, c: ApplyContext) => Promise<void>;

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

async function location(w: LocalWriter, c: ApplyContext) {
  return (await w.get('locations', c.locationId)) ?? ({ id: c.locationId, tax_rate_bps: 0, loyalty_points_per_dollar: 0 } as Row);
}

async function moveStock(w: LocalWriter, c: ApplyContext, itemId: string, delta: number, reason: string, n: number, orderId?: string) {
  if (!delta) return;
  await w.create('stock_movements', { id: `${c.key}:${n}`, location_id: c.locationId, item_id: itemId, delta, reason, order_id: orderId ?? null, created_at: c.clientTime });
  // the level is read, changed and written without the tap waiting for it
  w.modify('stock_levels', itemId, (level) => ({ ...level, id: itemId, location_id: c.locationId, quantity: num(level?.quantity) + delta, version: level?.version ?? 0 }));
}

async function openDrawer(w: LocalWriter, c: ApplyContext) {
  return (await w.where('drawer_sessions', 'device_id', c.deviceId)).find((d) => d.status === 'open');
}

async function balance(w: LocalWriter, table: 'loyalty_ledger' | 'credit_ledger', index: string, id: string, field: string) {
  return (await w.where(table, index, id)).reduce((s, r) => s + num(r[field]), 0);
}

/** The pass a check-in spends, as the server chooses it (src/server/mutators/passes.ts). */
async function choosePass(w: LocalWriter, customerId: string, sessionId: string, passId?: string) {
  // the student's credits come with their passes, in the same round trip
  const [s, passes, credits] = await Promise.all([w.get('class_sessions', sessionId), w.where('customer_passes', 'customer_id', customerId), w.where('credit_ledger', 'customer_id', customerId)]);
  const startsAt = String(s?.starts_at ?? '');
  if (passId) return passes.find((p) => p.id === passId);
  const current = passes.filter((p) => !(p.expires_at && String(p.expires_at) < startsAt));
  const left = current.map((p) => (p.kind === 'unlimited' ? Infinity : credits.filter((r) => r.pass_id === p.id).reduce((t, r) => t + num(r.delta), 0)));
  const usable = current.filter((_, i) => left[i] > 0);
  const t = (p: Row) => (p.expires_at ? Date.parse(String(p.expires_at)) : Infinity);
  return usable.sort((x, y) => Number(y.kind === 'unlimited') - Number(x.kind === 'unlimited') || t(x) - t(y) || String(x.starts_at).localeCompare(String(y.starts_at)) || x.id.localeCompare(y.id))[0];
}

async function liveCount(w: LocalWriter, sessionId: string) {
  return (await w.where('bookings', 'session_id', sessionId)).filter((b) => b.status === 'booked' || b.status === 'checked_in').length;
}

export const appliers: Record<string, Applier> = {
  async 'order.create'(w, a, c) {
    // every read first, all at once (one round trip on a tap); the writes are issued after
    const [loc, read] = await Promise.all([
      location(w, c),
      Promise.all((a.items as { productId: string; modifierIds: string[] }[]).map((it) => Promise.all([
        w.get('products', it.productId),
        Promise.all(it.modifierIds.map((mid) => Promise.all([w.get('modifiers', mid), w.where('recipe_lines', 'modifier_id', mid)]))),
        w.where('recipe_lines', 'product_id', it.productId),
      ]))),
    ]);
    const lines = [];
    const usage = new Map<string, number>();
    for (const [i, it] of a.items.entries()) {
      const [p, modRows, recipe] = read[i];
      const mods = [];
      for (const [j, mid] of it.modifierIds.entries()) {
        const [m, mRecipe] = modRows[j];
        mods.push({ id: mid, name: m?.name ?? '?', priceDeltaCents: num(m?.price_delta_cents) });
        for (const r of mRecipe) usage.set(r.item_id as string, (usage.get(r.item_id as string) ?? 0) + num(r.quantity) * it.quantity);
      }
      for (const r of recipe) usage.set(r.item_id as string, (usage.get(r.item_id as string) ?? 0) + num(r.quantity) * it.quantity);
      const taxRateBps = (p?.tax_rate_bps as number | null) ?? num(loc.tax_rate_bps);
      lines.push({ quantity: it.quantity, unitPriceCents: it.unitPriceCents, taxRateBps });
      await w.create('order_items', {
        id: it.id, location_id: c.locationId, order_id: a.orderId, product_id: it.productId, name: (p?.name as string) ?? 'Item',
        quantity: it.quantity, unit_price_cents: it.unitPriceCents, modifiers: mods, line_total_cents: it.quantity * it.unitPriceCents, tax_rate_bps: taxRateBps,
      });
    }
    const t = orderTotals(lines);
    await w.create('orders', {
      id: a.orderId, location_id: c.locationId, device_id: c.deviceId, number: a.number, staff_id: c.staffId, customer_id: a.customerId ?? null,
      status: 'received', payment_status: 'unpaid', subtotal_cents: t.subtotalCents, discount_cents: 0, tax_cents: t.taxCents, tip_cents: 0,
      total_cents: t.totalCents, note: a.note ?? null, client_time: c.clientTime, created_at: c.clientTime,
    });
    // one stock level per inventory item (the map's keys), so the moves are independent
    await Promise.all([...usage].map(([item, used], n) => moveStock(w, c, item, -used, 'sale', n, a.orderId)));
    const pts = a.customerId ? pointsEarned(t.totalCents, num(loc.loyalty_points_per_dollar)) : 0;
    if (pts) await w.create('loyalty_ledger', { id: `${c.key}:pts`, organization_id: c.organizationId, location_id: c.locationId, customer_id: a.customerId, delta_points: pts, reason: 'earn', order_id: a.orderId });
  },
  async 'order.payCash'(w, a, c) {
    // every read at once: the order, the drawer, and what was paid before this payment
    const [o, d, before] = await Promise.all([w.get('orders', a.orderId), openDrawer(w, c), w.where('payments', 'order_id', a.orderId)]);
    if (!o) return;
    await w.create('payments', { id: a.paymentId, location_id: c.locationId, order_id: a.orderId, method: 'cash', amount_cents: a.amountCents, tendered_cents: a.tenderedCents, status: 'succeeded', staff_id: c.staffId, device_id: c.deviceId, created_at: c.clientTime });
    const paid = a.amountCents + before.filter((p) => p.id !== a.paymentId && p.status === 'succeeded').reduce((s, p) => s + num(p.amount_cents), 0);
    if (paid >= num(o.total_cents)) await w.update('orders', a.orderId, { payment_status: 'paid' }, o);
    if (d) await w.create('drawer_movements', { id: `${c.key}:cash`, location_id: c.locationId, drawer_session_id: d.id, kind: 'sale', amount_cents: a.amountCents, order_id: a.orderId });
  },
  async 'order.markPayLater'(w, a) {
    const o = await w.get('orders', a.orderId);
    if (o?.payment_status === 'unpaid') await w.update('orders', a.orderId, { payment_status: 'pay_later' });
  },
  async 'order.setStatus'(w, a) {
    const o = await w.get('orders', a.orderId);
    if (o && ORDER_STATUS_RANK[a.status] > ORDER_STATUS_RANK[o.status as string]) await w.update('orders', a.orderId, { status: a.status });
  },
  async 'order.void'(w, a, c) {
    const o = await w.get('orders', a.orderId);
    if (!o || o.status === 'voided') return;
    await w.update('orders', a.orderId, { status: 'voided', voided_at: c.clientTime });
    let n = 0;
    for (const m of await w.where('stock_movements', 'order_id', a.orderId)) if (m.reason === 'sale') await moveStock(w, c, m.item_id as string, -num(m.delta), 'void', n++, a.orderId);
  },
  async 'product.setSoldOut'(w, a, c) {
    const cur = (await w.where('product_availability', 'product_id', a.productId))[0];
    await w.put('product_availability', { ...(cur ?? {}), id: (cur?.id as string) ?? `${c.key}:avail`, location_id: c.locationId, product_id: a.productId, sold_out: a.soldOut, staff_id: c.staffId });
  },
  async 'stock.adjust'(w, a, c) {
    await moveStock(w, c, a.itemId, a.delta, a.reason, 0);
  },
  async 'stock.count'(w, a, c) {
    const level = await w.get('stock_levels', a.itemId);
    await moveStock(w, c, a.itemId, a.countedQuantity - num(level?.quantity), 'count', 0);
  },
  async 'drawer.open'(w, a, c) {
    if (await openDrawer(w, c)) return;
    await w.put('drawer_sessions', { id: a.drawerSessionId, location_id: c.locationId, device_id: c.deviceId, opened_by_staff_id: c.staffId, opened_at: c.clientTime, opening_float_cents: a.openingFloatCents, status: 'open' });
    await w.put('drawer_movements', { id: `${c.key}:float`, location_id: c.locationId, drawer_session_id: a.drawerSessionId, kind: 'float', amount_cents: a.openingFloatCents });
  },
  async 'drawer.payInOut'(w, a, c) {
    await w.put('drawer_movements', { id: a.movementId, location_id: c.locationId, drawer_session_id: a.drawerSessionId, kind: a.kind, amount_cents: a.kind === 'pay_in' ? a.amountCents : -a.amountCents, note: a.note });
  },
  async 'drawer.close'(w, a, c) {
    const s = await w.get('drawer_sessions', a.drawerSessionId);
    if (!s || s.status !== 'open') return;
    const expected = (await w.where('drawer_movements', 'drawer_session_id', a.drawerSessionId)).reduce((t, m) => t + num(m.amount_cents), 0);
    await w.update('drawer_sessions', a.drawerSessionId, { status: 'closed', closed_at: c.clientTime, counted_cents: a.countedCents, expected_cents: expected, variance_cents: a.countedCents - expected });
  },
  async 'customer.create'(w, a, c) {
    await w.put('customers', { id: a.customerId, organization_id: c.organizationId, name: a.name, email: a.email ?? null, phone: a.phone ?? null, code: a.code ?? null, created_at: c.clientTime });
  },
  async 'customer.update'(w, a) {
    const { customerId, ...fields } = a;
    await w.update('customers', customerId, fields);
  },
  async 'loyalty.redeem'(w, a, c) {
    const o = a.orderId ? await w.get('orders', a.orderId) : undefined;
    if (o && o.status !== 'voided') {
      const loc = await location(w, c);
      const paid = (await w.where('payments', 'order_id', a.orderId)).filter((p) => p.status === 'succeeded').reduce((s, p) => s + num(p.amount_cents), 0);
      const off = rewardDiscountCents(a.points, { points: num(loc?.loyalty_reward_points ?? 100), cents: num(loc?.loyalty_reward_cents ?? 500) }, num(o.total_cents) - paid);
      if (off > 0) await w.update('orders', a.orderId, { discount_cents: num(o.discount_cents) + off, total_cents: num(o.total_cents) - off });
    }
    await w.put('loyalty_ledger', { id: a.entryId, organization_id: c.organizationId, location_id: c.locationId, customer_id: a.customerId, delta_points: -a.points, reason: 'redeem', order_id: a.orderId ?? null });
  },
  async 'booking.create'(w, a, c) {
    const s = await w.get('class_sessions', a.sessionId);
    if (!s) return;
    const full = (await liveCount(w, a.sessionId)) >= num(s.capacity);
    const pos = Math.max(0, ...(await w.where('bookings', 'session_id', a.sessionId)).map((b) => num(b.waitlist_position))) + 1;
    await w.put('bookings', { id: a.bookingId, location_id: c.locationId, session_id: a.sessionId, customer_id: a.customerId, status: full ? 'waitlisted' : 'booked', waitlist_position: full ? pos : null, created_at: c.clientTime });
  },
  async 'booking.cancel'(w, a, c) {
    const b = await w.get('bookings', a.bookingId);
    if (!b || (b.status !== 'booked' && b.status !== 'waitlisted')) return;
    await w.update('bookings', a.bookingId, { status: 'cancelled', waitlist_position: null, cancelled_at: c.clientTime });
    if (b.status !== 'booked') return;
    const s = await w.get('class_sessions', b.session_id as string);
    const next = (await w.where('bookings', 'session_id', b.session_id as string)).filter((x) => x.status === 'waitlisted').sort((x, y) => num(x.waitlist_position) - num(y.waitlist_position))[0];
    if (s && next && (await liveCount(w, s.id)) < num(s.capacity)) await w.update('bookings', next.id, { status: 'booked', waitlist_position: null });
  },
  async 'booking.checkIn'(w, a, c) {
    // every read at once (one round trip on a tap); the pass is chosen even when unused
    const [own, theirs, pass] = await Promise.all([w.get('bookings', a.bookingId), w.where('bookings', 'customer_id', a.customerId), choosePass(w, a.customerId, a.sessionId, a.passId)]);
    // as the server: this booking, else the student's live booking in this class, else a walk-in
    const live = theirs.find((x) => x.session_id === a.sessionId && x.status !== 'cancelled' && x.status !== 'late_cancelled');
    const b = own && own.status !== 'cancelled' && own.status !== 'late_cancelled' ? own : (live ?? own);
    if (b?.status === 'checked_in') return;
    const id = (b?.id as string) ?? a.bookingId;
    await w.put('bookings', { ...(b ?? { location_id: c.locationId, session_id: a.sessionId, customer_id: a.customerId, created_at: c.clientTime }), id, status: 'checked_in', waitlist_position: null, checked_in_at: c.clientTime, cancelled_at: null, pass_id: (pass?.id as string) ?? null }, b);
    if (pass && pass.kind !== 'unlimited') {
      await w.create('credit_ledger', { id: `${c.key}:credit`, organization_id: c.organizationId, location_id: c.locationId, pass_id: pass.id, customer_id: a.customerId, delta: -1, reason: 'check_in', booking_id: id });
    }
  },
  async 'booking.undoCheckIn'(w, a) {
    const b = await w.get('bookings', a.bookingId);
    if (b?.status !== 'checked_in') return;
    await w.update('bookings', a.bookingId, { status: 'booked', checked_in_at: null, pass_id: null });
    for (const r of await w.where('credit_ledger', 'booking_id', a.bookingId)) {
      if (r.reason === 'check_in') await w.update('credit_ledger', r.id, { deleted: true });
    }
  },
  async 'booking.markNoShow'(w, a) {
    const b = await w.get('bookings', a.bookingId);
    if (b?.status === 'booked') await w.update('bookings', a.bookingId, { status: 'no_show' });
  },
  async 'pass.sell'(w, a, c) {
    const plan = await w.get('plans', a.planId);
    if (!plan) return;
    const days = plan.duration_days as number | null;
    await w.put('customer_passes', { id: a.passId, organization_id: c.organizationId, customer_id: a.customerId, plan_id: a.planId, kind: plan.kind, credits_total: plan.credits ?? null, starts_at: c.clientTime, expires_at: days ? new Date(Date.parse(c.clientTime) + days * 86_400_000).toISOString() : null });
    if (plan.credits) await w.put('credit_ledger', { id: `${c.key}:purchase`, organization_id: c.organizationId, location_id: c.locationId, pass_id: a.passId, customer_id: a.customerId, delta: plan.credits, reason: 'purchase' });
    if (a.payment.method === 'cash') await w.put('payments', { id: a.payment.paymentId, location_id: c.locationId, order_id: null, method: 'cash', amount_cents: a.payment.amountCents, status: 'succeeded' });
  },
  async 'pass.adjust'(w, a, c) {
    const pass = await w.get('customer_passes', a.passId);
    if (!pass) return;
    if (a.credits !== 0 && pass.credits_total !== null && !(await w.get('credit_ledger', a.entryId))) {
      await w.put('credit_ledger', { id: a.entryId, organization_id: c.organizationId, location_id: c.locationId, pass_id: a.passId, customer_id: pass.customer_id, delta: a.credits, reason: 'adjust' });
    }
    if (a.expiresAt !== undefined) await w.update('customer_passes', a.passId, { expires_at: new Date(a.expiresAt).toISOString() });
  },
  async 'category.save'(w, a, c) {
    await w.put('categories', { ...((await w.get('categories', a.categoryId)) ?? {}), id: a.categoryId, location_id: c.locationId, name: a.name, sort: a.sort, deleted: a.deleted });
  },
  async 'product.save'(w, a, c) {
    await w.put('products', { ...((await w.get('products', a.productId)) ?? {}), id: a.productId, location_id: c.locationId, category_id: a.categoryId, name: a.name, price_cents: a.priceCents, tax_rate_bps: a.taxRateBps, barcode: a.barcode, active: a.active, sort: a.sort });
  },
  async 'inventoryItem.save'(w, a, c) {
    await w.put('inventory_items', { ...((await w.get('inventory_items', a.itemId)) ?? {}), id: a.itemId, location_id: c.locationId, name: a.name, unit: a.unit, low_stock_threshold: a.lowStockThreshold });
  },
  async 'modifierGroup.save'(w, a, c) {
    await w.put('modifier_groups', { ...((await w.get('modifier_groups', a.groupId)) ?? {}), id: a.groupId, location_id: c.locationId, name: a.name, min_select: a.minSelect, max_select: a.maxSelect, sort: a.sort, deleted: a.deleted });
  },
  async 'modifier.save'(w, a, c) {
    await w.put('modifiers', { ...((await w.get('modifiers', a.modifierId)) ?? {}), id: a.modifierId, location_id: c.locationId, group_id: a.groupId, name: a.name, price_delta_cents: a.priceDeltaCents, is_default: a.isDefault, sort: a.sort, deleted: a.deleted });
  },
  async 'product.setModifierGroups'(w, a, c) {
    const have = await w.where('product_modifier_groups', 'product_id', a.productId);
    for (const h of have) if (!(a.groupIds as string[]).includes(h.group_id as string)) await w.update('product_modifier_groups', h.id, { deleted: true });
    for (const [sort, groupId] of (a.groupIds as string[]).entries()) {
      const h = have.find((x) => x.group_id === groupId);
      if (h) await w.update('product_modifier_groups', h.id, { sort });
      else await w.put('product_modifier_groups', { id: `${c.key}:${groupId}`, location_id: c.locationId, product_id: a.productId, group_id: groupId, sort });
    }
  },
  async 'recipe.set'(w, a, c) {
    const column = a.productId ? 'product_id' : 'modifier_id';
    const owner = (a.productId ?? a.modifierId) as string;
    const lines = a.lines as { lineId: string; itemId: string; quantity: number }[];
    for (const r of await w.where('recipe_lines', column, owner)) if (!lines.some((l) => l.lineId === r.id)) await w.update('recipe_lines', r.id, { deleted: true });
    for (const l of lines) await w.put('recipe_lines', { id: l.lineId, location_id: c.locationId, product_id: a.productId ?? null, modifier_id: a.modifierId ?? null, item_id: l.itemId, quantity: l.quantity });
  },
  async 'classType.save'(w, a, c) {
    await w.put('class_types', { ...((await w.get('class_types', a.classTypeId)) ?? {}), id: a.classTypeId, location_id: c.locationId, name: a.name, description: a.description, duration_minutes: a.durationMinutes, default_capacity: a.defaultCapacity });
  },
  async 'session.save'(w, a, c) {
    const t = await w.get('class_types', a.classTypeId);
    const minutes = a.durationMinutes ?? (num(t?.duration_minutes) || 60);
    const prev = await w.get('class_sessions', a.sessionId);
    await w.put('class_sessions', { ...(prev ?? { cancelled: false, substitute_staff_id: null }), id: a.sessionId, location_id: c.locationId, class_type_id: a.classTypeId, instructor_staff_id: a.instructorStaffId, starts_at: new Date(a.startsAt).toISOString(), ends_at: new Date(Date.parse(a.startsAt) + minutes * 60_000).toISOString(), capacity: a.capacity, room: a.room });
  },
  async 'session.cancel'(w, a, c) {
    const s = await w.get('class_sessions', a.sessionId);
    if (!s || s.cancelled) return;
    await w.update('class_sessions', a.sessionId, { cancelled: true });
    for (const b of await w.where('bookings', 'session_id', a.sessionId)) {
      if (!['booked', 'waitlisted', 'checked_in'].includes(b.status as string)) continue;
      for (const r of await w.where('credit_ledger', 'booking_id', b.id)) if (r.reason === 'check_in') await w.update('credit_ledger', r.id, { deleted: true });
      await w.update('bookings', b.id, { status: 'cancelled', waitlist_position: null, cancelled_at: c.clientTime });
    }
  },
  async 'session.substitute'(w, a) {
    await w.update('class_sessions', a.sessionId, { substitute_staff_id: a.staffId });
  },
  async 'staff.save'(w, a, c) {
    await w.put('staff', { ...((await w.get('staff', a.staffId)) ?? { pin_hash: null, pin_salt: null, pin_iterations: null }), id: a.staffId, organization_id: c.organizationId, name: a.name, role: a.role, active: a.active });
    const have = await w.where('staff_locations', 'staff_id', a.staffId);
    for (const l of a.locationIds as string[]) if (!have.some((h) => h.location_id === l)) await w.put('staff_locations', { id: `${c.key}:${l}`, staff_id: a.staffId, location_id: l });
    for (const h of have) if (!(a.locationIds as string[]).includes(h.location_id as string)) await w.update('staff_locations', h.id, { deleted: true });
  },
  async 'staff.setPin'(w, a) {
    await w.update('staff', a.staffId, { pin_hash: a.pinHash, pin_salt: a.pinSalt, pin_iterations: a.pinIterations });
  },
  async 'plan.save'(w, a, c) {
    await w.put('plans', { ...((await w.get('plans', a.planId)) ?? {}), id: a.planId, organization_id: c.organizationId, name: a.name, kind: a.kind, credits: a.credits, duration_days: a.durationDays, price_cents: a.priceCents, active: a.active });
  },
  async 'customer.merge'(w, a) {
    const from = await w.get('customers', a.fromCustomerId);
    const into = await w.get('customers', a.intoCustomerId);
    if (!from || !into) return;
    const intoSessions = new Set((await w.where('bookings', 'customer_id', into.id)).filter((b) => b.status !== 'cancelled' && b.status !== 'late_cancelled').map((b) => b.session_id));
    for (const b of await w.where('bookings', 'customer_id', from.id)) {
      const dup = b.status !== 'cancelled' && b.status !== 'late_cancelled' && intoSessions.has(b.session_id);
      await w.update('bookings', b.id, { customer_id: into.id, ...(dup ? { status: 'cancelled', waitlist_position: null } : {}) });
    }
    for (const t of ['customer_passes', 'loyalty_ledger', 'waivers', 'orders'] as const) {
      for (const r of await w.where(t, 'customer_id', from.id)) await w.update(t, r.id, { customer_id: into.id });
    }
    for (const r of await w.where('credit_ledger', 'customer_id', from.id)) await w.update('credit_ledger', r.id, { customer_id: into.id });
    await w.update('customers', from.id, { deleted: true, code: null });
    await w.update('customers', into.id, { email: into.email ?? from.email ?? null, phone: into.phone ?? from.phone ?? null, code: into.code ?? from.code ?? null });
  },
};

/**
 * The local tables each applier reads or writes. A queued mutation's transaction spans
 * only these (plus the outbox, meta and shadow tables): in Chromium a transaction over
 * every table costs several milliseconds more than a narrow one, on every tap. Touching a
 * table not listed here makes Dexie throw, so a missing entry fails every test that
 * queues that mutation.
 */
export const applierTables: Record<string, SyncedTable[]> = {
  'order.create': ['locations', 'products', 'modifiers', 'recipe_lines', 'orders', 'order_items', 'stock_movements', 'stock_levels', 'loyalty_ledger'],
  'order.payCash': ['orders', 'payments', 'drawer_sessions', 'drawer_movements'],
  'order.markPayLater': ['orders'],
  'order.setStatus': ['orders'],
  'order.void': ['orders', 'stock_movements', 'stock_levels', 'loyalty_ledger'],
  'product.setSoldOut': ['product_availability'],
  'stock.adjust': ['stock_movements', 'stock_levels'],
  'stock.count': ['stock_movements', 'stock_levels'],
  'drawer.open': ['drawer_sessions', 'drawer_movements'],
  'drawer.payInOut': ['drawer_movements'],
  'drawer.close': ['drawer_sessions', 'drawer_movements'],
  'customer.create': ['customers'],
  'customer.update': ['customers'],
  'loyalty.redeem': ['orders', 'locations', 'payments', 'loyalty_ledger'],
  'booking.create': ['class_sessions', 'bookings'],
  'booking.cancel': ['class_sessions', 'bookings'],
  'booking.checkIn': ['bookings', 'class_sessions', 'customer_passes', 'credit_ledger'],
  'booking.undoCheckIn': ['bookings', 'credit_ledger'],
  'booking.markNoShow': ['bookings'],
  'pass.sell': ['plans', 'customer_passes', 'credit_ledger', 'payments'],
  'pass.adjust': ['customer_passes', 'credit_ledger'],
  'category.save': ['categories'],
  'product.save': ['products'],
  'inventoryItem.save': ['inventory_items'],
  'modifierGroup.save': ['modifier_groups'],
  'modifier.save': ['modifiers'],
  'product.setModifierGroups': ['product_modifier_groups'],
  'recipe.set': ['recipe_lines'],
  'classType.save': ['class_types'],
  'session.save': ['class_types', 'class_sessions'],
  'session.cancel': ['class_sessions', 'bookings', 'credit_ledger'],
  'session.substitute': ['class_sessions'],
  'staff.save': ['staff', 'staff_locations'],
  'staff.setPin': ['staff'],
  'plan.save': ['plans'],
  'customer.merge': ['customers', 'bookings', 'customer_passes', 'credit_ledger', 'loyalty_ledger', 'waivers', 'orders'],
};

/** Balances the screens show, from the local ledgers. */
export const ledgers = {
  points: (w: LocalWriter, customerId: string) => balance(w, 'loyalty_ledger', 'customer_id', customerId, 'delta_points'),
  credits: (w: LocalWriter, passId: string) => balance(w, 'credit_ledger', 'pass_id', passId, 'delta'),
};

export type { Row };
