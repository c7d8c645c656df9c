// The sync loop (DESIGN §6): push the outbox in order, then pull until up to date and
// rebase. It runs on start, on reconnect, on a poke, when the page becomes visible, every
// 30 s and after a local mutation; one round at a time; failures back off exponentially
// with full jitter. Only the tab holding the Web Lock syncs; other tabs see its writes
// through Dexie's live queries. The status object is what the screens' sync chip shows.
import { APP_VERSION } from '../../shared/app-version.ts';
import { MAX_PUSH_BYTES, MAX_PUSH_MUTATIONS, SCHEMA_VERSION, type Mutation, type PatchOp } from '../../shared/sync/protocol.ts';
import { clientIdOf, getMeta, setMeta, type LocalDb } from '../db/local-db.ts';
import { rebase } from './rebase.ts';
import { SyncHttpError, type SyncTransport } from './transport.ts';

export interface Rejection {
  id: number;
  name: string;
  code: string;
  message: string;
  at: string;
}

export interface SyncStatus {
  online: boolean;
  syncing: boolean;
  leader: boolean;
  pending: number;
  oldestPendingAt: string | null;
  lastError: string | null;
  lastSyncAt: string | null;
  persisted: boolean | null;
  rejections: Rejection[];
}

export interface EngineOptions {
  db: LocalDb;
  transport: SyncTransport;
  /** Mutations in a round's first push, and the fewest pushSizeAfter picks after it. */
  batchSize?: number;
  random?: () => number;
  /** The clock pushes are timed with (tests give their own). */
  now?: () => number;
  periodMs?: number;
  /**
   * How long the tablet stays quiet after a local mutation before it pushes (0: at once).
   * Each new mutation starts the wait again, so a run of taps is pushed together, and the
   * next tap's transaction does not queue behind the last one's push and rebase; but never
   * more than three times the wait after the first of them, so a busy counter still sends.
   */
  pushAfterMutationMs?: number;
}

/**
 * Mutations in the first push of a round. Few: when a café's tablets all reconnect at once,
 * each first push waits for everything the others sent ahead of it (Little's law: twenty
 * tablets with 50 in flight each were a 0.4 s wait whatever the server did; with 10, under
 * 0.2 s). The server applies the pushes waiting at a location together, so small pushes
 * no longer cost it more per sale (src/server/sync/push.ts).
 */
export const PUSH_BATCH = 10;
/**
 * How long a push should take. A location's pushes are applied one group after another,
 * and the location's other tablets' pushes wait for them: an eighth of a second keeps
 * each wait under 200 ms while twenty tablets catch up, and a lone tablet still grows
 * its pushes to hundreds (a reconnect with 1,000 sales queued is seven pushes).
 */
const PUSH_TARGET_MS = 120;

/**
 * How many mutations the next push of a round carries, after one of `sent` took
 * `elapsedMs` from request to answer: as many as would take PUSH_TARGET_MS at that pace,
 * at most twice as many as the last and the server's limit. Never fewer than the first
 * push's `floor`: a short queue's last push says nothing about the server.
 */
export function pushSizeAfter(sent: number, elapsedMs: number, floor = PUSH_BATCH): number {
  const fits = Math.floor((sent * PUSH_TARGET_MS) / Math.max(elapsedMs, 1));
  return Math.max(floor, Math.min(fits, sent * 2, MAX_PUSH_MUTATIONS));
}

const encoder = new TextEncoder();
/** Room for the request around the mutations: its client id, schema version, brackets. */
const PUSH_ENVELOPE_BYTES = 1024;
const pushBytes = (m: Mutation) => encoder.encode(JSON.stringify(m)).length + 1;

/**
 * The longest prefix of `mutations` the server takes in one push: at most 500, and at most
 * `limit` bytes of JSON (1 MB: a longer body gets 413, and the same push again would get
 * 413 for ever). At least the first, whatever its size; a mutation the client's own
 * schemas let through is far below 1 MB (the largest sale is about 190 KB).
 */
export function withinPushLimit(mutations: Mutation[], limit = MAX_PUSH_BYTES): Mutation[] {
  let bytes = PUSH_ENVELOPE_BYTES;
  let n = 0;
  for (const m of mutations.slice(0, MAX_PUSH_MUTATIONS)) {
    bytes += pushBytes(m);
    if (n > 0 && bytes > limit) break;
    n++;
  }
  return mutations.slice(0, n);
}

