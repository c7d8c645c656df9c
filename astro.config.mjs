// Astro: server output on the Node adapter (standalone), Svelte 5 islands.
// Astro's own origin check is off because src/middleware.ts enforces CSRF for
// cookie-authenticated requests of every content type (DESIGN §5), not only forms.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import svelte from '@astrojs/svelte';

/** "<version>+<commit>" for src/shared/app-version.ts; a tree that is not a git checkout says "local". */
function appVersion() {
  const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
  let commit = 'local';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || commit;
  } catch {
    /* no git */
  }
  return `${version}+${commit}`;
}

export default defineConfig({
  output: 'server',
  // The top level of the repository is fixed (DESIGN §3), so static files live under src/.
  publicDir: './src/public',
  adapter: node({ mode: 'standalone', bodySizeLimit: 9 * 1024 * 1024 }),
  integrations: [svelte()],
  server: { port: 4321 },
  security: { checkOrigin: false },
  vite: {
    define: { __TANDEM_VERSION__: JSON.stringify(appVersion()) },
    // Source maps beside the bundles, not linked from them: tests/bench/js-budget.ts reads
    // them to tell our own code from the libraries in what /pos ships. The service worker
    // does not precache them (sw/build.ts takes *.js, *.css and *.woff2 only).
    build: { sourcemap: 'hidden' },
    ssr: { external: ['@electric-sql/pglite', 'pg'] },
    optimizeDeps: { exclude: ['@electric-sql/pglite'] },
  },
});
