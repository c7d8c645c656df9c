// GET /api/health → { ok, mode } (DESIGN §10). 503 in the envelope when the database is unreachable.
import type { APIRoute } from 'astro';
import { asService, getDb } from '../../server/db/index.ts';
import { json } from '../../server/http/respond.ts';

export const GET: APIRoute = async () => {
  const db = await getDb();
  await asService((tx) => tx.query('select 1'), db);
  return json({ ok: true, mode: db.mode });
};
