// POST /api/sync/push (DESIGN §6). A batch over 500 mutations or 1 MB is refused with 413
// before anything else; a malformed batch gets 400 and writes nothing.
import type { APIRoute } from 'astro';
import { AppError, parseOrThrow } from '../../../shared/errors.ts';
import { MAX_PUSH_BYTES, MAX_PUSH_MUTATIONS, pushRequestSchema } from '../../../shared/sync/protocol.ts';
import { requireDevice } from '../../../server/auth/principal.ts';
import { push } from '../../../server/sync/push.ts';
import { json, readJsonBody } from '../../../server/http/respond.ts';

export const POST: APIRoute = async ({ request, locals }) => {
  const device = requireDevice(locals.principal);
  const body = await readJsonBody(request, MAX_PUSH_BYTES);
  const count = (body as { mutations?: unknown })?.mutations;
  if (Array.isArray(count) && count.length > MAX_PUSH_MUTATIONS) {
    throw new AppError('PAYLOAD_TOO_LARGE', `A push carries at most ${MAX_PUSH_MUTATIONS} mutations. Send the queue in smaller batches.`);
  }
  const req = parseOrThrow(pushRequestSchema, body, 'The push');
  return json(await push(device, req));
};
