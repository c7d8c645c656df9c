// The syncing tab (DESIGN §6 One syncing tab): when the Web Lock is granted while the
// status is being published, the tab must still know it leads and push what waits.
// A status copied before the grant and written after it once left a tablet that never
// synced (the e2e pos test under load).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { LocalDb } from '../../src/client/db/local-db.ts';
import { SyncEngine } from '../../src/client/sync/engine.ts';
import { mutate } from '../../src/client/sync/outbox.ts';
import type { SyncTransport } from '../../src/client/sync/transport.ts';

const hop = () => new Promise<void>((r) => setImmediate(r));

describe('the sync leader', () => {
  afterEach(() => vi.unstubAllGlobals());

  it.each(Array.from({ length: 12 }, (_, i) => i))('leads and pushes when the lock arrives %i turns into a publish', async (turns) => {
    const db = new LocalDb(`leader-${turns}`, { indexedDB: new IDBFactory(), IDBKeyRange });
    await db.meta.put({ key: 'device', value: { deviceId: crypto.randomUUID(), locationId: crypto.randomUUID(), organizationId: crypto.randomUUID(), code: 'A' } });
    let grant: (() => void) | null = null;
    vi.stubGlobal('navigator', {
      locks: {
        request: (_name: string, cb: () => Promise<void>) => {
          grant = () => void cb();
          return new Promise(() => {});
        },
      },
    });
    const pushed: number[] = [];
    const transport: SyncTransport = {
      push: async (req) => {
        pushed.push(...req.mutations.map((m) => m.id));
        return { lastMutationId: req.mutations[req.mutations.length - 1].id, results: req.mutations.map((m) => ({ id: m.id, status: 'applied' as const })) };
      },
      pull: async () => ({ cookie: 'c1', lastMutationId: pushed.length ? pushed[pushed.length - 1] : 0, patch: [], more: false }),
    };
    const e = new SyncEngine({ db, transport, random: () => 0 });
    await e.start();
    await mutate(db, 'product.setSoldOut', { productId: crypto.randomUUID(), soldOut: true }, crypto.randomUUID());
    e.notify(); // a publish is now in flight
    for (let i = 0; i < turns; i++) await hop();
    grant!();
    for (let i = 0; i < 40 && (e.status.pending > 0 || e.status.syncing); i++) await hop();
    await e.sync();
    expect(e.status.leader).toBe(true);
    expect(pushed).toEqual([1]);
    expect(e.status.pending).toBe(0);
    // and a later local mutation is pushed without anyone asking
    await mutate(db, 'product.setSoldOut', { productId: crypto.randomUUID(), soldOut: false }, crypto.randomUUID());
    e.notify();
    await vi.waitFor(() => expect(pushed).toEqual([1, 2]));
    e.stop();
  });
});
