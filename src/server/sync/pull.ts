// POST /api/sync/pull (DESIGN §6). The cookie is the device's location version and its
// organization's version. Versions are taken under a row lock inside each writer's
// transaction, so they follow commit order: every row a later pull can see has a version
// above any cookie handed out before it committed, and no transaction is skipped.
// A pull reads in one REPEATABLE READ snapshot so its rows and its versions agree.
import { SCHEMA_VERSION, SYNCED_TABLES, type PatchOp, type PullRequest, type PullResponse, type QueueReport, type SyncedTable } from '../../shared/sync/protocol.ts';
import { claimsStatement, getDb, sqlState, translateDbError, type Db, type Tx } from '../db/index.ts';
import type { DeviceIdentity } from './push.ts';

export const DEFAULT_PAGE_SIZE = 2000;

interface Cookie {
  s: number;
  l: number;
  o: number;
  /** Set while a full snapshot is being paged: its later pages skip tombstones too. */
  f?: 1;
}

export function encodeCookie(c: Cookie): string {
  return Buffer.from(JSON.stringify({ v: 1, ...c })).toString('base64url');
}

export function decodeCookie(raw: string | null): Cookie | null {
  if (!raw) return null;
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (c?.v !== 1 || ![c.s, c.l, c.o].every((n) => Number.isSafeInteger(n) && n >= 0)) return null;
    return { s: c.s, l: c.l, o: c.o, ...(c.f === 1 ? { f: 1 as const } : {}) };
  } catch {
    return null;
  }
}

const LOCATION_TABLES = (Object.keys(SYNCED_TABLES) as SyncedTable[]).filter((t) => SYNCED_TABLES[t] === 'location');
const ORG_TABLES = (Object.keys(SYNCED_TABLES) as SyncedTable[]).filter((t) => SYNCED_TABLES[t] === 'org');

type Row = Record<string, unknown> & { id: string; version: number; deleted: boolean };

/**
 * Rows of one scope with since < version ≤ upto, the first `limit` by version across all
 * tables. The page's end is found first from the versions alone (one statement over every
 * table, each read in version order from its (scope, version) index and stopped once the
 * page is full); then only the tables with rows in the page are read, and only up to its
 * end. Reading `limit` whole rows from every table and keeping the first `limit` overall
 * sent up to three times the page through the driver on a reconnect after many sales.
 */
async function stream(
  tx: Tx,
  tables: SyncedTable[],
  scope: 'location' | 'org',
  scopeId: string,
  since: number,
  upto: number,
  limit: number,
  full: boolean,
): Promise<{ rows: { table: SyncedTable; row: Row }[]; truncated: boolean }> {
  // A full snapshot has no use for tombstones: the client starts from clear.
  const where = (table: SyncedTable) => {
    const own = table === 'locations' || table === 'organizations';
    const col = own ? 'id' : scope === 'location' ? 'location_id' : 'organization_id';
    return `${col} = $1 and version > $2 and version <= $3 ${full ? 'and not deleted' : ''}`;
  };
  const { rows: versions } = await tx.query<{ t: number; version: number }>(
    `select t, version from (${tables.map((table, i) => `(select ${i} as t, version from public.${table} where ${where(table)} order by version limit $4)`).join(' union all ')}) v
     order by version limit $4`,
    [scopeId, since, upto, limit + 1],
  );
  const truncated = versions.length > limit;
  const page = versions.slice(0, limit);
  if (!page.length) return { rows: [], truncated: false };
  const end = page[page.length - 1].version;
  // the page's rows of each table with any, in one round trip
  const inPage = [...new Set(page.map((v) => v.t))].sort((a, b) => a - b).map((i) => tables[i]);
  const rowsOf = await tx.queryAll<Row>(inPage.map((table) => ({ sql: `select * from public.${table} where ${where(table)} order by version`, params: [scopeId, since, end] })));
  const all: { table: SyncedTable; row: Row }[] = [];
  inPage.forEach((table, i) => {
    for (const row of rowsOf[i]) all.push({ table, row });
  });
  all.sort((a, b) => a.row.version - b.row.version);
  return { rows: all, truncated };
}

