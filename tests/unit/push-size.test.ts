// How much one push carries (src/client/sync/engine.ts): more at a time while the server
// answers quickly, never less than the first push's 10, never over the server's limits
// (500 mutations, 1 MB of JSON counted in UTF-8 bytes, as the server counts them).
import { describe, expect, it } from 'vitest';
import { PUSH_BATCH, pushSizeAfter, withinPushLimit } from '../../src/client/sync/engine.ts';
import { MAX_PUSH_BYTES, MAX_PUSH_MUTATIONS, type Mutation } from '../../src/shared/sync/protocol.ts';

const staffId = crypto.randomUUID();
const m = (id: number, args: unknown = { productId: crypto.randomUUID(), soldOut: true }): Mutation => ({ id, name: 'product.setSoldOut', args, staffId, clientTime: '2026-11-26T09:00:00.000Z' });
const body = (ms: Mutation[]) => Buffer.byteLength(JSON.stringify({ clientId: crypto.randomUUID(), schemaVersion: 1, mutations: ms }));

describe('pushSizeAfter', () => {
  it('doubles while a push comes back well within an eighth of a second, up to 500', () => {
    expect(PUSH_BATCH).toBe(10);
    expect(pushSizeAfter(PUSH_BATCH, 5)).toBe(20);
    expect(pushSizeAfter(20, 10)).toBe(40);
    expect(pushSizeAfter(40, 20)).toBe(80);
    expect(pushSizeAfter(80, 40)).toBe(160);
    expect(pushSizeAfter(160, 60)).toBe(320);
    expect(pushSizeAfter(320, 60)).toBe(MAX_PUSH_MUTATIONS);
    expect(pushSizeAfter(MAX_PUSH_MUTATIONS, 1)).toBe(MAX_PUSH_MUTATIONS);
    expect(pushSizeAfter(PUSH_BATCH, 0)).toBe(20);
  });

  it('aims at 120 ms, and never goes below the first push', () => {
    expect(pushSizeAfter(400, 500)).toBe(96);
    expect(pushSizeAfter(200, 400)).toBe(60);
    expect(pushSizeAfter(30, 180)).toBe(20);
    expect(pushSizeAfter(PUSH_BATCH, 400)).toBe(PUSH_BATCH);
    expect(pushSizeAfter(100, 2000)).toBe(PUSH_BATCH);
    // a short queue's last push says nothing about the server: back to the first size
    expect(pushSizeAfter(3, 10)).toBe(PUSH_BATCH);
    expect(pushSizeAfter(10, 5, 20)).toBe(20);
  });
});

describe('withinPushLimit', () => {
  it('keeps at most 500 mutations', () => {
    const ms = Array.from({ length: 600 }, (_, i) => m(i + 1));
    expect(withinPushLimit(ms)).toHaveLength(500);
    expect(withinPushLimit(ms.slice(0, 7)).map((x) => x.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('stops before 1 MB, counting bytes, not characters', () => {
    // 150,000 "é" are 150,000 characters and 300,000 bytes: three fit, four would not
    const ms = Array.from({ length: 6 }, (_, i) => m(i + 1, { note: 'é'.repeat(150_000) }));
    const kept = withinPushLimit(ms);
    expect(kept.map((x) => x.id)).toEqual([1, 2, 3]);
    expect(body(kept)).toBeLessThanOrEqual(MAX_PUSH_BYTES);
    expect(body(ms.slice(0, 4))).toBeGreaterThan(MAX_PUSH_BYTES);
  });

  it('fills up to the limit, and always sends the first', () => {
    const ms = Array.from({ length: 40 }, (_, i) => m(i + 1, { note: 'x'.repeat(100_000) }));
    const kept = withinPushLimit(ms);
    expect(kept).toHaveLength(10);
    expect(body(kept)).toBeLessThanOrEqual(MAX_PUSH_BYTES);
    expect(body(ms.slice(0, 11))).toBeGreaterThan(MAX_PUSH_BYTES);
    expect(withinPushLimit([m(1, { note: 'x'.repeat(2 * MAX_PUSH_BYTES) }), m(2)]).map((x) => x.id)).toEqual([1]);
  });
});
