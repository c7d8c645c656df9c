// POST /api/sync/push, the algorithm of DESIGN §6. One transaction per request (or per
// group of requests, below), one savepoint per mutation: a mutation's effects, its log
// entry and the client's raised last id commit together, so a crash anywhere leaves each
// mutation applied once or not at all, and a retry finds it as a duplicate.
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
// arrival order in gate.ts, without holding a connection. When one's turn comes, the
// pushes waiting behind it go with it, in one transaction (applyGroup): group commit. Their
// sales go in one call of the sale set (app.apply_group), which costs the database about
// 3.7 ms of its own per call whatever the number of sales; a storm of twenty tablets
// sending pushes of 10 took 3.0 s applied one push at a time and 1.5-2.1 s grouped, and
// small pushes are what keep each tablet's wait short (src/client/sync/engine.ts).
import { AppError } from '../../shared/errors.ts';
import { mutatorDefs, roleAllowed } from '../../shared/mutators/index.ts';
import type { MutationResult, PushRequest, PushResponse, Mutation } from '../../shared/sync/protocol.ts';
import { claimsStatement, enterClaims, getDb, isTransient, sqlState, translateDbError, type Claims, type Db, type Statement, type Tx } from '../db/index.ts';
import { serverMutators } from '../mutators/index.ts';
import { sqlMutatorNames } from '../mutators/orders.ts';
import { refusalToAppError, type MutationContext, type ReconKind } from '../mutators/context.ts';
import { GroupingGate, type Settled } from './gate.ts';

export interface DeviceIdentity {
  deviceId: string;
  locationId: string;
  organizationId: string;
}

export interface PushHooks {
  /** Test seam: runs after the mutations are applied and before the commit. It must not push the same location (the gate would wait for itself). A push with hooks is applied alone. */
  beforeCommit?: () => void | Promise<void>;
}

/**
 * A push of at most this many mutations is a counter's live sales (a sale and its payment,
 * or the few taps of a rush the client sends together), not a backlog, whose pushes are
 * of 10 or more (src/client/sync/engine.ts PUSH_BATCH): it waits ahead of the backlogs at
 * the gate, and leads the group it is applied in.
 */
export const LIVE_PUSH = 5;

/**
 * The most mutations a group of pushes carries (one push alone may carry more). Small
 * enough that a live sale arriving while a group is applied waits for about a tenth of a
 * second at most; large enough that a storm's pushes go in few transactions.
 */
export const GROUP_MUTATIONS = 200;

interface QueuedPush {
  device: DeviceIdentity;
  req: PushRequest;
  db: Db | undefined;
  hooks: PushHooks;
}

/**
 * Pushes of one location wait their turn here rather than in the database (gate.ts), and
 * the pushes waiting when one's turn comes are applied with it in one transaction: one
 * per client (a retried push must see the first one's raised last id), from the same
 * database, without test hooks, up to GROUP_MUTATIONS.
 */
export const locationGate = new GroupingGate<QueuedPush, PushResponse>(
  2,
  (group, next) =>
    !failedAlone(next) &&
    !failedAlone(group[0]) &&
    !next.hooks.beforeCommit &&
    !group[0].hooks.beforeCommit &&
    next.db === group[0].db &&
    // (a uuid in capitals is the same client to the database)
    group.every((g) => g.req.clientId.toLowerCase() !== next.req.clientId.toLowerCase()) &&
    group.reduce((n, g) => n + g.req.mutations.length, next.req.mutations.length) <= GROUP_MUTATIONS,
  applyGroup,
);

/**
 * How long a device's client whose push was refused on its own (a client id of another
 * device, 403; a device revoked, 401) is kept out of groups. Such a push fails every group
 * it joins, and each failed group is applied again push by push: a tablet retrying it would
 * double its location's work. Kept apart, it costs only its own transaction. (A gap or a
 * passing failure says nothing of the next push, and does not count.)
 */
export const APART_MS = 60_000;
const apart = new Map<string, number>();
/** The device and the client id together: the device refused, not the client id's owner. */
const apartKey = (p: QueuedPush) => `${p.device.deviceId}:${p.req.clientId.toLowerCase()}`;

