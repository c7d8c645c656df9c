// The one mutator registry (DESIGN §13): every mutation name the server accepts and a
// tablet may queue. Server mutators and client appliers must cover exactly these names.
import type { MutatorDef } from './define.ts';
import { orderMutators } from './orders.ts';
import { catalogMutators } from './catalog.ts';
import { stockMutators } from './stock.ts';
import { drawerMutators } from './drawer.ts';
import { customerMutators } from './customers.ts';
import { studioMutators } from './studio.ts';
import { peopleMutators } from './people.ts';

export * from './define.ts';

export const mutatorDefs: ReadonlyMap<string, MutatorDef> = new Map(
  [...orderMutators, ...catalogMutators, ...stockMutators, ...drawerMutators, ...customerMutators, ...studioMutators, ...peopleMutators].map(
    (d) => [d.name, d as MutatorDef],
  ),
);
