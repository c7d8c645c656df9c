// The only way an optimistic applier writes the local tables: before a row is changed for
// the first time since the last pull, its server copy is kept in `shadow`, so a pull can
// restore the server's truth and re-apply whatever is still pending (DESIGN §6).
import type { LocalDb } from '../db/local-db.ts';
import type { SyncedTable } from '../../shared/sync/protocol.ts';

export type Row = Record<string, unknown> & { id: string };

export class LocalWriter {
  readonly db: LocalDb;
  private readonly seen = new Set<string>();

  constructor(db: LocalDb) {
    this.db = db;
  }

  /**
   * The pre-image of a row about to change, once per row per writer: its shadow unless it
   * already has one. Returns the shadow write still to do (null if none), so the caller
   * issues it together with its own write: on a tap every IndexedDB round trip counts.
   */
  private async keep(table: SyncedTable, id: string, current?: Row | undefined): Promise<(() => Promise<unknown>) | null> {
    const key = `${table}:${id}`;
    if (this.seen.has(key)) return null;
    this.seen.add(key);
    const [shadowed, row] = await Promise.all([this.db.shadow.get(key), current !== undefined ? current : this.db.rows(table).get(id)]);
    if (shadowed) return null;
    return () => this.db.shadow.put({ key, table, rowId: id, row: (row as Record<string, unknown> | undefined) ?? null });
  }

  async get(table: SyncedTable, id: string): Promise<Row | undefined> {
    const r = (await this.db.rows(table).get(id)) as Row | undefined;
    return r && !r.deleted ? r : undefined;
  }

  async where(table: SyncedTable, index: string, value: string): Promise<Row[]> {
    const rows = (await this.db.rows(table).where(index).equals(value).toArray()) as Row[];
    return rows.filter((r) => !r.deleted);
  }

  async all(table: SyncedTable): Promise<Row[]> {
    return ((await this.db.rows(table).toArray()) as Row[]).filter((r) => !r.deleted);
  }

  async put(table: SyncedTable, row: Row): Promise<void> {
    const shadow = await this.keep(table, row.id);
    await Promise.all([shadow?.(), this.db.rows(table).put({ version: 0, deleted: false, ...row })]);
  }

  async update(table: SyncedTable, id: string, patch: Record<string, unknown>): Promise<void> {
    const raw = (await this.db.rows(table).get(id)) as Row | undefined;
    if (!raw || raw.deleted) return;
    const shadow = await this.keep(table, id, raw);
    await Promise.all([shadow?.(), this.db.rows(table).put({ ...raw, ...patch })]);
  }
}
