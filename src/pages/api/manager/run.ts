// POST /api/manager/run { locationId, mutations: [{ name, args }] }: the console's edits
// (catalog, stock, schedule) through the same server mutators and RLS as the tablets, all
// or nothing, each audited. Tablets see them by the next poke.
import type { APIRoute } from 'astro';
import { consoleRunSchema } from '../../../shared/domain/manager.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { withClaims } from '../../../server/db/index.ts';
import { json, readJson } from '../../../server/http/respond.ts';
import { runAsManager } from '../../../server/manager/console-context.ts';

export const POST: APIRoute = async ({ locals, request }) => {
  const user = requireUser(locals.principal);
  const body = await readJson(request, consoleRunSchema);
  return json(await withClaims(user.claims, (tx) => runAsManager(tx, body.locationId, body.mutations)));
};
