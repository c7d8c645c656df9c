// What the console's people page reads (issue #7): the organization's staff with their
// roles and locations (whether a PIN is set, never the hash), its plans, and its members
// for finding duplicates to merge; and one member's passes, to correct. RLS decides what a
// manager sees.
import type { Tx } from '../db/index.ts';
import { managedLocation } from './access.ts';

export async function peopleOf(tx: Tx, locationId: string) {
  const loc = await managedLocation(tx, locationId);
  const q = async (sql: string) => (await tx.query(sql, [loc.organizationId])).rows;
  const [staff, plans, members, locations] = await Promise.all([
    q(`select s.id, s.name, s.role, s.active, s.pin_hash is not null as "hasPin",
              coalesce(array_agg(sl.location_id) filter (where sl.location_id is not null), '{}') as "locationIds"
       from public.staff s left join public.staff_locations sl on sl.staff_id = s.id and not sl.deleted
       where s.organization_id = $1 and not s.deleted group by s.id order by s.active desc, s.name`),
    q(`select id, name, kind, credits, duration_days as "durationDays", price_cents as "priceCents", active
       from public.plans where organization_id = $1 and not deleted order by active desc, price_cents`),
    q(`select c.id, c.name, c.email, c.phone, c.code, c.created_at as "createdAt",
              (select count(*)::int from public.bookings b where b.customer_id = c.id and not b.deleted) as bookings
       from public.customers c where c.organization_id = $1 and not c.deleted order by c.name limit 5000`),
    q(`select id, name from public.locations where organization_id = $1 and not deleted order by name`),
  ]);
  return { location: loc, staff, plans, members, locations };
}

/** One member's passes, newest first: plan, credits left (the ledger's sum), validity, use. */
export async function memberPassesOf(tx: Tx, locationId: string, customerId: string) {
  const loc = await managedLocation(tx, locationId);
  const { rows } = await tx.query(
    `select p.id, pl.name as "planName", p.kind, p.credits_total as "creditsTotal", p.starts_at as "startsAt", p.expires_at as "expiresAt",
            p.created_at as "soldAt", l.name as "soldAtLocation",
            case when p.credits_total is null then null
                 else (select coalesce(sum(c.delta), 0)::int from public.credit_ledger c where c.pass_id = p.id and not c.deleted) end as "creditsLeft",
            (select count(*)::int from public.bookings b where b.pass_id = p.id and b.status = 'checked_in' and not b.deleted) as "classesUsed"
     from public.customer_passes p join public.plans pl on pl.id = p.plan_id left join public.locations l on l.id = p.sold_at_location_id
     where p.customer_id = $1 and p.organization_id = $2 and not p.deleted
     order by p.created_at desc`,
    [customerId, loc.organizationId],
  );
  return { passes: rows };
}
