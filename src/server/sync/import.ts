// A manager imports a tablet's exported outbox (DESIGN §6: recovery when a tablet cannot
// sync by itself). The mutations are pushed under the ORIGINAL device and client id, so
// whatever the tablet already delivered is skipped as a duplicate and nothing is applied
// twice, whether the tablet or the manager gets there first.
import { AppError } from '../../shared/errors.ts';
import { MAX_PUSH_MUTATIONS, SCHEMA_VERSION, type OutboxExport, type PushResponse } from '../../shared/sync/protocol.ts';
import { withClaims, type Claims, type Db } from '../db/index.ts';
import { push } from './push.ts';

export async function importOutbox(manager: Claims, file: OutboxExport, db?: Db) {
  const rows = await withClaims(
    manager,
    (tx) =>
      tx.query<{ location_id: string; organization_id: string; revoked: boolean }>(
        `select d.location_id, l.organization_id, d.revoked_at is not null as revoked
         from public.devices d join public.locations l on l.id = d.location_id
         where d.id = $1 and d.location_id in (select app.manager_location_ids())`,
        [file.deviceId],
      ),
    db,
  );
  const d = rows.rows[0];
  if (!d) throw new AppError('NOT_FOUND', 'No device with that id that you manage.');
  if (d.revoked) throw new AppError('CONFLICT', 'That device was revoked; its queue cannot be replayed as it. Register it again first.');
  const device = { deviceId: file.deviceId, locationId: d.location_id, organizationId: d.organization_id };
  const sorted = [...file.mutations].sort((a, b) => a.id - b.id);
  let last: PushResponse = { lastMutationId: 0, results: [] };
  const results: PushResponse['results'] = [];
  for (let i = 0; i < sorted.length; i += MAX_PUSH_MUTATIONS) {
    last = await push(device, { clientId: file.clientId, schemaVersion: SCHEMA_VERSION, mutations: sorted.slice(i, i + MAX_PUSH_MUTATIONS) }, db);
    results.push(...last.results);
  }
  const count = (s: string) => results.filter((r) => r.status === s).length;
  return { lastMutationId: last.lastMutationId, applied: count('applied'), duplicate: count('duplicate'), rejected: count('rejected'), results };
}
