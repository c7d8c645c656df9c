// Café orders: rung up offline with a number of their own, paid in cash or left to pay
// later, moved along the bar queue, voided by a manager (DESIGN §6 per-domain rules).
import { z } from 'zod';
import { defineMutator, MANAGER_ROLES } from './define.ts';

const id = z.uuid();
export const ORDER_STATUSES = ['received', 'in_progress', 'ready', 'completed'] as const;
export const ORDER_STATUS_RANK: Record<string, number> = { received: 0, in_progress: 1, ready: 2, completed: 3, voided: 4 };

export const orderCreate = defineMutator({
  name: 'order.create',
  args: z.strictObject({
    orderId: id,
    number: z.string().regex(/^[A-Z0-9]{1,4}-[0-9]{4,}$/, 'An order number looks like A-0042.'),
    items: z
      .array(
        z.strictObject({
          id,
          productId: id,
          quantity: z.int().min(1).max(1000),
          unitPriceCents: z.int().min(0).max(10_000_000),
          modifierIds: z.array(id).max(20),
        }),
      )
      .min(1, 'An order has at least one item.')
      .max(200),
    customerId: id.optional(),
    note: z.string().max(500).optional(),
  }),
});

export const orderPayCash = defineMutator({
  name: 'order.payCash',
  args: z.strictObject({
    orderId: id,
    paymentId: id,
    amountCents: z.int().min(1).max(10_000_000),
    tenderedCents: z.int().min(0).max(10_000_000),
  }),
});

export const orderMarkPayLater = defineMutator({
  name: 'order.markPayLater',
  args: z.strictObject({ orderId: id }),
});

export const orderSetStatus = defineMutator({
  name: 'order.setStatus',
  args: z.strictObject({ orderId: id, status: z.enum(ORDER_STATUSES) }),
});

export const orderVoid = defineMutator({
  name: 'order.void',
  args: z.strictObject({ orderId: id, reason: z.string().trim().min(1).max(500) }),
  roles: MANAGER_ROLES,
});

export const orderMutators = [orderCreate, orderPayCash, orderMarkPayLater, orderSetStatus, orderVoid];
