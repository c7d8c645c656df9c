// POST /api/manager/devices/:id { name }: renames a tablet (audited).
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { deviceRenameSchema } from '../../../../shared/domain/manager.ts';
import { parseOrThrow } from '../../../../shared/errors.ts';
import { requireUser } from '../../../../server/auth/principal.ts';
import { withClaims } from '../../../../server/db/index.ts';
import { json, readJson } from '../../../../server/http/respond.ts';
import { renameDevice } from '../../../../server/manager/devices.ts';

export const POST: APIRoute = async ({ locals, params, request }) => {
  const user = requireUser(locals.principal);
  const id = parseOrThrow(z.uuid(), params.id, 'The device id');
  const { name } = await readJson(request, deviceRenameSchema);
  return json(await withClaims(user.claims, (tx) => renameDevice(tx, id, name)));
};
