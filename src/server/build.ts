// Is the built server (dist/) older than its sources? `npm start` and the test suites'
// global setup both build only when it is, so a fresh clone works and a warm one is quick.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const serverEntry = path.join(projectRoot, 'dist/server/entry.mjs');

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of fs.readdirSync(p)) max = Math.max(max, newestMtime(path.join(p, e)));
  return max;
}

export function buildIsStale(): boolean {
  if (!fs.existsSync(serverEntry)) return true;
  const built = fs.statSync(serverEntry).mtimeMs;
  const inputs = ['src', 'sw', 'astro.config.mjs', 'package.json', 'package-lock.json'];
  return inputs.some((i) => newestMtime(path.join(projectRoot, i)) > built);
}

export function build(): void {
  console.log('[tandem] building the app (the build is missing or older than the source)…');
  // Always the production build, whoever asks: Vitest sets NODE_ENV=test, which makes Vite
  // ship Svelte's development runtime (bigger, slower), and the benchmarks would measure it.
  const env = { ...process.env, NODE_ENV: 'production' };
  const r = spawnSync(process.execPath, [path.join(projectRoot, 'node_modules/astro/bin/astro.mjs'), 'build'], {
    cwd: projectRoot,
    stdio: 'inherit',
    env,
  });
  if (r.status !== 0) {
    console.error('[tandem] the build failed; see above.');
    throw new Error('astro build failed');
  }
  const sw = spawnSync(process.execPath, [path.join(projectRoot, 'sw/build.ts')], { cwd: projectRoot, stdio: 'inherit', env });
  if (sw.status !== 0) throw new Error('the service worker build failed');
}

