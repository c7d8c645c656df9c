// GET /api/sync/events: Server-Sent Events, one stream per device, a `poke` whenever its
// location or organization changes (read it with fetch so the bearer token can be sent).
import type { APIRoute } from 'astro';
import { requireDevice } from '../../../server/auth/principal.ts';
import { getDb } from '../../../server/db/index.ts';
import { pokeHub, pokeStream } from '../../../server/sync/pokes.ts';

export const GET: APIRoute = async ({ request, locals }) => {
  const device = requireDevice(locals.principal);
  const stream = pokeStream(pokeHub(await getDb()), [`loc:${device.locationId}`, `org:${device.organizationId}`], request.signal);
  return new Response(stream, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
  });
};
