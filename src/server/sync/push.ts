// POST /api/sync/push, the algorithm of DESIGN §6. One transaction per request, one
// savepoint per mutation: a mutation's effects, its log entry and the client's raised
// last id commit together, so a crash anywhere leaves each mutation applied once or not
// at all, and a retry finds it as a duplicate.
import { AppError } from '../../shared/errors.ts';
import { mutatorDefs, roleAllowed } from '../../shared/mutators/index.ts';
import type { MutationResult, PushRequest, PushResponse, Mutation } from '../../shared/sync/protocol.ts';
import { enterClaims, getDb, isTransient, sqlState, translateDbError, type Claims, type Db, type Tx } from '../db/index.ts';
import { serverMutators } from '../mutators/index.ts';
import type { MutationContext, ReconKind } from '../mutators/context.ts';

export interface DeviceIdentity {
  deviceId: string;
  locationId: string;
  organizationId: string;
}

export interface PushHooks {
  /** Test seam: runs after the mutations are applied and before the commit. */
  beforeCommit?: () => void | Promise<void>;
}

export async function push(device: DeviceIdentity, req: PushRequest, db?: Db, hooks: PushHooks = {}): Promise<PushResponse> {
  const d = db ?? (await getDb());
  const claims: Claims = { role: 'authenticated', sub: device.deviceId, device_id: device.deviceId };
  let gap: { expected: number; lastMutationId: number } | null = null;
  let response: PushResponse;
  try {
    response = await d.transaction(async (tx) => {
      await enterClaims(tx, claims);
      // 1. Lock the client's row (created on first use); another device's client id is refused.
      let last = await claimClient(tx, req.clientId, req.schemaVersion);
      const code = await deviceCode(tx, device.deviceId);
      const batch: Batch = { roles: new Map(), claimedStaff: null, savepoint: false, logs: [] };
      const results: MutationResult[] = [];
      for (const m of req.mutations) {
        // 2. An id at or below last was applied before: skip it.
        if (m.id <= last) {
          results.push({ id: m.id, status: 'duplicate' });
          continue;
        }
        // 3. An id past last + 1 means the client skipped one: stop here.
        if (m.id > last + 1) {
          gap = { expected: last + 1, lastMutationId: last };
          break;
        }
        // 4-6. Check args and staff, run the server mutator, log it: all or nothing.
        results.push(await applyOne(tx, batch, claims, device, code, req.clientId, m));
        last = m.id;
      }
      if (batch.savepoint) await tx.exec('release savepoint m');
      // 7. The log and the raised last id commit with the mutations they cover.
      await writeLog(tx, device, req.clientId, batch.logs);
      await tx.query(`update public.sync_clients set last_mutation_id = $2 where id = $1`, [req.clientId, last]);
      await hooks.beforeCommit?.();
      return { lastMutationId: last, results };
    });
  } catch (err) {
    throw translateDbError(err);
  }
  if (gap) {
    const g = gap as { expected: number; lastMutationId: number };
    throw new AppError('MUTATION_GAP', `The server expected mutation ${g.expected} next. Send the queue from there.`, {
      expected: g.expected,
      lastMutationId: g.lastMutationId,
      results: response.results,
    });
  }
  return response;
}

async function claimClient(tx: Tx, clientId: string, schemaVersion: number): Promise<number> {
  try {
    await tx.query('savepoint claim');
    const { rows } = await tx.query<{ last: number }>(`select app.claim_sync_client($1, $2) as last`, [clientId, schemaVersion]);
    await tx.query('release savepoint claim');
    return rows[0].last;
  } catch (err) {
    if (sqlState(err) === '42501') throw new AppError('FORBIDDEN', 'This client id belongs to another device. Reset this tablet’s local data to start a new client.');
    throw err;
  }
}

async function deviceCode(tx: Tx, deviceId: string): Promise<string> {
  const { rows } = await tx.query<{ code: string }>(`select code from public.devices where id = $1`, [deviceId]);
  if (!rows[0]) throw new AppError('UNAUTHENTICATED', 'This device was revoked. Ask a manager to register it again.');
  return rows[0].code;
}

async function staffRoleAt(tx: Tx, batch: Batch, staffId: string, locationId: string): Promise<string | null> {
  if (batch.roles.has(staffId)) return batch.roles.get(staffId)!;
  const { rows } = await tx.query<{ role: string }>(
    `select s.role from public.staff s
     join public.staff_locations sl on sl.staff_id = s.id and sl.location_id = $2 and not sl.deleted
     where s.id = $1 and s.active and not s.deleted`,
    [staffId, locationId],
  );
  const role = rows[0]?.role ?? null;
  batch.roles.set(staffId, role);
  return role;
}

/** Per-request state: round trips saved across the mutations of one push. */
interface Batch {
  roles: Map<string, string | null>;
  /** Whose staff_id the claims carry now (claims set after a savepoint roll back with it). */
  claimedStaff: string | null;
  savepoint: boolean;
  logs: LogEntry[];
}

interface LogEntry {
  mutation_id: number;
  staff_id: string | null;
  name: string;
  args: unknown;
  client_time: string;
  status: 'applied' | 'rejected';
  error: { code: string; message: string } | null;
}

