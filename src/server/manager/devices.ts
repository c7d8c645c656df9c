// Devices and sync health for the console (issue #7): each tablet's last contact, how far
// its queue has reached the server, what it last said was still waiting (and since when),
// what was refused, and the app's build and schema version;
// rename. (Revoking is DELETE /api/devices/:id; registering is /setup on the tablet.)
import { AppError } from '../../shared/errors.ts';
import type { Tx } from '../db/index.ts';
import { audit, managedLocation, managedLocations } from './access.ts';

export async function listDevices(tx: Tx, locationId?: string) {
  const locs = locationId ? [await managedLocation(tx, locationId)] : await managedLocations(tx);
  const { rows } = await tx.query(
    `select d.id, d.name, d.code, d.location_id as "locationId", l.name as "locationName", d.created_at as "createdAt",
            d.revoked_at as "revokedAt",
            greatest(d.last_seen_at, c.last_seen) as "lastContact",
            c.last_mutation_id as "lastMutationId", c.schema_version as "schemaVersion",
            r.waiting_mutations as "waiting", r.oldest_waiting_at as "oldestWaitingAt", r.app_version as "appVersion", r.reported_at as "reportedAt",
            (select count(*)::int from public.mutation_log m where m.device_id = d.id and m.status = 'rejected') as rejected,
            (select count(*)::int from public.mutation_log m where m.device_id = d.id and m.status = 'applied') as applied
     from public.devices d
     join public.locations l on l.id = d.location_id
     left join lateral (select max(last_seen_at) as last_seen, sum(last_mutation_id)::bigint as last_mutation_id, max(schema_version) as schema_version
                        from public.sync_clients where device_id = d.id) c on true
     left join app.queue_reports() r on r.device_id = d.id
     where d.location_id = any($1::uuid[]) and not d.deleted
     order by l.name, d.revoked_at nulls first, d.name`,
    [locs.map((l) => l.id)],
  );
  return rows;
}

export async function renameDevice(tx: Tx, deviceId: string, name: string) {
  const { rows: [d] } = await tx.query<{ location_id: string; name: string }>(`select location_id, name from public.devices where id = $1 and not deleted`, [deviceId]);
  if (!d) throw new AppError('NOT_FOUND', 'That device is not one of yours. Refresh the list.');
  const loc = await managedLocation(tx, d.location_id);
  await tx.query(`update public.devices set name = $2 where id = $1`, [deviceId, name]);
  await audit(tx, loc, 'device.rename', { deviceId, from: d.name, to: name });
  return { id: deviceId, name };
}