function failedAlone(p: QueuedPush): boolean {
  const key = apartKey(p);
  const until = apart.get(key);
  if (until === undefined) return false;
  if (until > Date.now()) return true;
  apart.delete(key);
  return false;
}

function keepApart(p: QueuedPush) {
  const now = Date.now();
  if (apart.size >= 1000) for (const [key, until] of apart) if (until <= now) apart.delete(key);
  apart.set(apartKey(p), now + APART_MS);
}

export function push(device: DeviceIdentity, req: PushRequest, db?: Db, hooks: PushHooks = {}): Promise<PushResponse> {
  return locationGate.run(device.locationId, { device, req, db, hooks }, { ahead: req.mutations.length <= LIVE_PUSH });
}

/** What a push's own part of a transaction came to: its answer, or the gap it stopped at. */
interface Applied {
  response: PushResponse;
  gap: { expected: number; lastMutationId: number } | null;
}

const settle = async (p: Promise<PushResponse>) =>
  p.then((value): Settled<PushResponse> => ({ ok: true, value }), (error): Settled<PushResponse> => ({ ok: false, error }));

/**
 * A group of pushes in one transaction: first every client's row, in the order of their
 * ids, then each push's mutations in the group's order, and their logs and raised last ids
 * with the COMMIT. Every transaction takes clients' rows before its location's version row
 * and in id order, so two groups cannot deadlock on each other. Anything that fails the
 * group (a device revoked meanwhile, a client id of another device, a deadlock, a lost
 * connection) rolls all of it back, and each of its pushes is then applied alone, as if
 * it had come alone: what one push does never becomes another's error.
 */
async function applyGroup(group: QueuedPush[]): Promise<Settled<PushResponse>[]> {
  if (group.length > 1) {
    try {
      const applied = await applyTogether(group);
      return applied.map((a): Settled<PushResponse> => (a.gap ? { ok: false, error: gapError(a) } : { ok: true, value: a.response }));
    } catch (err) {
      // applied alone below, one after another; a push that fails alone is then kept out of
      // groups for a while (APART_MS)
      console.warn(`[tandem] a group of ${group.length} pushes failed and is applied push by push: ${(err as Error)?.message ?? err}`);
    }
  }
  const out: Settled<PushResponse>[] = [];
  for (const p of group) {
    const s = await settle(applyPush(p));
    if (!s.ok && s.error instanceof AppError && (s.error.code === 'FORBIDDEN' || s.error.code === 'UNAUTHENTICATED')) keepApart(p);
    out.push(s);
  }
  return out;
}

function gapError({ gap, response }: Applied): AppError {
  const g = gap!;
  return new AppError('MUTATION_GAP', `The server expected mutation ${g.expected} next. Send the queue from there.`, {
    expected: g.expected,
    lastMutationId: g.lastMutationId,
    results: response.results,
  });
}

const deviceClaims = (device: DeviceIdentity): Claims => ({ role: 'authenticated', sub: device.deviceId, device_id: device.deviceId });
const withStaff = (claims: Claims, staffId: string | null): Claims => (staffId ? { ...claims, staff_id: staffId } : claims);

async function applyPush({ device, req, db, hooks }: QueuedPush): Promise<PushResponse> {
  const d = db ?? (await getDb());
  const claims = deviceClaims(device);
  // The claims go with BEGIN (TransactionOptions.first), already as the staff member of the
  // batch's first mutation, who is usually the staff member of all of it: the claims name the
  // staff member whose run is applied (claimStaff), and only writes look at it (and the audit
  // log's readers, which a push does not read; what claimClient reads is for the location's
  // members, staff member or not).
  const firstStaff = req.mutations[0]?.staffId ?? null;
  let applied: Applied;
  try {
    applied = await d.transaction(async (tx) => {
      // 1. Lock the client's row (created on first use); another device's client id is refused.
      const head = await claimClient(tx, device, req);
      const a = await applyMutations(tx, device, req, head, firstStaff);
      // 7. The log, the rejections and the raised last id commit with the mutations they cover
      // (in the round trip of the COMMIT: the location's version row is held one round trip less).
      const f = finish(device, req.clientId, a.batch, a.last);
      tx.atCommit(f.sql, f.params);
      await hooks.beforeCommit?.();
      return a;
    }, { first: claimsStatement(withStaff(claims, firstStaff)) });
  } catch (err) {
    throw translateDbError(err);
  }
  if (applied.gap) throw gapError(applied);
  return applied.response;
}

