// Zod shapes of the rows a tablet holds. Every row read back from the local database is
// parsed through these (DESIGN §3 client/db), so a corrupted or stale row fails loudly at
// the edge instead of deep inside a screen. Columns the screens rely on are typed; the
// rest pass through as the server sent them.
import { z } from 'zod';
import type { SyncedTable } from '../sync/protocol.ts';

const id = z.string().min(1);
const cents = z.number().int();
const base = { id, version: z.number(), deleted: z.boolean() };
const loc = { ...base, location_id: id };
const org = { ...base, organization_id: id };
const ts = z.string();
const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();

export const rowSchemas = {
  organizations: z.looseObject({ ...base, name: z.string() }),
  locations: z.looseObject({ ...base, organization_id: id, name: z.string(), timezone: z.string(), currency: z.string(), tax_rate_bps: z.number().int(), screens: z.array(z.string()) }),
  staff: z.looseObject({ ...org, name: z.string(), role: z.string(), pin_hash: opt(z.string()), pin_salt: opt(z.string()), pin_iterations: opt(z.number()), active: z.boolean() }),
  staff_locations: z.looseObject({ ...loc, staff_id: id }),
  devices: z.looseObject({ ...loc, name: z.string(), code: z.string() }),
  customers: z.looseObject({ ...org, name: z.string(), email: opt(z.string()), phone: opt(z.string()), code: opt(z.string()) }),
  categories: z.looseObject({ ...loc, name: z.string(), sort: z.number() }),
  products: z.looseObject({ ...loc, category_id: opt(id), name: z.string(), price_cents: cents, tax_rate_bps: opt(z.number().int()), active: z.boolean(), sort: z.number() }),
  product_availability: z.looseObject({ ...loc, product_id: id, sold_out: z.boolean() }),
  modifier_groups: z.looseObject({ ...loc, name: z.string(), min_select: z.number(), max_select: z.number(), sort: z.number() }),
  modifiers: z.looseObject({ ...loc, group_id: id, name: z.string(), price_delta_cents: cents, sort: z.number() }),
  product_modifier_groups: z.looseObject({ ...loc, product_id: id, group_id: id }),
  inventory_items: z.looseObject({ ...loc, name: z.string(), unit: z.string(), low_stock_threshold: z.number() }),
  recipe_lines: z.looseObject({ ...loc, product_id: opt(id), modifier_id: opt(id), item_id: id, quantity: z.number().int() }),
  orders: z.looseObject({ ...loc, number: z.string(), status: z.string(), payment_status: z.string(), subtotal_cents: cents, tax_cents: cents, total_cents: cents, created_at: ts, customer_id: opt(id), staff_id: opt(id), device_id: opt(id) }),
  order_items: z.looseObject({ ...loc, order_id: id, name: z.string(), quantity: z.number().int(), unit_price_cents: cents, line_total_cents: cents }),
  payments: z.looseObject({ ...loc, order_id: opt(id), method: z.string(), amount_cents: cents, status: z.string() }),
  refunds: z.looseObject({ ...loc, payment_id: id, amount_cents: cents }),
  stock_movements: z.looseObject({ ...loc, item_id: id, delta: z.number().int(), reason: z.string() }),
  stock_levels: z.looseObject({ ...loc, quantity: z.number().int() }),
  drawer_sessions: z.looseObject({ ...loc, device_id: opt(id), status: z.string(), opening_float_cents: cents }),
  drawer_movements: z.looseObject({ ...loc, drawer_session_id: id, kind: z.string(), amount_cents: cents }),
  loyalty_ledger: z.looseObject({ ...org, customer_id: id, delta_points: z.number().int(), reason: z.string() }),
  class_types: z.looseObject({ ...loc, name: z.string(), duration_minutes: z.number() }),
  class_sessions: z.looseObject({ ...loc, class_type_id: id, starts_at: ts, ends_at: ts, capacity: z.number().int(), cancelled: z.boolean() }),
  bookings: z.looseObject({ ...loc, session_id: id, customer_id: id, status: z.string(), waitlist_position: opt(z.number().int()) }),
  plans: z.looseObject({ ...org, name: z.string(), kind: z.string(), credits: opt(z.number().int()), price_cents: cents }),
  customer_passes: z.looseObject({ ...org, customer_id: id, plan_id: id, kind: z.string(), expires_at: opt(ts) }),
  credit_ledger: z.looseObject({ ...org, pass_id: id, customer_id: id, delta: z.number().int(), reason: z.string() }),
  waivers: z.looseObject({ ...org, customer_id: id }),
  reconciliation_items: z.looseObject({ ...loc, kind: z.string(), status: z.string(), summary: z.string() }),
} satisfies Record<SyncedTable, z.ZodType>;

export type RowOf<T extends SyncedTable> = z.infer<(typeof rowSchemas)[T]>;
