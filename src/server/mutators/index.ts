// The server side of the one mutator registry: name → authoritative apply in SQL.
// Every name in src/shared/mutators has exactly one entry here (checked by a test).
import type { ServerMutator } from './context.ts';
import { mutators as orders } from './orders.ts';
import { mutators as catalog } from './catalog.ts';
import { mutators as stock } from './stock.ts';
import { mutators as drawer } from './drawer.ts';
import { mutators as customers } from './customers.ts';
import { mutators as studio } from './studio.ts';
import { mutators as people } from './people.ts';

export const serverMutators: Record<string, ServerMutator<any>> = {
  ...orders,
  ...catalog,
  ...stock,
  ...drawer,
  ...customers,
  ...studio,
  ...people,
};