/** Several pushes of one location (different clients) in one transaction: applyGroup. */
async function applyTogether(group: QueuedPush[]): Promise<Applied[]> {
  const d = group[0].db ?? (await getDb());
  const id = (p: QueuedPush) => p.req.clientId.toLowerCase(); // the database's order of the same uuids
  const byClient = [...group].sort((a, b) => (id(a) < id(b) ? -1 : 1));
  return d.transaction(async (tx) => {
    // 1. Lock the clients' rows, each under its device's claims, before any write.
    const heads = await claimClients(tx, byClient);
    const out = (await applyAsOne(tx, group, heads)) ?? [];
    if (!out.length) {
      for (const p of group) {
        // under its own claims, its staff members' roles read again after the pushes before
        // it (one of them may have changed a role), as when it comes alone; the client's row
        // is already ours
        const firstStaff = p.req.mutations[0]?.staffId ?? null;
        const head = await claimClient(tx, p.device, p.req, claimsStatement(withStaff(deviceClaims(p.device), firstStaff)));
        out.push(await applyMutations(tx, p.device, p.req, head, firstStaff));
      }
    }
    // 7. as in applyPush, each under its own device's claims
    group.forEach((p, i) => {
      const a = out[i];
      for (const f of [claimsStatement(withStaff(deviceClaims(p.device), a.batch.claimedStaff)), finish(p.device, p.req.clientId, a.batch, a.last)]) tx.atCommit(f.sql, f.params);
    });
    return out;
  });
}

/**
 * Steps 2-6 for a group whose pushes hold only order mutations (a storm's sales, with their
 * payments): every push checked as applyMutations checks it, then all of their runs in one
 * call of app.apply_group, which applies them as app.apply_mutations applies one push's
 * run, so that the database's work per call is done once for the group (20261127000100,
 * 20261127000200). Null, with nothing written, when a push holds anything else or the call
 * would refuse or flag something: each push is then applied in turn.
 */
async function applyAsOne(tx: Tx, group: QueuedPush[], heads: Map<QueuedPush, Head>): Promise<(Applied & { batch: Batch; last: number })[] | null> {
  const planned: (Applied & { batch: Batch; last: number })[] = [];
  for (const p of group) {
    const head = heads.get(p)!;
    const at = { last: head.last, gap: null as Applied['gap'] };
    const batch: Batch = { roles: head.roles, claimedStaff: p.req.mutations[0]?.staffId ?? null, savepoint: false, logs: [], recons: [], run: [] };
    const results: MutationResult[] = [];
    for (const m of fresh(p.req, at, results)) {
      const checked = check(batch, m);
      if ('status' in checked) {
        results.push(checked);
        continue;
      }
      if (!sqlMutatorNames.has(m.name)) return null;
      batch.run.push({ m, args: checked.args, slot: results.length });
      results.push({ id: m.id, status: 'applied' });
    }
    planned.push({ response: { lastMutationId: at.last, results }, gap: at.gap, batch, last: at.last });
  }
  const runs = group
    .map((p, i) => ({ c: runContext(p.device, heads.get(p)!.code, p.req.clientId), ms: planned[i].batch.run.map(({ m, args }) => runMutation(m, args)) }))
    .filter((r) => r.ms.length);
  if (runs.length < 2) return null;
  // under the first run's device's claims: a sale's rows are the location's (row-level
  // security asks that the device work there, which every device of the group does)
  const lead = group.find((_, i) => planned[i].batch.run.length)!;
  const staff = planned[group.indexOf(lead)].batch.run[0].m.staffId;
  const [, [{ ok }]] = await tx.queryAll<{ ok: boolean }>([
    claimsStatement(withStaff(deviceClaims(lead.device), staff)),
    { sql: `select app.apply_group($1::jsonb, $2::jsonb) as ok`, params: [JSON.stringify(runs[0].c), JSON.stringify(runs)] },
  ]);
  if (!ok) return null;
  for (const a of planned) {
    for (const { m } of a.batch.run) a.batch.logs.push(logEntry(m, m.staffId, 'applied', null));
  }
  return planned;
}

