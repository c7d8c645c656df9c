// Customers are org-wide: café loyalty members and studio students are the same people.
// Loyalty points are a ledger; redeeming past the balance is allowed and flagged.
import { z } from 'zod';
import { defineMutator } from './define.ts';

const fields = {
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320).nullable(),
  phone: z.string().trim().max(40).nullable(),
  notes: z.string().max(2000).nullable(),
};

export const customerCreate = defineMutator({
  name: 'customer.create',
  args: z.strictObject({
    customerId: z.uuid(),
    name: fields.name,
    email: fields.email.optional(),
    phone: fields.phone.optional(),
    code: z.string().trim().min(4).max(64).optional(),
  }),
});

export const customerUpdate = defineMutator({
  name: 'customer.update',
  args: z
    .strictObject({
      customerId: z.uuid(),
      name: fields.name.optional(),
      email: fields.email.optional(),
      phone: fields.phone.optional(),
      notes: fields.notes.optional(),
    })
    .refine((a) => Object.keys(a).length > 1, 'Say what to change.'),
});

export const loyaltyRedeem = defineMutator({
  name: 'loyalty.redeem',
  args: z.strictObject({
    entryId: z.uuid(),
    customerId: z.uuid(),
    points: z.int().min(1).max(1_000_000),
    orderId: z.uuid().optional(),
  }),
});

export const customerMutators = [customerCreate, customerUpdate, loyaltyRedeem];
