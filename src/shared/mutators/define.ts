// What a mutation is, for every side: a name that never changes its args (DESIGN §6
// Schema changes), a zod schema for them, and which staff roles may run it. The server
// mutators (src/server/mutators) and the tablet's optimistic appliers (src/client/sync)
// are keyed by these names.
import type { z } from 'zod';

export const STAFF_ROLES = ['owner', 'manager', 'barista', 'front_desk', 'instructor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export const MANAGER_ROLES: readonly StaffRole[] = ['owner', 'manager'];

export interface MutatorDef<S extends z.ZodType = z.ZodType> {
  name: string;
  args: S;
  /** Roles allowed to run it; every role when absent. */
  roles?: readonly StaffRole[];
}

export function defineMutator<S extends z.ZodType>(def: MutatorDef<S>): MutatorDef<S> {
  return def;
}

export type ArgsOf<D> = D extends MutatorDef<infer S> ? z.output<S> : never;

export function roleAllowed(def: MutatorDef, role: string | null | undefined): boolean {
  if (!role) return false;
  return !def.roles || (def.roles as readonly string[]).includes(role);
}
