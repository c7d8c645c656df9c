// The only way an optimistic applier writes the local tables: before a row is changed for
// the first time since the last pull, its server copy is kept in `shadow`, so a pull can
// restore the server's truth and re-apply whatever is still pending (DESIGN §6).
//
// Writes are issued, not waited for: IndexedDB runs the requests of one transaction in the
// order they were made, so a read issued after a write sees it, and a row's pre-image read
// issued before its write sees the old row. Only reads cost a round trip on a tap; the
// writes finish together in `flush()`, which the caller (the outbox's or the rebase's one
// transaction) awaits before it commits, so a failed write still aborts the whole thing.
import Dexie from 'dexie';
import type { LocalDb } from '../db/local-db.ts';
import type { SyncedTable } from '../../shared/sync/protocol.ts';

export type Row = Record<string, unknown> & { id: string };

export class LocalWriter {
  readonly db: LocalDb;
  private readonly seen = new Set<string>();
  private pending: PromiseLike<unknown>[] = [];
  /** Rows a `modify` is still writing: the row as it will be once its write is issued. */
  private latest = new Map<string, PromiseLike<Row | undefined>>();
  private failed: { error: unknown } | null = null;

  constructor(db: LocalDb) {
    this.db = db;
  }

  /** Issues a write without waiting for it; `flush()` waits, and rethrows its failure. */
  defer(p: PromiseLike<unknown>): void {
    this.pending.push(p.then(undefined, (error) => void (this.failed ??= { error })));
  }

  /** Waits for every write issued so far. Must be awaited inside the transaction. */
  async flush(): Promise<void> {
    while (this.pending.length) await Promise.all(this.pending.splice(0));
    if (this.failed) throw this.failed.error;
  }

