// What the POS reads from the tablet's database: the menu with availability, modifier
// groups per product, and orders for the bar queue. Pure reads, zod-parsed by readAll.
import { readAll, type LocalDb } from '../../client/db/local-db.ts';

export async function loadMenu(db: LocalDb, locationId: string) {
  const [cats, products, avail, groups, mods, links, locs] = await Promise.all([
    readAll(db, 'categories'),
    readAll(db, 'products'),
    readAll(db, 'product_availability'),
    readAll(db, 'modifier_groups'),
    readAll(db, 'modifiers'),
    readAll(db, 'product_modifier_groups'),
    readAll(db, 'locations'),
  ]);
  const soldOut = new Set(avail.filter((a) => a.sold_out).map((a) => a.product_id));
  const loc = locs.find((l) => l.id === locationId);
  const byGroup = new Map(groups.map((g) => [g.id, { ...g, modifiers: mods.filter((m) => m.group_id === g.id).sort((a, b) => a.sort - b.sort) }]));
  return {
    location: loc,
    categories: cats.filter((c) => c.location_id === locationId).sort((a, b) => a.sort - b.sort || a.name.localeCompare(b.name)),
    products: products
      .filter((p) => p.location_id === locationId && p.active)
      .sort((a, b) => a.sort - b.sort || a.name.localeCompare(b.name))
      .map((p) => ({
        ...p,
        soldOut: soldOut.has(p.id),
        taxRateBps: p.tax_rate_bps ?? loc?.tax_rate_bps ?? 0,
        groups: links.filter((l) => l.product_id === p.id).map((l) => byGroup.get(l.group_id)).filter((g) => !!g).sort((a, b) => a.sort - b.sort),
      })),
  };
}

export type Menu = Awaited<ReturnType<typeof loadMenu>>;
export type MenuProduct = Menu['products'][number];

export async function loadQueue(db: LocalDb) {
  const since = new Date(Date.now() - 12 * 3600_000).toISOString();
  const orders = (await db.table('orders').where('created_at').above(since).toArray()) as Record<string, unknown>[];
  const live = orders.filter((o) => !o.deleted && ['received', 'in_progress', 'ready'].includes(o.status as string));
  const items = (await db.table('order_items').where('order_id').anyOf(live.map((o) => o.id as string)).toArray()) as Record<string, unknown>[];
  return live
    .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)))
    .map((o) => ({ id: o.id as string, number: o.number as string, status: o.status as string, createdAt: o.created_at as string, note: o.note as string | null, items: items.filter((i) => i.order_id === o.id) }));
}
