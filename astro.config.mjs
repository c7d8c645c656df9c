// Astro: server output on the Node adapter (standalone), Svelte 5 islands.
// Astro's own origin check is off because src/middleware.ts enforces CSRF for
// cookie-authenticated requests of every content type (DESIGN §5), not only forms.
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';
import svelte from '@astrojs/svelte';

export default defineConfig({
  output: 'server',
  // The top level of the repository is fixed (DESIGN §3), so static files live under src/.
  publicDir: './src/public',
  adapter: node({ mode: 'standalone', bodySizeLimit: 9 * 1024 * 1024 }),
  integrations: [svelte()],
  server: { port: 4321 },
  security: { checkOrigin: false },
  vite: {
    ssr: { external: ['@electric-sql/pglite', 'pg'] },
    optimizeDeps: { exclude: ['@electric-sql/pglite'] },
  },
});