  /**
   * Keeps the pre-image of a row about to change, once per row per writer, unless it has a
   * shadow already: the shadow is added, never replaced, so an existing one (an earlier
   * pending mutation's) stays and the add's constraint error is the "already kept". The
   * row is the caller's copy when it has one, null for a row that did not exist (one
   * request, no round trip); otherwise it is read now, before the caller issues its write,
   * so it is the row as it was.
   */
  private keep(table: SyncedTable, id: string, current?: PromiseLike<Row | undefined> | Row | null): void {
    const key = `${table}:${id}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const add = (r: Record<string, unknown> | undefined) => this.db.shadow.add({ key, table, rowId: id, row: r ?? null }).catch(Dexie.ConstraintError, () => undefined);
    if (current === null) this.defer(add(undefined));
    else if (current && !('then' in current && typeof current.then === 'function')) this.defer(add(current as Row));
    else this.defer(Dexie.Promise.resolve(current ?? (this.db.rows(table).get(id) as PromiseLike<Row | undefined>)).then(add));
  }

  async get(table: SyncedTable, id: string): Promise<Row | undefined> {
    const r = (await (this.latest.get(`${table}:${id}`) ?? this.db.rows(table).get(id))) as Row | undefined;
    return r && !r.deleted ? r : undefined;
  }

  async where(table: SyncedTable, index: string, value: string): Promise<Row[]> {
    await this.settle(table);
    const rows = (await this.db.rows(table).where(index).equals(value).toArray()) as Row[];
    return rows.filter((r) => !r.deleted);
  }

  async all(table: SyncedTable): Promise<Row[]> {
    await this.settle(table);
    return ((await this.db.rows(table).toArray()) as Row[]).filter((r) => !r.deleted);
  }

  /** Waits until every `modify` of the table has issued its write (a query must see them). */
  private async settle(table: SyncedTable): Promise<void> {
    if (!this.latest.size) return;
    const prefix = `${table}:`;
    for (const [key, p] of this.latest) if (key.startsWith(prefix)) await p;
  }

  /**
   * Before a direct write of a row a `modify` is still writing: waits for that write to be
   * issued, so this one lands after it, and forgets it, so later reads go to the table.
   */
  private async settleRow(table: SyncedTable, id: string): Promise<void> {
    const key = `${table}:${id}`;
    const p = this.latest.get(key);
    if (!p) return;
    await p;
    if (this.latest.get(key) === p) this.latest.delete(key);
  }

  /**
   * A read-modify-write nobody waits for: `next` gets the row as it is (undefined when
   * there is none) and returns the row to write, or undefined to leave it. The read is
   * issued now; the write follows when it answers, before `flush()` returns. Until then
   * `get` answers with the row as it will be, and a second `modify` of the row builds on
   * the first, so a run of sales that use one inventory item counts every one of them,
   * and a tap waits for no round trip of its own here.
   */
  modify(table: SyncedTable, id: string, next: (current: Row | undefined) => Row | undefined): void {
    const key = `${table}:${id}`;
    const before = this.latest.get(key);
    const read = before ?? (this.db.rows(table).get(id) as PromiseLike<Row | undefined>);
    if (!before) this.keep(table, id, read);
    const after = Dexie.Promise.resolve(read).then((raw) => {
      const row = next(raw && !raw.deleted ? raw : undefined);
      if (!row) return raw;
      const stored = { version: 0, deleted: false, ...row };
      this.defer(this.db.rows(table).put(stored));
      return stored as Row;
    });
    this.latest.set(key, after);
    this.defer(after);
  }

  /**
   * Runs `write` once every `modify` of the row has issued its write: at once when none is
   * pending, and then what it returns is a Dexie promise, never a native wait of its own.
   * Dexie keeps a transaction's zone across only so many native awaits with no IndexedDB
   * request between them; an applier that awaits a writer call per line (a sale of 200
   * lines) would spend them all, and the transaction would commit half-way.
   */
  private afterRow(table: SyncedTable, id: string, write: () => PromiseLike<void> | void): Promise<void> {
    if (this.latest.has(`${table}:${id}`)) return this.settleRow(table, id).then(write);
    try {
      return Dexie.Promise.resolve(write());
    } catch (err) {
      return Dexie.Promise.reject(err); // as the async functions these were: a rejection, never a throw
    }
  }

  /**
   * Issued at once; resolves without waiting for IndexedDB (see the header). `current`: the
   * row as the caller just read it in this transaction (not deleted), which spares a read.
   */
  put(table: SyncedTable, row: Row, current?: Row): Promise<void> {
    return this.afterRow(table, row.id, () => {
      this.keep(table, row.id, current);
      this.defer(this.db.rows(table).put({ version: 0, deleted: false, ...row }));
    });
  }

  /**
   * A row this mutation brings into being: its id was made for it (a UUID the screen drew
   * for the new order, line or payment, or one derived from the mutation's key), so there
   * was no row before, and nothing to read: its pre-image is "no row". The shadow is added,
   * never replaced, so should one exist after all the older pre-image stays.
   */
  create(table: SyncedTable, row: Row): Promise<void> {
    return this.afterRow(table, row.id, () => {
      this.keep(table, row.id, null);
      this.defer(this.db.rows(table).put({ version: 0, deleted: false, ...row }));
    });
  }

  /**
   * One round trip: the row (for the patch) and its shadow are read together; none when
   * the caller passes the row as it just read it in this transaction (not deleted).
   */
  update(table: SyncedTable, id: string, patch: Record<string, unknown>, current?: Row): Promise<void> {
    return this.afterRow(table, id, () => {
      const read = current ?? (this.db.rows(table).get(id) as PromiseLike<Row | undefined>);
      // the shadow read goes out with the row's read, before the write below
      this.keep(table, id, read);
      return Dexie.Promise.resolve(read).then((raw) => {
        if (!raw || raw.deleted) return; // an unchanged row keeps the shadow it had, or gets a copy of itself: harmless
        this.defer(this.db.rows(table).put({ ...raw, ...patch }));
      });
    });
  }
}