/** Steps 2-6 for one push, its client's row locked and the claims its first mutation's staff member's. */
async function applyMutations(tx: Tx, device: DeviceIdentity, req: PushRequest, head: Head, firstStaff: string | null): Promise<Applied & { batch: Batch; last: number }> {
  const claims = deviceClaims(device);
  const at = { last: head.last, gap: null as Applied['gap'] };
  const batch: Batch = { roles: head.roles, claimedStaff: firstStaff, savepoint: false, logs: [], recons: [], run: [] };
  const results: MutationResult[] = [];
  for (const m of fresh(req, at, results)) {
    // 4-6. Check args and staff, run the server mutator, log it: all or nothing.
    await applyOne(tx, batch, claims, device, head.code, req.clientId, m, results);
  }
  await flushRun(tx, batch, claims, device, head.code, req.clientId, results);
  return { response: { lastMutationId: at.last, results }, gap: at.gap, batch, last: at.last };
}

/**
 * Steps 2-3: the push's mutations past the client's last id, in order, until a gap, each
 * raising `at.last`; the duplicates before them are answered on the way.
 */
function* fresh(req: PushRequest, at: { last: number; gap: Applied['gap'] }, results: MutationResult[]): Generator<Mutation> {
  for (const m of req.mutations) {
    // 2. An id at or below last was applied before: skip it.
    if (m.id <= at.last) {
      results.push({ id: m.id, status: 'duplicate' });
      continue;
    }
    // 3. An id past last + 1 means the client skipped one: stop here.
    if (m.id > at.last + 1) {
      at.gap = { expected: at.last + 1, lastMutationId: at.last };
      return;
    }
    at.last = m.id;
    yield m;
  }
}

interface Head {
  last: number;
  code: string;
  roles: Map<string, string | null>;
}

/**
 * The client's row (locked), the device's order-number code and the role at this location
 * of every staff member named in the batch, in one statement. The roles are read once per
 * push, as before; a mutation in the batch that changes a role takes effect next push.
 */
async function claimClient(tx: Tx, device: DeviceIdentity, req: PushRequest, claims?: Statement): Promise<Head> {
  const statement = clientStatement(device, req);
  let row: ClientRow;
  try {
    // with the device's claims in the same round trip when they are not set yet
    row = claims ? (await tx.queryAll<ClientRow>([claims, statement]))[1][0] : (await tx.query<ClientRow>(statement.sql, statement.params)).rows[0];
  } catch (err) {
    if (sqlState(err) === '42501') throw new AppError('FORBIDDEN', 'This client id belongs to another device. Reset this tablet’s local data to start a new client.');
    throw err;
  }
  return headOf(req, row);
}

/** Every client's row of a group, each under its device's claims, in one round trip (any refusal fails the group: applyGroup). */
async function claimClients(tx: Tx, pushes: QueuedPush[]): Promise<Map<QueuedPush, Head>> {
  const rows = await tx.queryAll<ClientRow>(pushes.flatMap((p) => [claimsStatement(deviceClaims(p.device)), clientStatement(p.device, p.req)]));
  return new Map(pushes.map((p, i) => [p, headOf(p.req, rows[2 * i + 1][0])]));
}

type ClientRow = { last: number; code: string | null; roles: Record<string, string> | null };
const staffOf = (req: PushRequest) => [...new Set(req.mutations.map((m) => m.staffId))];

function clientStatement(device: DeviceIdentity, req: PushRequest): Statement {
  return {
    sql: `select app.claim_sync_client($1, $2) as last,
              (select code from public.devices where id = $3) as code,
              (select jsonb_object_agg(s.id, s.role) from public.staff s
               join public.staff_locations sl on sl.staff_id = s.id and sl.location_id = $4 and not sl.deleted
               where s.id = any($5::uuid[]) and s.active and not s.deleted) as roles`,
    // the staff ids as an array literal: they are uuids (the push's schema), and it can travel inlined
    params: [req.clientId, req.schemaVersion, device.deviceId, device.locationId, `{${staffOf(req).join(',')}}`],
  };
}