/** The size of a push's body, near enough (within the envelope's allowance). */
const pushRequestBytes = (mutations: Mutation[]) => mutations.reduce((t, m) => t + pushBytes(m), PUSH_ENVELOPE_BYTES);

export class SyncEngine {
  readonly db: LocalDb;
  private readonly transport: SyncTransport;
  private readonly batchSize: number;
  private readonly random: () => number;
  private readonly now: () => number;
  /** The most bytes a push carries: the server's 1 MB, or half a push a proxy refused (413). */
  private pushByteLimit = MAX_PUSH_BYTES;
  private readonly periodMs: number;
  private readonly pushAfterMutationMs: number;
  private pushTimer: ReturnType<typeof setTimeout> | null = null;
  /** when the first mutation still waiting for the deferred push was made */
  private pushWaitingSince: number | null = null;
  private running: Promise<void> | null = null;
  /** another round is asked for; and whether it must push (a poke asks only for a pull) */
  private again = false;
  private againPush = false;
  private failures = 0;
  /** Why the last push failed; null once a push goes through. A pull alone leaves it. */
  private pushError: string | null = null;
  /** Tells the syncing tab of this database that another tab queued something. */
  private channel: BroadcastChannel | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stops: (() => void)[] = [];
  private listeners = new Set<(s: SyncStatus) => void>();
  private pageHooks = false;
  // Leadership and storage persistence live here and are copied into each published status:
  // the status object is a snapshot, never changed in place.
  private leading = false;
  private persisted: boolean | null = null;
  status: SyncStatus = { online: true, syncing: false, leader: false, pending: 0, oldestPendingAt: null, lastError: null, lastSyncAt: null, persisted: null, rejections: [] };

  constructor(o: EngineOptions) {
    this.db = o.db;
    this.transport = o.transport;
    this.batchSize = o.batchSize ?? PUSH_BATCH;
    this.random = o.random ?? Math.random;
    this.now = o.now ?? Date.now;
    this.periodMs = o.periodMs ?? 30_000;
    this.pushAfterMutationMs = o.pushAfterMutationMs ?? 0;
  }

  onStatus(fn: (s: SyncStatus) => void): () => void {
    this.listeners.add(fn);
    fn(this.status);
    return () => this.listeners.delete(fn);
  }

  private async publish(patch: Partial<SyncStatus> = {}) {
    const pending = await this.db.outbox.count();
    const oldest = await this.db.outbox.orderBy('id').first();
    const rejections = (await getMeta<Rejection[]>(this.db, 'rejections')) ?? [];
    // Read this.status only after the last await: leadership and the online flag change
    // while the counts are read, and a copy taken earlier would undo them.
    this.status = { ...this.status, ...patch, leader: this.leading, persisted: this.persisted, pending, oldestPendingAt: oldest?.clientTime ?? null, rejections };
    for (const l of this.listeners) l(this.status);
  }