function toOp(table: SyncedTable, row: Row): PatchOp {
  if (row.deleted) return { op: 'del', table, id: row.id };
  return { op: 'put', table, row: JSON.parse(JSON.stringify(row)) };
}

/**
 * How many times a pull is tried when its snapshot went stale: the client's row it records
 * contact on (below) was changed by a push of the same client that committed while the
 * pull read (a push whose answer the tablet stopped waiting for, still running), and
 * REPEATABLE READ refuses to write over it (40001). A pull writes only that contact and
 * the queue report, both idempotent, so the server tries it again at once rather than
 * send the tablet into its backoff.
 */
export const PULL_ATTEMPTS = 3;

export async function pull(device: DeviceIdentity, req: PullRequest, db?: Db, pageSize = DEFAULT_PAGE_SIZE, queue: QueueReport | null = null): Promise<PullResponse> {
  const d = db ?? (await getDb());
  for (let attempt = 1; ; attempt++) {
    try {
      return await pullOnce(d, device, req, pageSize, queue);
    } catch (err) {
      if (sqlState(err) === '40001' && attempt < PULL_ATTEMPTS) continue;
      throw translateDbError(err);
    }
  }
}

async function pullOnce(d: Db, device: DeviceIdentity, req: PullRequest, pageSize: number, queue: QueueReport | null): Promise<PullResponse> {
  return d.transaction(async (tx) => {
    // The snapshot is taken by the claims' statement, sent with BEGIN; the client's last
    // id comes from it with the versions (the same snapshot wherever it is read).
    const { rows: v } = await tx.query<{ location_version: number; org_version: number; last: number }>(
      `select v.location_version, v.org_version, app.client_last_mutation($1) as last from app.current_versions() v`,
      [req.clientId],
    );
    const now = { l: v[0].location_version, o: v[0].org_version };
    let cookie = decodeCookie(req.cookie);
    // Unknown, foreign-schema, or "from the future" (a restored database) cookies resync from scratch.
    if (cookie && (cookie.s !== SCHEMA_VERSION || req.schemaVersion !== SCHEMA_VERSION || cookie.l > now.l || cookie.o > now.o)) cookie = null;
    const fresh = cookie === null;
    const full = fresh || cookie?.f === 1;
    const since = cookie ?? { s: SCHEMA_VERSION, l: 0, o: 0 };
    const patch: PatchOp[] = fresh ? [{ op: 'clear' }] : [];

    const loc = await stream(tx, LOCATION_TABLES, 'location', device.locationId, since.l, now.l, pageSize, full);
    for (const r of loc.rows) patch.push(toOp(r.table, r.row));
    let next: Cookie = { s: SCHEMA_VERSION, l: loc.truncated ? loc.rows[loc.rows.length - 1].row.version : now.l, o: since.o };
    let more = loc.truncated;
    if (!loc.truncated) {
      const org = await stream(tx, ORG_TABLES, 'org', device.organizationId, since.o, now.o, Math.max(1, pageSize - loc.rows.length), full);
      for (const r of org.rows) patch.push(toOp(r.table, r.row));
      next = { ...next, o: org.truncated ? org.rows[org.rows.length - 1].row.version : now.o };
      more = org.truncated;
    }
    // `clear` comes only with the first page of a snapshot; its other pages carry f.
    if (full && more) next.f = 1;
    // A pull is contact too: the manager's day report is final only once every tablet has
    // been heard from since the day ended. sync_clients is not a synced table, so this
    // raises no version and pokes nobody; at most once a minute per client. Both this and
    // the queue report go with the COMMIT (Tx.atCommit): the pull needs nothing back.
    tx.atCommit(
      `update public.sync_clients set last_seen_at = now() where id = $1::uuid and device_id = $2::uuid and last_seen_at < now() - interval '1 minute'`,
      [req.clientId, device.deviceId],
    );
    // What the tablet says of its own queue (a header, see protocol.ts), for the console.
    if (queue) tx.atCommit(`select app.report_queue($1::integer, $2::timestamptz, $3::text)`, [queue.waiting, queue.oldest, queue.app]);
    return { cookie: encodeCookie(next), lastMutationId: v[0].last, more, patch };
  }, { isolation: 'repeatable read', first: claimsStatement({ role: 'authenticated', sub: device.deviceId, device_id: device.deviceId }) });
}
