// The cash drawer: opened with a float, cash paid in or out, closed with a count. Cash
// is a ledger (drawer_movements); the variance at close is recorded, never hidden.
import { z } from 'zod';
import { defineMutator } from './define.ts';

export const drawerOpen = defineMutator({
  name: 'drawer.open',
  args: z.strictObject({ drawerSessionId: z.uuid(), openingFloatCents: z.int().min(0).max(10_000_000) }),
});

export const drawerPayInOut = defineMutator({
  name: 'drawer.payInOut',
  args: z.strictObject({
    movementId: z.uuid(),
    drawerSessionId: z.uuid(),
    kind: z.enum(['pay_in', 'pay_out']),
    amountCents: z.int().min(1).max(10_000_000),
    note: z.string().trim().min(1).max(500),
  }),
});

export const drawerClose = defineMutator({
  name: 'drawer.close',
  args: z.strictObject({ drawerSessionId: z.uuid(), countedCents: z.int().min(0).max(10_000_000) }),
});

export const drawerMutators = [drawerOpen, drawerPayInOut, drawerClose];
