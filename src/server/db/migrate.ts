// One migration runner for PGlite, PostgreSQL and Supabase. It records applied
// versions in supabase_migrations.schema_migrations exactly where the Supabase CLI
// does, so `supabase db push` and this runner agree on what has been applied.
// On a database that is not Supabase it first applies supabase/compat/ (roles and the
// auth schema Supabase would provide), recorded in supabase_migrations.tandem_compat.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './types.ts';

export interface MigrateResult {
  supabase: boolean;
  compat: string[];
  applied: string[];
}

export function supabaseDir(): string {
  if (process.env.TANDEM_SUPABASE_DIR) return process.env.TANDEM_SUPABASE_DIR;
  // Source layout (src/server/db) and the built server (dist/server/chunks) both sit
  // below the project root; walk up to the folder that has supabase/migrations.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'supabase', 'migrations'))) return path.join(dir, 'supabase');
    dir = path.dirname(dir);
  }
  return path.resolve('supabase');
}

function sqlFiles(dir: string): { version: string; name: string; file: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const m = /^(\d+)_(.+)\.sql$/.exec(f)!;
      return { version: m[1], name: m[2], file: path.join(dir, f) };
    });
}

export async function migrate(db: Db, dir = supabaseDir()): Promise<MigrateResult> {
  return db.transaction(async (tx) => {
    // Two app servers starting together must not both migrate.
    await tx.query(`select pg_advisory_xact_lock(7262011)`);
    const { rows } = await tx.query<{ supabase: boolean }>(
      `select exists (select 1 from pg_roles where rolname = 'supabase_auth_admin') as supabase`,
    );
    const supabase = rows[0].supabase;
    await tx.exec(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (
        version text primary key, statements text[], name text);
      create table if not exists supabase_migrations.tandem_compat (
        name text primary key, applied_at timestamptz not null default now());`);
    const compat: string[] = [];
    if (!supabase) {
      const done = new Set(
        (await tx.query<{ name: string }>(`select name from supabase_migrations.tandem_compat`)).rows.map((r) => r.name),
      );
      for (const f of sqlFiles(path.join(dir, 'compat'))) {
        const key = `${f.version}_${f.name}`;
        if (done.has(key)) continue;
        await tx.exec(fs.readFileSync(f.file, 'utf8'));
        await tx.query(`insert into supabase_migrations.tandem_compat (name) values ($1)`, [key]);
        compat.push(key);
      }
    }
    const applied: string[] = [];
    const have = new Set(
      (await tx.query<{ version: string }>(`select version from supabase_migrations.schema_migrations`)).rows.map(
        (r) => r.version,
      ),
    );
    for (const f of sqlFiles(path.join(dir, 'migrations'))) {
      if (have.has(f.version)) continue;
      const sql = fs.readFileSync(f.file, 'utf8');
      await tx.exec(sql);
      await tx.query(`insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)`, [
        f.version,
        [sql],
        f.name,
      ]);
      applied.push(`${f.version}_${f.name}`);
    }
    // The device-token signing key is made here, once, with the schema: made lazily it
    // would be a write on some unrelated first request (and a race between servers).
    await tx.query(
      `insert into app.settings (key, value) values ('device_jwt_key', $1) on conflict (key) do nothing`,
      [randomBytes(32).toString('base64url')],
    );
    return { supabase, compat, applied };
  });
}
