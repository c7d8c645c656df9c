// The deferred push after a tap (src/client/sync/engine.ts, pushAfterMutationMs): a run
// of taps is pushed together a moment after the last one, so the next tap does not queue
// behind a push and rebase; but a counter that never pauses still sends, at the latest
// three waits after the first tap that is waiting.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { LocalDb } from '../../src/client/db/local-db.ts';
import { SyncEngine } from '../../src/client/sync/engine.ts';
import { mutateMany, SIGNED_IN } from '../../src/client/sync/outbox.ts';
import { SyncHttpError, type SyncTransport } from '../../src/client/sync/transport.ts';

const never: SyncTransport = { push: () => new Promise(() => {}), pull: () => new Promise(() => {}) };

function engineWithCountedSyncs(wait: number) {
  const e = new SyncEngine({ db: new LocalDb(`push-after-${crypto.randomUUID()}`, { indexedDB: new IDBFactory(), IDBKeyRange }), transport: never, pushAfterMutationMs: wait });
  const at: number[] = [];
  Object.assign(e, { leading: true, publish: async () => {}, sync: async () => void at.push(Date.now()) });
  return { e, at };
}

describe('the push after a tap', () => {
  afterEach(() => vi.useRealTimers());

  it('waits for a pause in the taps, then pushes once', () => {
    vi.useFakeTimers({ now: 0 });
    const { e, at } = engineWithCountedSyncs(1000);
    e.notify(); // at 0
    vi.advanceTimersByTime(400);
    e.notify(); // at 400
    vi.advanceTimersByTime(400);
    e.notify(); // at 800
    expect(at).toEqual([]);
    vi.advanceTimersByTime(999);
    expect(at).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(at).toEqual([1800]);
  });

  it('never waits more than three pauses after the first waiting tap, however fast the taps come', () => {
    vi.useFakeTimers({ now: 0 });
    const { e, at } = engineWithCountedSyncs(1000);
    for (let t = 0; t <= 5000; t += 500) {
      e.notify();
      vi.advanceTimersByTime(500);
    }
    vi.advanceTimersByTime(1000);
    // taps every half second: pushed at 3 s (three waits after the tap at 0), then at 6 s
    expect(at).toEqual([3000, 6000]);
  });

  it('pushes at once when there is no wait', () => {
    vi.useFakeTimers({ now: 0 });
    const { e, at } = engineWithCountedSyncs(0);
    e.notify();
    e.notify();
    expect(at).toEqual([0, 0]);
  });
});

