// Exponential backoff with full jitter: bounded by 1 s × 2^failures, capped at a minute.
import { describe, expect, it } from 'vitest';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { LocalDb } from '../../src/client/db/local-db.ts';
import { SyncEngine } from '../../src/client/sync/engine.ts';
import { SyncHttpError } from '../../src/client/sync/transport.ts';

describe('sync backoff', () => {
  it('grows exponentially, is jittered, and caps at a minute', async () => {
    const db = new LocalDb('backoff', { indexedDB: new IDBFactory(), IDBKeyRange });
    let r = 1;
    const down = () => Promise.reject(new SyncHttpError(0, 'NETWORK', 'down'));
    const e = new SyncEngine({ db, transport: { push: down, pull: down }, random: () => r });
    await db.meta.put({ key: 'device', value: { deviceId: crypto.randomUUID(), locationId: crypto.randomUUID(), organizationId: crypto.randomUUID(), code: 'A' } });
    const caps: number[] = [];
    for (let i = 0; i < 10; i++) {
      await e.sync().catch(() => {});
      caps.push(e.backoffMs());
    }
    expect(caps.slice(0, 6)).toEqual([2000, 4000, 8000, 16000, 32000, 60000]);
    expect(caps[9]).toBe(60000);
    r = 0.25;
    expect(e.backoffMs()).toBe(15000);
    expect(e.status.lastError).toContain('down');
    expect(e.status.online).toBe(false);
  });
});
