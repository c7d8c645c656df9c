// The shape every database adapter offers. Only files in src/server/db/ know which
// driver is behind it (DESIGN §2, §3); everything else sees Db and Tx.
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Tx {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Several statements, no parameters (migrations, seeds). */
  exec(sql: string): Promise<void>;
  /**
   * Statements whose results the caller does not need, run in order as the transaction
   * commits: in connected mode they go in the same round trip as its COMMIT, so the locks
   * the transaction holds (a location's version row) are held one round trip less. Nothing
   * may be queried after them. Parameters as for TransactionOptions.first.
   */
  atCommit(sql: string, params?: unknown[]): void;
  /**
   * Several statements' rows, in one round trip in connected mode (their parameters travel
   * as quoted literals, as for TransactionOptions.first): reads that do not depend on each
   * other, such as a pull's page of each table.
   */
  queryAll<T = Record<string, unknown>>(statements: Statement[]): Promise<T[][]>;
}

export interface Statement {
  sql: string;
  params?: unknown[];
}

export interface TransactionOptions {
  isolation?: 'repeatable read';
  /**
   * Run first, in the round trip of BEGIN in connected mode (the request's claims). Its
   * parameters are strings, numbers, booleans or null: they travel as quoted literals.
   */
  first?: Statement;
}

export interface Db {
  readonly mode: 'embedded' | 'connected';
  /** A single statement outside any transaction, as the owner. Trusted code only. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  exec(sql: string): Promise<void>;
  /** One transaction: commit when fn resolves, roll back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /** LISTEN on a channel; the returned function stops listening. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** JWT-style claims put into request.jwt.claims, the way PostgREST does on Supabase. */
export interface Claims {
  role: 'authenticated' | 'anon';
  /** auth.users id for a signed-in user; the device id for a device. */
  sub?: string;
  /** Set for a device principal. */
  device_id?: string;
  /** Set when a staff member on a device acts (mutations carry staffId). */
  staff_id?: string;
  [key: string]: unknown;
}
