// One mutator registry: every mutation name has a shared schema, a server mutator and a
// tablet applier, and the list of mutations is all there.
import { describe, expect, it } from 'vitest';
import { mutatorDefs } from '../../src/shared/mutators/index.ts';
import { serverMutators } from '../../src/server/mutators/index.ts';
import { applierTables, appliers } from '../../src/client/sync/appliers.ts';

const REQUIRED = [
  'order.create', 'order.payCash', 'order.markPayLater', 'order.setStatus', 'order.void', 'product.setSoldOut',
  'stock.adjust', 'stock.count', 'drawer.open', 'drawer.payInOut', 'drawer.close', 'customer.create',
  'customer.update', 'loyalty.redeem', 'booking.create', 'booking.cancel', 'booking.checkIn', 'booking.markNoShow', 'pass.sell',
];
/** Added since: the front desk's undo (issue #5); the manager's catalog and schedule edits (issue #7). */
const ADDED = ['booking.undoCheckIn', 'category.save', 'product.save', 'inventoryItem.save', 'modifierGroup.save', 'modifier.save', 'product.setModifierGroups', 'recipe.set', 'classType.save', 'session.save', 'session.cancel', 'session.substitute', 'staff.save', 'staff.setPin', 'plan.save', 'pass.adjust', 'customer.merge'];

describe('mutator registry', () => {
  it('has every mutation the sync issue names, and the ones added since', () => {
    expect([...mutatorDefs.keys()].sort()).toEqual([...REQUIRED, ...ADDED].sort());
  });
  it('has a server mutator and a tablet applier for each, and nothing else', () => {
    expect(Object.keys(serverMutators).sort()).toEqual([...mutatorDefs.keys()].sort());
    expect(Object.keys(appliers).sort()).toEqual([...mutatorDefs.keys()].sort());
    expect(Object.keys(applierTables).sort()).toEqual([...mutatorDefs.keys()].sort());
  });
  it('keeps voids and stock counts for managers', () => {
    expect(mutatorDefs.get('order.void')!.roles).toEqual(['owner', 'manager']);
    expect(mutatorDefs.get('stock.count')!.roles).toEqual(['owner', 'manager']);
    expect(mutatorDefs.get('order.create')!.roles).toBeUndefined();
  });
});
