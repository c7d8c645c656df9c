// Rate limits and lockouts for sign-in and device-token exchange (DESIGN §5, issue #2).
//
// The lockout is built so that a flood cannot be turned against a real user for long:
//  - failures lock the (account, IP) pair, so an attacker's address locks only itself;
//  - an account-wide lock (many failures from many addresses) lasts one minute at most;
//  - a browser that has signed in to the account before carries a "known device" cookie
//    (OWASP's device-cookie scheme) that is exempt from both account locks and has a
//    failure budget of its own.
// State is in memory, per process: in connected mode behind a load balancer each server
// counts on its own, which loosens the limits by the number of servers, never tightens them.

export type Clock = () => number;

interface Window {
  hits: number[];
  lockedUntil: number;
  strikes: number;
}

export interface Verdict {
  ok: boolean;
  retryAfterSeconds: number;
}

export class Limiter {
  private readonly map = new Map<string, Window>();
  private readonly opts: { limit: number; windowMs: number; lockMs: number; maxLockMs?: number };
  private readonly now: Clock;
  // Plain fields, not parameter properties: the server code stays erasable TypeScript
  // that Node runs as it is (scripts and benchmarks import it directly).
  constructor(opts: { limit: number; windowMs: number; lockMs: number; maxLockMs?: number }, now: Clock = Date.now) {
    this.opts = opts;
    this.now = now;
  }

  private get(key: string): Window {
    let w = this.map.get(key);
    if (!w) {
      w = { hits: [], lockedUntil: 0, strikes: 0 };
      this.map.set(key, w);
      if (this.map.size > 100_000) this.sweep();
    }
    return w;
  }

  /** Is the key locked now? */
  check(key: string): Verdict {
    const w = this.map.get(key);
    const t = this.now();
    if (w && w.lockedUntil > t) return { ok: false, retryAfterSeconds: Math.ceil((w.lockedUntil - t) / 1000) };
    return { ok: true, retryAfterSeconds: 0 };
  }

  /** Counts one event; when the window fills, the key locks (longer on each repeat, up to maxLockMs). */
  hit(key: string): Verdict {
    const t = this.now();
    const w = this.get(key);
    if (w.lockedUntil > t) return { ok: false, retryAfterSeconds: Math.ceil((w.lockedUntil - t) / 1000) };
    w.hits = w.hits.filter((h) => h > t - this.opts.windowMs);
    w.hits.push(t);
    if (w.hits.length >= this.opts.limit) {
      const lock = Math.min(this.opts.lockMs * 2 ** w.strikes, this.opts.maxLockMs ?? this.opts.lockMs);
      w.strikes++;
      w.lockedUntil = t + lock;
      w.hits = [];
    }
    return { ok: true, retryAfterSeconds: 0 };
  }

  reset(key: string): void {
    this.map.delete(key);
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, w] of this.map) {
      if (w.lockedUntil <= t && w.hits.every((h) => h <= t - this.opts.windowMs)) this.map.delete(k);
    }
  }
}

const MIN = 60_000;

export function createSigninGuards(now: Clock = Date.now) {
  return {
    /** Any sign-in attempt from an address: 30 per 5 minutes. */
    ip: new Limiter({ limit: 30, windowMs: 5 * MIN, lockMs: 5 * MIN }, now),
    /** Failures for one account from one address: 5 per 15 minutes, then 5 min, doubling to 1 h. */
    accountIp: new Limiter({ limit: 5, windowMs: 15 * MIN, lockMs: 5 * MIN, maxLockMs: 60 * MIN }, now),
    /** Failures for one account from everywhere: 20 per 15 minutes, then 1 minute, never longer. */
    account: new Limiter({ limit: 20, windowMs: 15 * MIN, lockMs: MIN, maxLockMs: MIN }, now),
    /** Failures through one known-device cookie: 10 per 15 minutes, then the cookie is ignored for 15 min. */
    knownDevice: new Limiter({ limit: 10, windowMs: 15 * MIN, lockMs: 15 * MIN }, now),
  };
}

export function createDeviceTokenGuards(now: Clock = Date.now) {
  return {
    /** Token exchanges from an address: 120 per 5 minutes (a shop's tablets share one address). */
    ip: new Limiter({ limit: 120, windowMs: 5 * MIN, lockMs: 5 * MIN }, now),
    /** Failures for one device from one address: 10 per 15 minutes. Keyed by address too, so a
     * flood against a device id cannot lock the real tablet out of its own token. */
    deviceIp: new Limiter({ limit: 10, windowMs: 15 * MIN, lockMs: 5 * MIN, maxLockMs: 60 * MIN }, now),
  };
}
