// People and plans, changed by a manager or owner (issue #7): staff with their roles,
// where they work and their PIN (hashed before it leaves the editor: the PIN itself never
// travels or is stored), the studio's plans, and merging two member records made for the
// same person (offline, two desks each added them).
import { z } from 'zod';
import { STAFF_ROLES, defineMutator, MANAGER_ROLES } from './define.ts';

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`), 'hex');

export const staffSave = defineMutator({
  name: 'staff.save',
  args: z.strictObject({
    staffId: z.uuid(),
    name: z.string().trim().min(1).max(200),
    /** owners and managers are made by an owner (RLS) */
    role: z.enum(STAFF_ROLES),
    active: z.boolean().default(true),
    /** the locations this person works at (this location at least) */
    locationIds: z.array(z.uuid()).min(1).max(50),
  }),
  roles: MANAGER_ROLES,
});

export const staffSetPin = defineMutator({
  name: 'staff.setPin',
  args: z.strictObject({ staffId: z.uuid(), pinHash: hex(64), pinSalt: hex(32), pinIterations: z.int().min(10_000).max(10_000_000) }),
  roles: MANAGER_ROLES,
});

export const planSave = defineMutator({
  name: 'plan.save',
  args: z
    .strictObject({
      planId: z.uuid(),
      name: z.string().trim().min(1).max(100),
      kind: z.enum(['drop_in', 'pack', 'unlimited']),
      credits: z.int().min(1).max(1000).nullable(),
      durationDays: z.int().min(1).max(3650).nullable(),
      priceCents: z.int().min(0).max(10_000_000),
      active: z.boolean().default(true),
    })
    .refine((p) => (p.kind === 'unlimited') === (p.credits === null), 'An unlimited plan has no credits; a drop-in or a pack has some.')
    .refine((p) => p.kind !== 'unlimited' || p.durationDays !== null, 'An unlimited plan needs a duration.'),
  roles: MANAGER_ROLES,
});

export const customerMerge = defineMutator({
  name: 'customer.merge',
  args: z.strictObject({ fromCustomerId: z.uuid(), intoCustomerId: z.uuid() }).refine((a) => a.fromCustomerId !== a.intoCustomerId, 'Pick two different members.'),
  roles: MANAGER_ROLES,
});

export const peopleMutators = [staffSave, staffSetPin, planSave, customerMerge];