  /**
   * One round (push, then pull); concurrent calls join it and ask for one more round.
   * `push: false` is a pull alone: what a poke asks for. A poke follows every push, this
   * tablet's own too; were it to push as well, a tablet rung up without a pause would push
   * again after every push (each poke finding the taps made since), and its taps would
   * keep meeting a sync round's writes instead of going together a second after the last.
   */
  sync(o: { push?: boolean } = {}): Promise<void> {
    this.again = true;
    this.againPush ||= o.push !== false;
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        while (this.again) {
          const push = this.againPush;
          this.again = this.againPush = false;
          await this.round(push);
        }
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async round(push = true) {
    await this.publish({ syncing: true });
    try {
      // A push that fails still lets the pull run: a tablet whose queue is stuck keeps
      // receiving the other tablets' changes (its own stay on top, pending), and its pull
      // tells the console how many it holds. The push's error is the round's error.
      let pushFailed: unknown = null;
      if (push) {
        await this.pushAll().catch((err) => (pushFailed = err));
        this.pushError = pushFailed ? (pushFailed as Error).message : null;
      }
      if (pushFailed && (!(pushFailed instanceof SyncHttpError) || pushFailed.status === 0)) throw pushFailed; // unreachable: no pull either
      try {
        await this.pullAll();
      } catch (err) {
        throw pushFailed ?? err;
      }
      if (pushFailed) throw pushFailed;
      // A pull alone (a poke) while pushes are failing says nothing about them: the error
      // stays on the chip and the backoff keeps growing, with its retry still set.
      if (this.pushError === null) this.failures = 0;
      await this.publish({ syncing: false, online: true, lastError: this.pushError, lastSyncAt: new Date().toISOString() });
    } catch (err) {
      this.failures++;
      const e = err instanceof SyncHttpError ? err : new SyncHttpError(0, 'CLIENT', (err as Error).message);
      if (!(err instanceof SyncHttpError) || !e.transient) console.warn('[tandem] sync failed:', err);
      await this.publish({ syncing: false, online: e.status !== 0 && e.status < 500, lastError: e.message });
      this.scheduleRetry();
      throw err;
    }
  }

  /** Exponential backoff with full jitter: 1 s, 2 s, 4 s … up to a minute. */
  backoffMs(): number {
    return Math.floor(this.random() * Math.min(60_000, 1000 * 2 ** Math.min(this.failures, 16)));
  }

  private scheduleRetry() {
    if (!this.leading) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.sync().catch(() => {}), this.backoffMs());
  }

  private async pushAll() {
    let size = this.batchSize;
    let restarted = false;
    for (;;) {
      const entries = await this.db.outbox.orderBy('id').limit(size).toArray();
      if (!entries.length) return;
      const clientId = await clientIdOf(this.db);
      const batch = withinPushLimit(entries.map((e) => ({ id: e.id, name: e.name, args: e.args, staffId: e.staffId, clientTime: e.clientTime })), this.pushByteLimit);
      const started = this.now();
      let res;
      try {
        res = await this.transport.push({ clientId, schemaVersion: SCHEMA_VERSION, mutations: batch });
      } catch (err) {
        if (!restarted && err instanceof SyncHttpError && (err.code === 'MUTATION_GAP' || (err.status === 403 && err.code === 'FORBIDDEN'))) {
          // The server cannot continue this client's sequence (its database was restored, or the
          // client id is another device's). Keep every waiting mutation and start a new client,
          // once a round: a 403 that a new client does not cure is the round's error, retried
          // with backoff like any other.
          await this.restartClient();
          restarted = true;
          continue;
        }
        if (err instanceof SyncHttpError && err.status === 413 && batch.length > 1) {
          // Something between here and the server takes less than the server does (a proxy's
          // body limit): from now on send at most half as many bytes, until one goes through.
          // A single mutation refused so is the round's error: the tablet keeps it, and says so.
          this.pushByteLimit = Math.floor(pushRequestBytes(batch) / 2);
          continue;
        }
        throw err;
      }
      const rejected = res.results.filter((r) => r.status === 'rejected');
      await this.db.transaction('rw', [this.db.outbox, this.db.meta], async () => {
        if (rejected.length) {
          const byId = new Map(batch.map((e) => [e.id, e]));
          const prev = (await getMeta<Rejection[]>(this.db, 'rejections')) ?? [];
          const now = new Date().toISOString();
          const add = rejected.map((r) => ({ id: r.id, name: byId.get(r.id)?.name ?? '?', code: r.error?.code ?? 'REJECTED', message: r.error?.message ?? 'Refused by the server.', at: now }));
          await setMeta(this.db, 'rejections', [...add, ...prev].slice(0, 50));
        }
        await this.db.outbox.where('id').belowOrEqual(res.lastMutationId).delete();
      });
      if (res.lastMutationId < batch[batch.length - 1].id) return; // the server stopped early; pull, then retry
      size = pushSizeAfter(batch.length, this.now() - started, this.batchSize);
    }
  }

  private async pullAll() {
    const clientId = await clientIdOf(this.db);
    let cookie = (await getMeta<string>(this.db, 'cookie')) ?? null;
    let patch: PatchOp[] = [];
    let last = 0;
    const first = await this.db.outbox.orderBy('id').first();
    const queue = { waiting: await this.db.outbox.count(), oldest: first?.clientTime ?? null, app: APP_VERSION };
    for (;;) {
      const res = await this.transport.pull({ clientId, cookie, schemaVersion: SCHEMA_VERSION }, queue);
      if (res.patch.some((p) => p.op === 'clear')) patch = [];
      patch.push(...res.patch);
      cookie = res.cookie;
      last = res.lastMutationId;
      if (!res.more) break;
    }
    await rebase(this.db, patch, cookie!, last);
  }

