// The lockout rules, on a clock the test controls: locks start, escalate and expire, and
// the account-wide lock that a distributed flood can trigger never lasts past a minute.
import { describe, expect, it } from 'vitest';
import { Limiter, createSigninGuards } from '../../src/server/auth/rate-limit.ts';

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('Limiter', () => {
  it('locks when the window fills and unlocks when the lock expires', () => {
    const c = clock();
    const l = new Limiter({ limit: 3, windowMs: 60_000, lockMs: 30_000, maxLockMs: 120_000 }, c.now);
    l.hit('k');
    l.hit('k');
    expect(l.check('k').ok).toBe(true);
    l.hit('k');
    expect(l.check('k')).toEqual({ ok: false, retryAfterSeconds: 30 });
    c.advance(29_000);
    expect(l.check('k').ok).toBe(false);
    c.advance(1_001);
    expect(l.check('k').ok).toBe(true);
    // a second lock lasts twice as long, capped
    l.hit('k'), l.hit('k'), l.hit('k');
    expect(l.check('k').retryAfterSeconds).toBe(60);
    c.advance(60_001);
    l.hit('k'), l.hit('k'), l.hit('k');
    expect(l.check('k').retryAfterSeconds).toBe(120);
    c.advance(120_001);
    l.hit('k'), l.hit('k'), l.hit('k');
    expect(l.check('k').retryAfterSeconds).toBe(120);
  });

  it('forgets hits older than the window', () => {
    const c = clock();
    const l = new Limiter({ limit: 2, windowMs: 10_000, lockMs: 5_000 }, c.now);
    l.hit('k');
    c.advance(10_001);
    l.hit('k');
    expect(l.check('k').ok).toBe(true);
  });

  it('keys are independent', () => {
    const l = new Limiter({ limit: 1, windowMs: 10_000, lockMs: 5_000 });
    l.hit('a');
    expect(l.check('a').ok).toBe(false);
    expect(l.check('b').ok).toBe(true);
  });
});

describe('sign-in guards', () => {
  it('an account-wide lock from a flood lasts one minute at most, however long the flood', () => {
    const c = clock();
    const g = createSigninGuards(c.now);
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 20; i++) g.account.hit('manager@demo.local');
      const v = g.account.check('manager@demo.local');
      expect(v.ok).toBe(false);
      expect(v.retryAfterSeconds).toBeLessThanOrEqual(60);
      c.advance(60_001);
      expect(g.account.check('manager@demo.local').ok).toBe(true);
    }
  });

  it('a per-address lock does not touch the same account from another address', () => {
    const g = createSigninGuards();
    for (let i = 0; i < 5; i++) g.accountIp.hit('m@x|10.0.0.66');
    expect(g.accountIp.check('m@x|10.0.0.66').ok).toBe(false);
    expect(g.accountIp.check('m@x|10.0.0.7').ok).toBe(true);
  });
});