async function applyOne(
  tx: Tx,
  batch: Batch,
  claims: Claims,
  device: DeviceIdentity,
  code: string,
  clientId: string,
  m: Mutation,
): Promise<MutationResult> {
  // One round trip closes the previous mutation's savepoint and opens this one's.
  await tx.exec(batch.savepoint ? 'release savepoint m; savepoint m' : 'savepoint m');
  batch.savepoint = true;
  const claimedBefore = batch.claimedStaff;
  let role: string | null = null;
  try {
    const def = mutatorDefs.get(m.name);
    const run = serverMutators[m.name];
    if (!def || !run) throw new AppError('VALIDATION_FAILED', `Unknown mutation "${m.name}". Update the app on this tablet.`);
    const parsed = def.args.safeParse(m.args);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new AppError('VALIDATION_FAILED', `The ${m.name} mutation is not valid (${first?.path.join('.') || 'args'}: ${first?.message}).`);
    }
    role = await staffRoleAt(tx, batch, m.staffId, device.locationId);
    if (!role) throw new AppError('FORBIDDEN', 'That staff member does not work at this location.');
    if (!roleAllowed(def, role)) throw new AppError('FORBIDDEN', `A ${role.replace('_', ' ')} cannot do ${m.name}; ask a manager.`);
    if (batch.claimedStaff !== m.staffId) {
      await enterClaims(tx, { ...claims, staff_id: m.staffId });
      batch.claimedStaff = m.staffId;
    }
    await run(context(tx, device, code, clientId, m, role), parsed.data);
    batch.logs.push({ mutation_id: m.id, staff_id: m.staffId, name: m.name, args: m.args ?? null, client_time: m.clientTime, status: 'applied', error: null });
    return { id: m.id, status: 'applied' };
  } catch (raw) {
    if (isTransient(raw)) throw raw; // 8. transient: stop the batch, raise nothing
    let err = translateDbError(raw);
    if (!(err instanceof AppError)) {
      // A bug must not wedge a tablet's queue forever: refuse this one mutation, keep its
      // args in the log and the reconciliation list for a human, and go on.
      console.error(`[tandem] ${m.name} failed unexpectedly`, raw);
      err = new AppError('INTERNAL', 'The server could not apply this change. A manager can see it in reconciliation.');
    }
    // 9. Refused by the rules: roll its effects back, log it, and keep going.
    await tx.exec('rollback to savepoint m');
    batch.claimedStaff = claimedBefore;
    const e = err as AppError;
    const staffId = role ? m.staffId : null;
    const error = { code: e.code, message: e.message };
    batch.logs.push({ mutation_id: m.id, staff_id: staffId, name: m.name, args: m.args ?? null, client_time: m.clientTime, status: 'rejected', error });
    await insertRecon(tx, device, clientId, m.id, staffId, 'rejected_mutation', `${m.name} was refused: ${e.message}`, {
      name: m.name,
      args: m.args,
      error,
      claimedStaffId: m.staffId,
      clientTime: m.clientTime,
    });
    return { id: m.id, status: 'rejected', error };
  }
}

/** The batch's log entries in one statement. */
async function writeLog(tx: Tx, device: DeviceIdentity, clientId: string, logs: LogEntry[]) {
  if (!logs.length) return;
  await tx.query(
    `insert into public.mutation_log (client_id, mutation_id, device_id, location_id, staff_id, name, args, client_time, status, error)
     select $1, x.mutation_id, $2, $3, x.staff_id, x.name, coalesce(x.args, 'null'::jsonb), x.client_time, x.status, x.error
     from jsonb_to_recordset($4::jsonb) as x(mutation_id bigint, staff_id uuid, name text, args jsonb, client_time timestamptz, status text, error jsonb)`,
    [clientId, device.deviceId, device.locationId, JSON.stringify(logs)],
  );
}

function context(tx: Tx, device: DeviceIdentity, code: string, clientId: string, m: Mutation, role: string): MutationContext {
  return {
    tx,
    deviceId: device.deviceId,
    deviceCode: code,
    locationId: device.locationId,
    organizationId: device.organizationId,
    staffId: m.staffId,
    staffRole: role,
    clientId,
    mutationId: m.id,
    clientTime: m.clientTime,
    flag: (kind, summary, details = {}, refs = {}) =>
      insertRecon(tx, device, clientId, m.id, m.staffId, kind, summary, details, refs),
  };
}

async function insertRecon(
  tx: Tx,
  device: DeviceIdentity,
  clientId: string,
  mutationId: number,
  staffId: string | null,
  kind: ReconKind,
  summary: string,
  details: Record<string, unknown>,
  refs: { orderId?: string; bookingId?: string } = {},
) {
  await tx.query(
    `insert into public.reconciliation_items (location_id, kind, summary, details, device_id, staff_id, client_id, mutation_id, order_id, booking_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [device.locationId, kind, summary.slice(0, 500), JSON.stringify(details), device.deviceId, staffId, clientId, mutationId, refs.orderId ?? null, refs.bookingId ?? null],
  );
}