  /** A new client id; the outbox keeps its order, renumbered from 1. */
  async restartClient(): Promise<void> {
    await this.db.transaction('rw', [this.db.outbox, this.db.meta], async () => {
      const all = await this.db.outbox.orderBy('id').toArray();
      await this.db.outbox.clear();
      all.forEach((e, i) => (e.id = i + 1));
      await this.db.outbox.bulkAdd(all);
      await setMeta(this.db, 'clientId', crypto.randomUUID());
      await setMeta(this.db, 'nextMutationId', all.length + 1);
      await setMeta(this.db, 'lastMutationId', 0);
    });
  }

  /** Called after a local mutation (already durable): publish the new count, and sync soon. */
  notify(): void {
    void this.publish();
    if (!this.leading) {
      // another tab of this tablet syncs: tell it (pokes only ever ask for a pull)
      this.channel?.postMessage('queued');
      return;
    }
    if (this.pushTimer) clearTimeout(this.pushTimer);
    this.pushTimer = null;
    const now = Date.now();
    this.pushWaitingSince ??= now;
    const left = Math.min(this.pushAfterMutationMs, this.pushWaitingSince + 3 * this.pushAfterMutationMs - now);
    const push = () => {
      this.pushTimer = null;
      this.pushWaitingSince = null;
      void this.sync().catch(() => {});
    };
    if (left <= 0) return push();
    this.pushTimer = setTimeout(push, left);
  }

  /**
   * Become the syncing tab (Web Lock), ask for persistent storage, and sync on every
   * trigger. Without the Web Locks API (tests, old browsers) this tab is the leader.
   */
  async start(): Promise<void> {
    const g = globalThis as unknown as { navigator?: Navigator; document?: Document; addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener };
    const nav = g.navigator;
    try {
      const persisted = (await nav?.storage?.persisted?.()) || (await nav?.storage?.persist?.());
      this.persisted = typeof persisted === 'boolean' ? persisted : null;
    } catch {
      this.persisted = null;
    }
    const lead = () => {
      this.leading = true;
      const kick = () => void this.sync().catch(() => {});
      const timer = setInterval(kick, this.periodMs);
      const onVisible = () => g.document?.visibilityState === 'visible' && kick();
      g.addEventListener?.('online', kick);
      g.document?.addEventListener('visibilitychange', onVisible);
      const poked = () => void this.sync({ push: false }).catch(() => {});
      const stopEvents = this.transport.events?.(poked, (connected) => connected && kick());
      this.stops.push(() => {
        clearInterval(timer);
        g.removeEventListener?.('online', kick);
        g.document?.removeEventListener('visibilitychange', onVisible);
        stopEvents?.();
      });
      kick();
    };
    if (typeof BroadcastChannel !== 'undefined' && !this.channel) {
      this.channel = new BroadcastChannel(`tandem-sync:${this.db.name}`);
      this.channel.onmessage = () => this.leading && this.notify();
      (this.channel as unknown as { unref?: () => void }).unref?.(); // Node (tests): no reason to stay alive
    }
    if (nav?.locks) {
      void nav.locks.request('tandem-sync', () => new Promise<void>((release) => {
        lead();
        this.stops.push(release);
      }));
    } else lead();
    // A page kept in the back/forward cache would keep the lock and leave the next page of
    // this tablet unable to sync: give it up on pagehide, take it again on pageshow.
    if (!this.pageHooks && g.addEventListener) {
      this.pageHooks = true;
      g.addEventListener('pagehide', () => this.stop());
      g.addEventListener('pageshow', (e: Event) => {
        if ((e as PageTransitionEvent).persisted) void this.start();
      });
    }
    await this.publish();
  }

  stop(): void {
    for (const s of this.stops.splice(0)) s();
    this.channel?.close();
    this.channel = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pushTimer) clearTimeout(this.pushTimer);
    this.pushTimer = null;
    this.pushWaitingSince = null;
    this.leading = false;
    void this.publish().catch(() => {});
  }
}
