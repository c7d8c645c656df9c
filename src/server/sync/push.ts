// POST /api/sync/push, the algorithm of DESIGN §6. One transaction per request, one
// savepoint per mutation: a mutation's effects, its log entry and the client's raised
// last id commit together, so a crash anywhere leaves each mutation applied once or not
// at all, and a retry finds it as a duplicate.
//
// Round trips are what a push costs (issue #3): the client's row, its device code and the
// staff roles of the whole batch come in one statement; consecutive mutations that are SQL
// functions (orders.ts sqlMutatorNames) run in one call of app.apply_mutations, whose
// BEGIN … EXCEPTION block per mutation is that mutation's savepoint; the log, the
// rejections' reconciliation items and the raised last id are one statement at the end.
// The device's claims go with BEGIN and that last statement with COMMIT (Tx.atCommit):
// a push of sales is five round trips with the device's check, where it was ten, and the
// location's version row is held for one of them (against a database 1 ms away each way,
// a single sale's push went from 38 to 22-23 ms, p50).
//
// A location's writes are applied one push after another (they all take its version row),
// so at most two of its pushes are in the database at once; the rest wait their turn in
// arrival order in gate.ts, without holding a connection.
import { AppError } from '../../shared/errors.ts';
import { mutatorDefs, roleAllowed } from '../../shared/mutators/index.ts';
import type { MutationResult, PushRequest, PushResponse, Mutation } from '../../shared/sync/protocol.ts';
import { claimsStatement, enterClaims, getDb, isTransient, sqlState, translateDbError, type Claims, type Db, type Tx } from '../db/index.ts';
import { serverMutators } from '../mutators/index.ts';
import { sqlMutatorNames } from '../mutators/orders.ts';
import { refusalToAppError, type MutationContext, type ReconKind } from '../mutators/context.ts';
import { KeyedGate } from './gate.ts';

export interface DeviceIdentity {
  deviceId: string;
  locationId: string;
  organizationId: string;
}

export interface PushHooks {
  /** Test seam: runs after the mutations are applied and before the commit. It must not push the same location (the gate would wait for itself). */
  beforeCommit?: () => void | Promise<void>;
}

/** Pushes of one location wait their turn here rather than in the database (gate.ts). */
export const locationGate = new KeyedGate(2);

/**
 * A push of at most this many mutations is a counter's live sales (a sale and its payment,
 * or the few taps of a rush the client sends together), not a backlog, which the client
 * sends 50 at a time or more: it waits ahead of the backlogs at the gate.
 */
export const LIVE_PUSH = 10;

export function push(device: DeviceIdentity, req: PushRequest, db?: Db, hooks: PushHooks = {}): Promise<PushResponse> {
  return locationGate.run(device.locationId, () => applyPush(device, req, db, hooks), { ahead: req.mutations.length <= LIVE_PUSH });
}

