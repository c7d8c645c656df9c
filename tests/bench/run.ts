// `npm run bench`: the figures of DESIGN §12, each beside a baseline
// measured in the same run. PostgreSQL runs when BENCH_DATABASE_URL or TEST_DATABASE_URL
// points at a server (a fresh database is made there and dropped), or the local default
// postgres://postgres@127.0.0.1:5432/postgres answers.
import pg from 'pg';
import { build, buildIsStale } from '../../src/server/build.ts';
import { benchEngine, type Figure } from './sync-bench.ts';
import { benchBrowser } from './browser-bench.ts';
import { benchDesk } from './desk-bench.ts';

async function postgresAvailable(): Promise<boolean> {
  const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  process.env.TEST_DATABASE_URL = url;
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

if (buildIsStale()) build();
const figures: Figure[] = [];
const log = (s: string) => process.stderr.write(s + '\n');
log('benchmarking on PGlite…');
figures.push(...(await benchEngine('pglite', log)));
if (await postgresAvailable()) {
  log('benchmarking on PostgreSQL…');
  figures.push(...(await benchEngine('postgres', log)));
} else log('PostgreSQL: not reachable, skipped (set BENCH_DATABASE_URL)');
log('benchmarking the barista’s screen in Chromium…');
figures.push(...(await benchBrowser(log, Number(process.env.BENCH_ORDERS ?? 400))));
log('benchmarking the front desk in Chromium…');
figures.push(...(await benchDesk(log)));

const cols = ['engine', 'what', 'value', 'baseline', 'ratio'] as const;
const width = cols.map((c) => Math.max(c.length, ...figures.map((f) => String(f[c]).length)));
const line = (vals: string[]) => '| ' + vals.map((v, i) => v.padEnd(width[i])).join(' | ') + ' |';
console.log(line([...cols]));
console.log('|' + width.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const f of figures) console.log(line(cols.map((c) => String(f[c]))));
process.exit(0);
