// After a pull: put the server's rows back wherever a pending mutation had changed them,
// apply the server's patch, drop what the server has confirmed, and re-apply what is
// still pending on top (DESIGN §6). All in one Dexie transaction, so the screens never
// see a half-applied state. A mutation the server rejected is confirmed too (its id is
// ≤ lastMutationId), so its optimistic effect disappears here.
import { SYNCED_TABLE_NAMES, type PatchOp, type SyncedTable } from '../../shared/sync/protocol.ts';
import { clientIdOf, type LocalDb } from '../db/local-db.ts';
import { appliers } from './appliers.ts';
import { applyContext, deviceInfo } from './outbox.ts';
import { LocalWriter } from './writer.ts';

const SYNCED = new Set<string>(SYNCED_TABLE_NAMES);

export async function rebase(db: LocalDb, patch: PatchOp[], cookie: string, lastMutationId: number): Promise<void> {
  const clientId = await clientIdOf(db);
  const device = await deviceInfo(db);
  await db.transaction('rw', db.writableTables, async () => {
    // Writes are issued without waiting for each: IndexedDB runs one transaction's
    // requests in the order they were made, so the restore, the patch, the outbox's
    // confirmed entries going and the re-apply still happen in that order; only reads are
    // waited for. The transaction holds every table, and a tap on the counter waits for it
    // to end, so it must not spend a round trip per step.
    const writes: PromiseLike<unknown>[] = [];
    // 1. The server's truth back under every row a pending mutation touched: one bulk
    // request per table (a shadow holds each row once, so their order does not matter;
    // one request per row was thousands after a reconnect with 1,000 sales queued). A row
    // the patch itself puts or deletes ends as the patch says whatever it was before, so
    // it is not restored first: after a reconnect that is nearly every shadowed row (the
    // tablet's own sales, confirmed, come back in the patch).
    const patched = new Set<string>();
    let cleared = false;
    for (const op of patch) {
      if (op.op === 'clear') cleared = true;
      else patched.add(`${op.table}:${op.op === 'put' ? op.row.id : op.id}`);
    }
    const back = new Map<SyncedTable, { put: Record<string, unknown>[]; del: string[] }>();
    for (const s of cleared ? [] : await db.shadow.toArray()) {
      if (patched.has(`${s.table}:${s.rowId}`)) continue;
      let b = back.get(s.table);
      if (!b) back.set(s.table, (b = { put: [], del: [] }));
      if (s.row) b.put.push(s.row);
      else b.del.push(s.rowId);
    }
    for (const [table, b] of back) {
      if (b.put.length) writes.push(db.rows(table).bulkPut(b.put));
      if (b.del.length) writes.push(db.rows(table).bulkDelete(b.del));
    }
    writes.push(db.shadow.clear());
    // 2. The patch, in order, a run of same-table puts (or deletes) at a time: one bulk
    // request instead of one per row (a reconnect after 1,000 sales is ~10,000 rows).
    let run: { table: SyncedTable; op: 'put' | 'del'; items: unknown[] } | null = null;
    const flush = () => {
      if (!run) return;
      const t = db.rows(run.table);
      writes.push(run.op === 'put' ? t.bulkPut(run.items as never[]) : t.bulkDelete(run.items as never[]));
      run = null;
    };
    for (const op of patch) {
      if (op.op === 'clear') {
        flush();
        for (const t of SYNCED_TABLE_NAMES) writes.push(db.rows(t).clear());
        continue;
      }
      if (!SYNCED.has(op.table)) continue; // a table this app version does not know
      if (run && (run.table !== op.table || run.op !== op.op)) flush();
      run ??= { table: op.table as SyncedTable, op: op.op, items: [] };
      run.items.push(op.op === 'put' ? op.row : op.id);
    }
    flush();
    // 3. Confirmed mutations leave the outbox; 4. the rest are applied again, in order
    // (the outbox is read after the delete was issued, so it sees only what is left).
    writes.push(db.outbox.where('id').belowOrEqual(lastMutationId).delete());
    const w = new LocalWriter(db);
    for (const p of writes) w.defer(p);
    for (const e of await db.outbox.orderBy('id').toArray()) {
      await appliers[e.name]?.(w, e.args, applyContext(device, clientId, e));
    }
    w.defer(db.meta.bulkPut([{ key: 'cookie', value: cookie }, { key: 'lastMutationId', value: lastMutationId }]));
    await w.flush();
  });
}