function headOf(req: PushRequest, row: ClientRow): Head {
  if (!row.code) throw new AppError('UNAUTHENTICATED', 'This device was revoked. Ask a manager to register it again.');
  return { last: row.last, code: row.code, roles: new Map(staffOf(req).map((id) => [id, row.roles?.[id] ?? null])) };
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
  const checked = check(batch, m);
  if ('status' in checked) {
    results.push(checked);
    return;
  }
  const { args, role } = checked;
  const run = serverMutators[m.name]!;
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

/** Steps 4-5: a mutation's args and staff member. Touches nothing, so a refusal here (logged in the batch) has no effects to undo. */
function check(batch: Batch, m: Mutation): { args: unknown; role: string } | MutationResult {
  const def = mutatorDefs.get(m.name);
  let role: string | null = null;
  try {
    if (!def || !serverMutators[m.name]) throw new AppError('VALIDATION_FAILED', `Unknown mutation "${m.name}". Update the app on this tablet.`);
    const parsed = def.args.safeParse(m.args);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new AppError('VALIDATION_FAILED', `The ${m.name} mutation is not valid (${first?.path.join('.') || 'args'}: ${first?.message}).`);
    }
    role = batch.roles.get(m.staffId) ?? null;
    if (!role) throw new AppError('FORBIDDEN', 'That staff member does not work at this location.');
    if (!roleAllowed(def, role)) throw new AppError('FORBIDDEN', `A ${role.replace('_', ' ')} cannot do ${m.name}; ask a manager.`);
    return { args: parsed.data, role };
  } catch (err) {
    return reject(batch, m, role, err as AppError);
  }
}

/** What app.apply_mutations and app.apply_group take as a push's context and its run's mutations. */
const runContext = (device: DeviceIdentity, code: string, clientId: string) => ({ deviceId: device.deviceId, deviceCode: code, locationId: device.locationId, organizationId: device.organizationId, clientId });
const runMutation = (m: Mutation, args: unknown) => ({ id: m.id, name: m.name, staffId: m.staffId, clientTime: m.clientTime, args });

/** Runs the waiting SQL mutations in one call; each is its own savepoint inside it. */
async function flushRun(tx: Tx, batch: Batch, claims: Claims, device: DeviceIdentity, code: string, clientId: string, results: MutationResult[]) {
  const run = batch.run;
  if (!run.length) return;
  batch.run = [];
  await claimStaff(tx, batch, claims, run[0].m.staffId);
  const ctx = runContext(device, code, clientId);
  const ms = run.map(({ m, args }) => runMutation(m, args));
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

/** The batch's log entries, its rejections' reconciliation items and the raised last id, in one statement, for the push's commit. */
function finish(device: DeviceIdentity, clientId: string, batch: Batch, last: number): Statement {
  return {
    sql: `with log as (
       insert into public.mutation_log (client_id, mutation_id, device_id, location_id, staff_id, name, args, client_time, status, error)
       select $1::uuid, x.mutation_id, $2::uuid, $3::uuid, x.staff_id, x.name, coalesce(x.args, 'null'::jsonb), x.client_time, x.status, x.error
       from jsonb_to_recordset($4::jsonb) as x(mutation_id bigint, staff_id uuid, name text, args jsonb, client_time timestamptz, status text, error jsonb)
     ), recon as (
       insert into public.reconciliation_items (location_id, kind, summary, details, device_id, staff_id, client_id, mutation_id)
       select $3::uuid, x.kind, left(x.summary, 500), x.details, $2::uuid, x.staff_id, $1::uuid, x.mutation_id
       from jsonb_to_recordset($5::jsonb) as x(kind text, summary text, details jsonb, staff_id uuid, mutation_id bigint)
     )
     update public.sync_clients set last_mutation_id = greatest(last_mutation_id, $6::bigint) where id = $1::uuid`,
    params: [clientId, device.deviceId, device.locationId, JSON.stringify(batch.logs), JSON.stringify(batch.recons), last],
  };
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
