// What staff may change about the catalog from a tablet: only availability ("86").
import { z } from 'zod';
import { defineMutator } from './define.ts';

export const productSetSoldOut = defineMutator({
  name: 'product.setSoldOut',
  args: z.strictObject({ productId: z.uuid(), soldOut: z.boolean() }),
});

export const catalogMutators = [productSetSoldOut];
