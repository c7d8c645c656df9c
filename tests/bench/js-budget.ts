// What the JavaScript a screen ships is made of (issue #4: "under 100 KB of our own JS").
// The build writes hidden source maps beside the bundles (astro.config.mjs); each minified
// character is attributed to the source module its mapping segment names, so a chunk that
// mixes Dexie, zod, Svelte's runtime and our modules splits into our own code (src/**),
// each library (node_modules/<package>), and glue no source claims (a chunk's imports). A chunk's real gzip size is shared out in proportion to those minified bytes, so
// the parts add up to what the browser downloads.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { projectRoot } from '../../src/server/build.ts';

export const ASSETS = path.join(projectRoot, 'dist/client/_astro');

export interface JsBudget {
  /** gzip bytes of the files, as shipped */
  total: number;
  /** gzip bytes attributed to our own modules (src/**) */
  own: number;
  /** gzip bytes attributed to each library, and to glue ("(unmapped)") */
  libraries: Map<string, number>;
  /** gzip bytes attributed to each of our modules, by path under the project */
  modules: Map<string, number>;
}

const B64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

/** One line of a source map's `mappings`: [generated column, source index | -1] per segment. */
function decodeLine(line: string, state: { source: number }): [number, number][] {
  const out: [number, number][] = [];
  let col = 0;
  for (const seg of line.split(',')) {
    if (!seg) continue;
    const fields: number[] = [];
    let value = 0;
    let shift = 0;
    for (const ch of seg) {
      const d = B64.get(ch)!;
      value += (d & 31) << shift;
      if (d & 32) shift += 5;
      else {
        fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
    }
    col += fields[0];
    if (fields.length > 1) {
      state.source += fields[1];
      out.push([col, state.source]);
    } else out.push([col, -1]);
  }
  return out;
}

/** node_modules/<pkg or @scope/pkg>, our own src/<path>, or "(unmapped)". */
export function ownerOf(source: string | null): { own: boolean; name: string } {
  if (!source) return { own: false, name: '(unmapped)' };
  const nm = source.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = source.slice(nm + 'node_modules/'.length).split('/');
    return { own: false, name: parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0] };
  }
  const src = source.indexOf('src/');
  if (src >= 0) return { own: true, name: source.slice(src) };
  return { own: false, name: `(other) ${source}` };
}

/** Minified bytes of one bundle per source (null: no source claims them). */
export function bytesBySource(code: string, map: { sources: string[]; mappings: string } | null): Map<string | null, number> {
  const out = new Map<string | null, number>();
  const add = (k: string | null, n: number) => n > 0 && out.set(k, (out.get(k) ?? 0) + n);
  if (!map) {
    add(null, Buffer.byteLength(code));
    return out;
  }
  const lines = code.split('\n');
  const mapLines = map.mappings.split(';');
  const state = { source: 0 };
  // A segment without a source (Svelte's template strings, a module's trailing export list)
  // belongs to the module whose code precedes it; bytes before any mapped code (the chunk's
  // imports) stay unclaimed.
  let owner: string | null = null;
  lines.forEach((text, i) => {
    const segs = decodeLine(mapLines[i] ?? '', state);
    let at = 0;
    for (const [col, src] of segs) {
      add(owner, Buffer.byteLength(text.slice(at, col)));
      at = col;
      if (src >= 0) owner = map.sources[src];
    }
    add(owner, Buffer.byteLength(text.slice(at)) + (i < lines.length - 1 ? 1 : 0));
  });
  return out;
}

/** The budget of a list of bundle file names (as in /_astro/<name>). */
export function jsBudget(files: string[]): JsBudget {
  const b: JsBudget = { total: 0, own: 0, libraries: new Map(), modules: new Map() };
  for (const f of new Set(files)) {
    const file = path.join(ASSETS, path.basename(f));
    const code = fs.readFileSync(file, 'utf8');
    const gz = gzipSync(code).length;
    b.total += gz;
    const map = fs.existsSync(file + '.map') ? JSON.parse(fs.readFileSync(file + '.map', 'utf8')) : null;
    const bytes = bytesBySource(code, map);
    const raw = [...bytes.values()].reduce((s, n) => s + n, 0);
    for (const [source, n] of bytes) {
      const share = (gz * n) / raw;
      const o = ownerOf(source);
      if (o.own) {
        b.own += share;
        b.modules.set(o.name, (b.modules.get(o.name) ?? 0) + share);
      } else b.libraries.set(o.name, (b.libraries.get(o.name) ?? 0) + share);
    }
  }
  return b;
}

export const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** A few lines for the bench's log: the libraries, then our largest modules. */
export function describe(b: JsBudget, top = 8): string[] {
  const sorted = (m: Map<string, number>) => [...m].sort((x, y) => y[1] - x[1]);
  return [
    `total ${kb(b.total)} gzip: our code ${kb(b.own)}, libraries ${kb(b.total - b.own)}`,
    `libraries: ${sorted(b.libraries).map(([k, v]) => `${k} ${kb(v)}`).join(', ')}`,
    `our largest modules: ${sorted(b.modules).slice(0, top).map(([k, v]) => `${k} ${kb(v)}`).join(', ')}`,
  ];
}
