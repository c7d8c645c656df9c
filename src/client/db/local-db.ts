// The tablet's database (Dexie over IndexedDB): the server's rows for this device's
// location and organization, with the still-pending mutations applied on top; the outbox
// of queued mutations; `shadow`, the server's copy of every row a pending mutation has
// changed (so a pull can put the server's truth back before re-applying); and `meta`.
// A wiped browser is a new database with a new clientId, so its mutation ids restart at 1.
import Dexie, { type Table } from 'dexie';
import { rowSchemas, type RowOf } from '../../shared/domain/rows.ts';
import { SYNCED_TABLE_NAMES, type SyncedTable } from '../../shared/sync/protocol.ts';

export interface OutboxEntry {
  id: number;
  name: string;
  args: unknown;
  staffId: string;
  clientTime: string;
}

export interface ShadowEntry {
  key: string;
  table: SyncedTable;
  rowId: string;
  row: Record<string, unknown> | null;
}

export interface MetaEntry {
  key: string;
  value: unknown;
}

/** Secondary indexes the screens and appliers query by. */
const INDEXES: Partial<Record<SyncedTable, string>> = {
  staff_locations: 'staff_id, location_id',
  customers: 'name, code, email, phone',
  products: 'category_id',
  product_availability: 'product_id',
  modifiers: 'group_id',
  product_modifier_groups: 'product_id',
  recipe_lines: 'product_id, modifier_id',
  orders: 'status, created_at, customer_id',
  order_items: 'order_id',
  payments: 'order_id',
  stock_movements: 'item_id, order_id',
  drawer_sessions: 'device_id, status',
  drawer_movements: 'drawer_session_id',
  loyalty_ledger: 'customer_id',
  class_sessions: 'starts_at',
  bookings: 'session_id, customer_id',
  customer_passes: 'customer_id',
  credit_ledger: 'pass_id, booking_id, customer_id',
  waivers: 'customer_id',
  reconciliation_items: 'status',
};

/** 2: credit_ledger by customer_id (a check-in reads a student's credits in one request). */
export const LOCAL_SCHEMA_VERSION = 2;

export class LocalDb extends Dexie {
  outbox!: Table<OutboxEntry, number>;
  shadow!: Table<ShadowEntry, string>;
  meta!: Table<MetaEntry, string>;

  constructor(name = 'tandem', deps?: { indexedDB: IDBFactory; IDBKeyRange: typeof IDBKeyRange }) {
    super(name, deps);
    const stores: Record<string, string> = { outbox: 'id', shadow: 'key', meta: 'key' };
    for (const t of SYNCED_TABLE_NAMES) stores[t] = ['id', INDEXES[t]].filter(Boolean).join(', ');
    this.version(LOCAL_SCHEMA_VERSION).stores(stores);
  }

  rows(t: SyncedTable): Table<Record<string, unknown>, string> {
    return this.table(t);
  }

  /** Every table a mutation or a pull may write, for one read-write transaction. */
  get writableTables(): Table[] {
    return [...SYNCED_TABLE_NAMES.map((t) => this.table(t)), this.outbox, this.shadow, this.meta];
  }
}

/** Reads rows back through the shared zod shapes; tombstones never reach a screen. */
export function parseRows<T extends SyncedTable>(t: T, rows: unknown[]): RowOf<T>[] {
  const schema = rowSchemas[t];
  return rows.map((r) => schema.parse(r) as RowOf<T>).filter((r) => !r.deleted);
}

export async function readAll<T extends SyncedTable>(db: LocalDb, t: T): Promise<RowOf<T>[]> {
  return parseRows(t, await db.rows(t).toArray());
}

export async function readOne<T extends SyncedTable>(db: LocalDb, t: T, id: string): Promise<RowOf<T> | undefined> {
  const r = await db.rows(t).get(id);
  return r ? parseRows(t, [r])[0] : undefined;
}

export async function getMeta<T>(db: LocalDb, key: string): Promise<T | undefined> {
  return (await db.meta.get(key))?.value as T | undefined;
}

export async function setMeta(db: LocalDb, key: string, value: unknown): Promise<void> {
  await db.meta.put({ key, value });
}

/** The clientId of this local database, made when it is first opened. */
export async function clientIdOf(db: LocalDb): Promise<string> {
  return db.transaction('rw', db.meta, async () => {
    let id = await getMeta<string>(db, 'clientId');
    if (!id) {
      id = crypto.randomUUID();
      await setMeta(db, 'clientId', id);
      await setMeta(db, 'nextMutationId', 1);
    }
    return id;
  });
}
