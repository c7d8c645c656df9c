// The one way to the database (DESIGN §3). getDb() opens the engine the environment
// asks for: PostgreSQL when DATABASE_URL is set, PGlite under DATA_DIR otherwise.
// Request work goes through withClaims (RLS decides); trusted work through asService.
import path from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { keepStatistics } from './maintenance.ts';
import { migrate } from './migrate.ts';
import type { Claims, Db, QueryResult, Statement, TransactionOptions, Tx } from './types.ts';

export type { Claims, Db, Statement, TransactionOptions, Tx } from './types.ts';

export interface OpenOptions {
  /** postgres:// URL → connected mode. */
  url?: string;
  listenUrl?: string;
  /** PGlite data directory; 'memory://' for a throwaway database. */
  dataDir?: string;
}

export async function openDb(opts: OpenOptions): Promise<Db> {
  if (opts.url) return openPostgres({ url: opts.url, listenUrl: opts.listenUrl });
  return openPglite(opts.dataDir === 'memory://' ? undefined : opts.dataDir);
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): OpenOptions {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, listenUrl: env.DIRECT_DATABASE_URL || undefined };
  return { dataDir: path.resolve(env.DATA_DIR || '.data', 'pglite') };
}

let shared: Promise<Db> | null = null;

/**
 * The process's database, opened and migrated once. In embedded mode it also keeps the
 * planner's statistics as autovacuum would (maintenance.ts): PGlite has no autovacuum.
 */
export function getDb(): Promise<Db> {
  if (!shared) {
    shared = (async () => {
      const db = await openDb(optionsFromEnv());
      await migrate(db);
      if (db.mode !== 'embedded') return db;
      const stop = await keepStatistics(db);
      return {
        ...db,
        async close() {
          await stop();
          await db.close();
        },
      };
    })();
    shared.catch(() => {
      shared = null;
    });
  }
  return shared;
}

/** For tests and the start script: use this database as the process's. */
export function setDb(db: Db | null): void {
  shared = db ? Promise.resolve(db) : null;
}

/**
 * Runs fn in one transaction as role `authenticated` with request.jwt.claims set,
 * as PostgREST does on Supabase, so RLS policies decide what the principal sees.
 */
export async function withClaims<T>(claims: Claims, fn: (tx: Tx) => Promise<T>, db?: Db): Promise<T> {
  const d = db ?? (await getDb());
  return run(d, fn, { first: claimsStatement(claims) });
}

/**
 * The statement that sets the claims and role on a transaction: a transaction's first
 * (withClaims, and the sync push and pull, pass it as TransactionOptions.first, which sends
 * it with BEGIN), or later through enterClaims.
 */
export function claimsStatement(claims: Claims): Statement {
  return {
    sql: `select set_config('request.jwt.claims', $1, true), set_config('request.jwt.claim.sub', $2, true),
            set_config('role', $3, true)`,
    params: [JSON.stringify(claims), claims.sub ?? '', claims.role === 'anon' ? 'anon' : 'authenticated'],
  };
}

/** Sets the claims and role on an open transaction (the push's staff member, per run). */
export async function enterClaims(tx: Tx, claims: Claims): Promise<void> {
  const s = claimsStatement(claims);
  await tx.query(s.sql, s.params);
}

/** Trusted work (migrations, seeding, webhooks, sign-in look-ups) as the owner, explicitly. */
export async function asService<T>(fn: (tx: Tx) => Promise<T>, db?: Db): Promise<T> {
  const d = db ?? (await getDb());
  return run(d, fn);
}

/** One trusted statement as the owner, outside any transaction: for a look-up every request makes (a device's check), where BEGIN and COMMIT would be two round trips more. */
export async function serviceQuery<T = Record<string, unknown>>(sql: string, params: unknown[], db?: Db): Promise<QueryResult<T>> {
  const d = db ?? (await getDb());
  try {
    return await d.query<T>(sql, params);
  } catch (err) {
    throw translateDbError(err);
  }
}

async function run<T>(db: Db, fn: (tx: Tx) => Promise<T>, opts?: TransactionOptions): Promise<T> {
  try {
    return await db.transaction(fn, opts);
  } catch (err) {
    throw translateDbError(err);
  }
}

const TRANSIENT = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '53300', '08000', '08003', '08006', '08001', '08004']);

/** SQLSTATE of a driver error, if it has one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isTransient(err: unknown): boolean {
  const code = sqlState(err);
  if (code) return TRANSIENT.has(code) || code.startsWith('08');
  const msg = String((err as Error)?.message ?? '');
  return /ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded/i.test(msg);
}

/** Driver errors become AppErrors; internals never reach the client. */
export function translateDbError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  if (isTransient(err)) return new AppError('UNAVAILABLE', 'The database is busy or unreachable. Try again in a moment.');
  const code = sqlState(err);
  if (code === '42501') return new AppError('FORBIDDEN', 'You are not allowed to do that.');
  if (code === '23505') return new AppError('CONFLICT', 'That record already exists.');
  if (code === '23503' || code === '23514' || code === '23502' || code === '22P02')
    return new AppError('VALIDATION_FAILED', 'The data does not fit the rules of the database. Check it and try again.');
  return err;
}