async function applyPush(device: DeviceIdentity, req: PushRequest, db: Db | undefined, hooks: PushHooks): Promise<PushResponse> {
  const d = db ?? (await getDb());
  const claims: Claims = { role: 'authenticated', sub: device.deviceId, device_id: device.deviceId };
  // The claims go with BEGIN (TransactionOptions.first), already as the staff member of the
  // batch's first mutation, who is usually the staff member of all of it: the claims name the
  // staff member whose run is applied (claimStaff), and only writes look at it (and the audit
  // log's readers, which a push does not read; what claimClient reads is for the location's
  // members, staff member or not).
  const firstStaff = req.mutations[0]?.staffId ?? null;
  let gap: { expected: number; lastMutationId: number } | null = null;
  let response: PushResponse;
  try {
    response = await d.transaction(async (tx) => {
      // 1. Lock the client's row (created on first use); another device's client id is refused.
      const head = await claimClient(tx, device, req);
      let last = head.last;
      const batch: Batch = { roles: head.roles, claimedStaff: firstStaff, savepoint: false, logs: [], recons: [], run: [] };
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
        await applyOne(tx, batch, claims, device, head.code, req.clientId, m, results);
        last = m.id;
      }
      await flushRun(tx, batch, claims, device, head.code, req.clientId, results);
      // 7. The log, the rejections and the raised last id commit with the mutations they cover
      // (in the round trip of the COMMIT: the location's version row is held one round trip less).
      finish(tx, device, req.clientId, batch, last);
      await hooks.beforeCommit?.();
      return { lastMutationId: last, results };
    }, { first: claimsStatement(firstStaff ? { ...claims, staff_id: firstStaff } : claims) });
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

/**
 * The client's row (locked), the device's order-number code and the role at this location
 * of every staff member named in the batch, in one statement. The roles are read once per
 * push, as before; a mutation in the batch that changes a role takes effect next push.
 */
async function claimClient(tx: Tx, device: DeviceIdentity, req: PushRequest): Promise<{ last: number; code: string; roles: Map<string, string | null> }> {
  const staffIds = [...new Set(req.mutations.map((m) => m.staffId))];
  let row: { last: number; code: string | null; roles: Record<string, string> | null };
  try {
    const { rows } = await tx.query<typeof row>(
      `select app.claim_sync_client($1, $2) as last,
              (select code from public.devices where id = $3) as code,
              (select jsonb_object_agg(s.id, s.role) from public.staff s
               join public.staff_locations sl on sl.staff_id = s.id and sl.location_id = $4 and not sl.deleted
               where s.id = any($5::uuid[]) and s.active and not s.deleted) as roles`,
      [req.clientId, req.schemaVersion, device.deviceId, device.locationId, staffIds],
    );
    row = rows[0];
  } catch (err) {
    if (sqlState(err) === '42501') throw new AppError('FORBIDDEN', 'This client id belongs to another device. Reset this tablet’s local data to start a new client.');
    throw err;
  }
  if (!row.code) throw new AppError('UNAUTHENTICATED', 'This device was revoked. Ask a manager to register it again.');
  const roles = new Map<string, string | null>(staffIds.map((id) => [id, row.roles?.[id] ?? null]));
  return { last: row.last, code: row.code, roles };
}

/** Per-request state: round trips saved across the mutations of one push. */
interface Batch {
  roles: Map<string, string | null>;
  /** Whose staff_id the claims carry now (claims set after a savepoint roll back with it). */
  claimedStaff: string | null;
  savepoint: boolean;
  logs: LogEntry[];
  recons: ReconEntry[];
  /** Checked mutations waiting to run in one app.apply_mutations call (one staff member). */
  run: { m: Mutation; args: unknown; slot: number }[];
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

interface ReconEntry {
  kind: ReconKind;
  summary: string;
  details: Record<string, unknown>;
  staff_id: string | null;
  mutation_id: number;
}

async function applyOne(
  tx: Tx,
  batch: Batch,
  claims: Claims,
  device: DeviceIdentity,
  code: string,
  clientId: string,
  m: Mutation,
  results: MutationResult[],
): Promise<void> {
  // Checks that touch nothing need no savepoint: a refusal here has no effects to undo.
  const def = mutatorDefs.get(m.name);
  const run = serverMutators[m.name];
  let role: string | null = null;
  let args: unknown;
  try {
    if (!def || !run) throw new AppError('VALIDATION_FAILED', `Unknown mutation "${m.name}". Update the app on this tablet.`);
    const parsed = def.args.safeParse(m.args);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new AppError('VALIDATION_FAILED', `The ${m.name} mutation is not valid (${first?.path.join('.') || 'args'}: ${first?.message}).`);
    }
    args = parsed.data;
    role = batch.roles.get(m.staffId) ?? null;
    if (!role) throw new AppError('FORBIDDEN', 'That staff member does not work at this location.');
    if (!roleAllowed(def, role)) throw new AppError('FORBIDDEN', `A ${role.replace('_', ' ')} cannot do ${m.name}; ask a manager.`);
  } catch (err) {
    results.push(reject(batch, m, role, err as AppError));
    return;
  }
  if (sqlMutatorNames.has(m.name)) {
    // Runs go to the database together; a run is one staff member's (their claims are set once).
    if (batch.run.length && batch.run[0].m.staffId !== m.staffId) await flushRun(tx, batch, claims, device, code, clientId, results);
    batch.run.push({ m, args, slot: results.length });
    results.push({ id: m.id, status: 'applied' }); // until the run says otherwise
    return;
  }
  await flushRun(tx, batch, claims, device, code, clientId, results);
  // One round trip closes the previous mutation's savepoint and opens this one's.
  await tx.exec(batch.savepoint ? 'release savepoint m; savepoint m' : 'savepoint m');
  batch.savepoint = true;
  const claimedBefore = batch.claimedStaff;
  try {
    await claimStaff(tx, batch, claims, m.staffId);
    await run(context(tx, device, code, clientId, m, role), args);
    batch.logs.push(logEntry(m, m.staffId, 'applied', null));
    results.push({ id: m.id, status: 'applied' });
  } catch (raw) {
    if (isTransient(raw)) throw raw; // 8. transient: stop the batch, raise nothing
    // 9. Refused by the rules: roll its effects back, log it, and keep going.
    await tx.exec('rollback to savepoint m');
    batch.claimedStaff = claimedBefore;
    results.push(reject(batch, m, role, unexpected(m, translateDbError(raw), raw)));
  }
}

/** Runs the waiting SQL mutations in one call; each is its own savepoint inside it. */
async function flushRun(tx: Tx, batch: Batch, claims: Claims, device: DeviceIdentity, code: string, clientId: string, results: MutationResult[]) {
  const run = batch.run;
  if (!run.length) return;
  batch.run = [];
  await claimStaff(tx, batch, claims, run[0].m.staffId);
  const ctx = { deviceId: device.deviceId, deviceCode: code, locationId: device.locationId, organizationId: device.organizationId, clientId };
  const ms = run.map(({ m, args }) => ({ id: m.id, name: m.name, staffId: m.staffId, clientTime: m.clientTime, args }));
  const { rows } = await tx.query<{ refused: { id: number; state: string; message: string; detail: string | null; hint: string | null }[] }>(
    `select app.apply_mutations($1::jsonb, $2::jsonb) as refused`,
    [JSON.stringify(ctx), JSON.stringify(ms)],
  );
  const refused = new Map(rows[0].refused.map((r) => [Number(r.id), r]));
  for (const { m, slot } of run) {
    const r = refused.get(m.id);
    if (!r) {
      batch.logs.push(logEntry(m, m.staffId, 'applied', null));
      continue;
    }
    const raw = Object.assign(new Error(r.message), { code: r.state, detail: r.detail, hint: r.hint });
    results[slot] = reject(batch, m, batch.roles.get(m.staffId) ?? null, unexpected(m, refusalToAppError(raw) ?? translateDbError(raw), raw));
  }
}

async function claimStaff(tx: Tx, batch: Batch, claims: Claims, staffId: string) {
  if (batch.claimedStaff === staffId) return;
  await enterClaims(tx, { ...claims, staff_id: staffId });
  batch.claimedStaff = staffId;
}

/** A bug must not wedge a tablet's queue forever: refuse this one mutation, keep its args in the log and the reconciliation list for a human, and go on. */
function unexpected(m: Mutation, err: unknown, raw: unknown): AppError {
  if (err instanceof AppError) return err;
  console.error(`[tandem] ${m.name} failed unexpectedly`, raw);
  return new AppError('INTERNAL', 'The server could not apply this change. A manager can see it in reconciliation.');
}

function reject(batch: Batch, m: Mutation, role: string | null, e: AppError): MutationResult {
  const staffId = role ? m.staffId : null;
  const error = { code: e.code, message: e.message };
  batch.logs.push(logEntry(m, staffId, 'rejected', error));
  batch.recons.push({
    kind: 'rejected_mutation',
    summary: `${m.name} was refused: ${e.message}`,
    details: { name: m.name, args: m.args, error, claimedStaffId: m.staffId, clientTime: m.clientTime },
    staff_id: staffId,
    mutation_id: m.id,
  });
  return { id: m.id, status: 'rejected', error };
}

function logEntry(m: Mutation, staffId: string | null, status: LogEntry['status'], error: LogEntry['error']): LogEntry {
  return { mutation_id: m.id, staff_id: staffId, name: m.name, args: m.args ?? null, client_time: m.clientTime, status, error };
}

/** The batch's log entries, its rejections' reconciliation items and the raised last id, in one statement, run as the push commits. */
function finish(tx: Tx, device: DeviceIdentity, clientId: string, batch: Batch, last: number) {
  tx.atCommit(
    `with log as (
       insert into public.mutation_log (client_id, mutation_id, device_id, location_id, staff_id, name, args, client_time, status, error)
       select $1::uuid, x.mutation_id, $2::uuid, $3::uuid, x.staff_id, x.name, coalesce(x.args, 'null'::jsonb), x.client_time, x.status, x.error
       from jsonb_to_recordset($4::jsonb) as x(mutation_id bigint, staff_id uuid, name text, args jsonb, client_time timestamptz, status text, error jsonb)
     ), recon as (
       insert into public.reconciliation_items (location_id, kind, summary, details, device_id, staff_id, client_id, mutation_id)
       select $3::uuid, x.kind, left(x.summary, 500), x.details, $2::uuid, x.staff_id, $1::uuid, x.mutation_id
       from jsonb_to_recordset($5::jsonb) as x(kind text, summary text, details jsonb, staff_id uuid, mutation_id bigint)
     )
     update public.sync_clients set last_mutation_id = $6::bigint where id = $1::uuid`,
    [clientId, device.deviceId, device.locationId, JSON.stringify(batch.logs), JSON.stringify(batch.recons), last],
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