describe('a poke', () => {
  it('asks for a pull alone: the queued taps wait for their own push, and a push asked for meanwhile still happens', async () => {
    const calls: string[] = [];
    let poke = () => {};
    let releasePull = () => {};
    const transport: SyncTransport = {
      push: async (b) => (calls.push(`push ${b.mutations.map((m) => m.id).join(',')}`), { lastMutationId: b.mutations[b.mutations.length - 1].id, results: b.mutations.map((m) => ({ id: m.id, status: 'applied' as const })) }),
      pull: () => (calls.push('pull'), new Promise((r) => (releasePull = () => r({ cookie: 'c', lastMutationId: 0, patch: [], more: false })))),
      events: (onPoke) => ((poke = onPoke), () => {}),
    };
    const db = new LocalDb(`poke-${crypto.randomUUID()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
    await db.meta.bulkPut([{ key: 'device', value: { deviceId: 'd', locationId: 'l', organizationId: 'o', code: 'A' } }, { key: 'clientId', value: 'c1' }]);
    const queue = (id: number) => db.outbox.add({ id, name: 'product.setSoldOut', args: { productId: crypto.randomUUID(), soldOut: true }, staffId: 's', clientTime: '' });
    await queue(1);
    const e = new SyncEngine({ db, transport, pushAfterMutationMs: 60_000 });
    await e.start(); // the first round: push, then pull
    await vi.waitFor(() => expect(calls).toEqual(['push 1', 'pull']));
    releasePull();
    await vi.waitFor(() => expect(e.status.syncing).toBe(false));
    await queue(2); // a tap since; its push waits for the pause after the taps
    poke();
    await vi.waitFor(() => expect(calls).toEqual(['push 1', 'pull', 'pull']));
    poke(); // another poke during that pull: one more pull, still no push
    releasePull();
    await vi.waitFor(() => expect(calls).toEqual(['push 1', 'pull', 'pull', 'pull']));
    const now = e.sync(); // "Sync now" during that pull: it joins, and a push follows
    releasePull();
    await vi.waitFor(() => expect(calls).toEqual(['push 1', 'pull', 'pull', 'pull', 'push 2', 'pull']));
    releasePull();
    await now;
    e.stop();
  });

  it('leaves a failing push\'s error on the chip and its backoff growing when it pulls alone', async () => {
    let poke = () => {};
    const transport: SyncTransport = {
      push: async () => {
        throw new SyncHttpError(500, 'INTERNAL', 'The server could not take the changes.');
      },
      pull: async () => ({ cookie: 'c', lastMutationId: 0, patch: [], more: false }),
      events: (onPoke) => ((poke = onPoke), () => {}),
    };
    const db = new LocalDb(`poke-fail-${crypto.randomUUID()}`, { indexedDB: new IDBFactory(), IDBKeyRange });
    await db.meta.bulkPut([{ key: 'device', value: { deviceId: 'd', locationId: 'l', organizationId: 'o', code: 'A' } }, { key: 'clientId', value: 'c1' }]);
    await db.outbox.add({ id: 1, name: 'product.setSoldOut', args: { productId: crypto.randomUUID(), soldOut: true }, staffId: 's', clientTime: '' });
    const e = new SyncEngine({ db, transport, random: () => 0.999 });
    await e.start();
    await vi.waitFor(() => expect(e.status.lastError).toMatch(/could not take/));
    await e.sync().catch(() => {}); // a second failure: the backoff doubles
    const backoff = e.backoffMs();
    expect(backoff).toBeGreaterThan(2000);
    poke();
    await vi.waitFor(() => expect(e.status.lastSyncAt).not.toBeNull()); // the pull went through
    expect(e.status.lastError).toMatch(/could not take/);
    expect(e.status.pending).toBe(1);
    expect(e.backoffMs()).toBe(backoff);
    e.stop();
  });

  it('is not what a second tab waits for: what it queues reaches the syncing tab at once', async () => {
    const name = `two-tabs-${crypto.randomUUID()}`;
    const idb = new IDBFactory();
    const pushed: number[] = [];
    const transport: SyncTransport = {
      push: async (b) => (pushed.push(...b.mutations.map((m) => m.id)), { lastMutationId: b.mutations[b.mutations.length - 1].id, results: b.mutations.map((m) => ({ id: m.id, status: 'applied' as const })) }),
      pull: async () => ({ cookie: 'c', lastMutationId: pushed.length ? pushed[pushed.length - 1] : 0, patch: [], more: false }),
    };
    // one Web Lock: the first tab to ask leads, the second waits
    let held = false;
    vi.stubGlobal('navigator', { locks: { request: (_n: string, cb: () => Promise<void>) => (held ? new Promise(() => {}) : ((held = true), cb())) } });
    try {
      const first = new LocalDb(name, { indexedDB: idb, IDBKeyRange });
      await first.meta.bulkPut([{ key: 'device', value: { deviceId: 'd', locationId: 'l', organizationId: 'o', code: 'A' } }, { key: 'currentStaff', value: 's' }]);
      const leader = new SyncEngine({ db: first, transport, pushAfterMutationMs: 0 });
      await leader.start();
      const second = new LocalDb(name, { indexedDB: idb, IDBKeyRange });
      const other = new SyncEngine({ db: second, transport, pushAfterMutationMs: 0 });
      await other.start();
      expect([leader.status.leader, other.status.leader]).toEqual([true, false]);
      await mutateMany(second, [{ name: 'product.setSoldOut', args: { productId: crypto.randomUUID(), soldOut: true } }], SIGNED_IN);
      other.notify();
      await vi.waitFor(() => expect(pushed).toEqual([1]));
      leader.stop();
      other.stop();
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
