// POST /api/sync/pull (DESIGN §6): the rows that changed since the cookie, in pages. The
// tablet's report of its own queue rides in a header (protocol.ts) for the console.
import type { APIRoute } from 'astro';
import { parseQueueReport, pullRequestSchema, QUEUE_HEADER } from '../../../shared/sync/protocol.ts';
import { requireDevice } from '../../../server/auth/principal.ts';
import { pull } from '../../../server/sync/pull.ts';
import { json, readJson } from '../../../server/http/respond.ts';

export const POST: APIRoute = async ({ request, locals }) => {
  const device = requireDevice(locals.principal);
  const req = await readJson(request, pullRequestSchema, 16 * 1024);
  return json(await pull(device, req, undefined, undefined, parseQueueReport(request.headers.get(QUEUE_HEADER))));
};
