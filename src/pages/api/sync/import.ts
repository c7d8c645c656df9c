// POST /api/sync/import: a manager replays a tablet's exported outbox (up to 8 MB).
import type { APIRoute } from 'astro';
import { outboxExportSchema } from '../../../shared/sync/protocol.ts';
import { requireUser } from '../../../server/auth/principal.ts';
import { importOutbox } from '../../../server/sync/import.ts';
import { IMPORT_BODY_BYTES, json, readJson } from '../../../server/http/respond.ts';

export const POST: APIRoute = async ({ request, locals }) => {
  const user = requireUser(locals.principal);
  const file = await readJson(request, outboxExportSchema, IMPORT_BODY_BYTES);
  return json(await importOutbox(user.claims, file));
};
