// Pokes (DESIGN §6): every commit that raises a location's or an organization's version
// notifies 'tandem_poke' with 'loc:<id>' or 'org:<id>' (see app.next_location_version).
// One LISTEN per process fans the notifications out to the devices' event streams; a
// poke only says "pull now", so losing one costs at most the 30-second periodic pull.
import type { Db } from '../db/index.ts';

type Listener = () => void;

export class PokeHub {
  private readonly subs = new Map<string, Set<Listener>>();
  private started: Promise<() => Promise<void>> | null = null;
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  private start() {
    this.started ??= this.db.listen('tandem_poke', (payload) => {
      this.subs.get(payload)?.forEach((l) => l());
    });
    return this.started;
  }

  /** Calls `onPoke` when any of the keys (e.g. 'loc:<uuid>', 'org:<uuid>') is notified. */
  async subscribe(keys: string[], onPoke: Listener): Promise<() => void> {
    await this.start();
    for (const k of keys) {
      let s = this.subs.get(k);
      if (!s) this.subs.set(k, (s = new Set()));
      s.add(onPoke);
    }
    return () => {
      for (const k of keys) {
        const s = this.subs.get(k);
        s?.delete(onPoke);
        if (s && !s.size) this.subs.delete(k);
      }
    };
  }

  async close() {
    const stop = await this.started;
    this.started = null;
    await stop?.();
  }
}

const hubs = new WeakMap<Db, PokeHub>();
export function pokeHub(db: Db): PokeHub {
  let h = hubs.get(db);
  if (!h) hubs.set(db, (h = new PokeHub(db)));
  return h;
}

/** An SSE stream of pokes for one device, closed after maxMs so the device reconnects with a fresh token. */
export function pokeStream(hub: PokeHub, keys: string[], signal: AbortSignal, maxMs = 15 * 60_000): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      let closed = false;
      let pending: ReturnType<typeof setTimeout> | null = null;
      const send = (s: string) => {
        if (!closed) controller.enqueue(enc.encode(s));
      };
      // Coalesce a burst of commits into one poke.
      const poke = () => {
        pending ??= setTimeout(() => {
          pending = null;
          send(`event: poke\ndata: {}\n\n`);
        }, 20);
      };
      const unsubscribe = await hub.subscribe(keys, poke);
      const heartbeat = setInterval(() => send(': ping\n\n'), 20_000);
      const expire = setTimeout(() => cleanup(), maxMs);
      cleanup = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(expire);
        if (pending) clearTimeout(pending);
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      signal.addEventListener('abort', () => cleanup());
      send(`retry: 2000\nevent: ready\ndata: {}\n\n`);
    },
    cancel() {
      cleanup();
    },
  });
}
