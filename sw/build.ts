// Builds the service worker into the app's output: esbuild bundles sw/sw.ts, then Workbox
// injects the precache manifest (the hashed assets of dist/client, plus the device
// screens, which the server renders, under a revision that changes with every build).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { injectManifest } from 'workbox-build';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const client = path.join(root, 'dist/client');
const out = path.join(client, 'sw.js');

// /desk joins when the front desk screen exists (issue #5).
export const DEVICE_SCREENS = ['/setup', '/pos', '/desk'];

function hashTree(dir: string, h = createHash('sha256')) {
  if (!fs.existsSync(dir)) return h;
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) hashTree(p, h);
    else if (!p.endsWith('sw.js')) h.update(e.name).update(fs.readFileSync(p));
  }
  return h;
}

export async function buildServiceWorker() {
  await build({ entryPoints: [path.join(root, 'sw/sw.ts')], outfile: out, bundle: true, format: 'iife', minify: true, target: 'es2022', logLevel: 'warning' });
  // The screens' HTML comes from the server build; its revision follows the whole build.
  const revision = hashTree(path.join(root, 'dist/server'), hashTree(client)).digest('hex').slice(0, 16);
  const { count, size, warnings } = await injectManifest({
    swSrc: out,
    swDest: out,
    globDirectory: client,
    globPatterns: ['_astro/**/*.{js,css,woff2}', '*.{svg,png,webmanifest}', 'icons/*.png'],
    additionalManifestEntries: DEVICE_SCREENS.map((url) => ({ url, revision })),
    maximumFileSizeToCacheInBytes: 5 * 1024 * 1024,
  });
  for (const w of warnings) console.warn('[sw]', w);
  console.log(`[sw] service worker precaches ${count} files (${Math.round(size / 1024)} KB)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildServiceWorker();
