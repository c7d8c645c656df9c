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
}

export interface Db {
  readonly mode: 'embedded' | 'connected';
  /** A single statement outside any transaction, as the owner. Trusted code only. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  exec(sql: string): Promise<void>;
  /** One transaction: commit when fn resolves, roll back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
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
