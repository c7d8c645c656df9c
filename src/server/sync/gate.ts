// At most `width` pushes of one location inside the database at a time, the rest waiting
// here in arrival order, live sales first (issue #3).
//
// Every write of a location takes that location's version row and its stock levels until
// the push commits (DESIGN §6), so its pushes are applied one after another whatever we
// do. Without this gate, 20 tablets reconnecting at once each held a pooled connection
// while PostgreSQL queued them on those rows: the pool was gone for every other location
// and for pulls, and the row-lock queue is not first come, first served, so some pushes
// waited through several others' turns (p99 twice the p50). Here they queue in order,
// holding nothing. A width of 2 keeps one push getting ready (its checks, its client row)
// while another holds the location's rows; 1 measured slower and 3 no better.
//
// A run may ask to go `ahead`: it waits before every waiting run that did not, and after
// those that did, in arrival order. The push asks it for a counter's live sales (a push of a
// few mutations), so that one tablet's sale rung up now does not queue behind the backlogs
// of the others reconnecting: it waits for one push inside at most, not for all of them.
// The backlogs still go in arrival order among themselves, and a run that does not go
// ahead lets at most PASSES runs go ahead of it, so nothing waits for ever however fast
// live sales come.
//
// The gate is per server process. Several processes in front of one database stay
// correct (the database still orders the writes), only less fair. Whatever runs inside
// must never wait for another run of the same key (a push must not push the same
// location, from a hook or otherwise): with every place taken, that waits forever.
/** How many runs that go ahead may pass one that does not. */
export const PASSES = 8;

export class KeyedGate {
  private readonly gates = new Map<string, { inside: number; waiting: { enter: () => void; ahead: boolean; passed: number }[] }>();

  readonly width: number;

  constructor(width: number) {
    if (!Number.isInteger(width) || width < 1) throw new Error('a gate lets a whole number, at least one, through');
    this.width = width;
  }

  async run<T>(key: string, fn: () => Promise<T>, opts: { ahead?: boolean } = {}): Promise<T> {
    let g = this.gates.get(key);
    if (!g) this.gates.set(key, (g = { inside: 0, waiting: [] }));
    if (g.inside < this.width) g.inside++;
    else {
      const ahead = opts.ahead === true;
      // the leaver hands its place over
      await new Promise<void>((enter) => {
        const w = g!.waiting;
        // before the first that does not go ahead and may still be passed; those after it are passed once more
        const at = ahead ? w.findIndex((x) => !x.ahead && x.passed < PASSES) : -1;
        if (at === -1) w.push({ enter, ahead, passed: 0 });
        else {
          for (let i = at; i < w.length; i++) if (!w[i].ahead) w[i].passed++;
          w.splice(at, 0, { enter, ahead, passed: 0 });
        }
      });
    }
    try {
      return await fn();
    } finally {
      const next = g.waiting.shift();
      if (next) next.enter();
      else if (--g.inside === 0) this.gates.delete(key);
    }
  }

  /** How many are inside and waiting for a key (for tests). */
  load(key: string): { inside: number; waiting: number } {
    const g = this.gates.get(key);
    return { inside: g?.inside ?? 0, waiting: g?.waiting.length ?? 0 };
  }
}

/** One run's result, or why it failed. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * A KeyedGate whose runs take the waiting ones along (issue #3). An item waits in order as
 * in KeyedGate; when its turn comes it is applied together with the items still waiting
 * behind it that `joins` accepts (those going ahead first, then in arrival order), and the
 * items taken along pass through the gate at once when their own turn comes.
 *
 * The push uses it for group commit: a location's pushes are applied one after another
 * whatever we do (they all take its version row), and what each costs the database per
 * call, whatever it carries, is then paid once per group (push.ts, applyGroup).
 */
export class GroupingGate<I, R> {
  private readonly gate: KeyedGate;
  private readonly pending = new Map<string, { item: I; ahead: boolean; taken: boolean; settle: (s: Settled<R>) => void }[]>();
  /** Whether `next` may join `group` (whose first is the item whose turn it is). */
  private readonly joins: (group: readonly I[], next: I) => boolean;
  /** Applies a group; one result per item, in order. */
  private readonly apply: (group: I[]) => Promise<Settled<R>[]>;

  constructor(width: number, joins: (group: readonly I[], next: I) => boolean, apply: (group: I[]) => Promise<Settled<R>[]>) {
    this.gate = new KeyedGate(width);
    this.joins = joins;
    this.apply = apply;
  }

  run(key: string, item: I, opts: { ahead?: boolean } = {}): Promise<R> {
    let list = this.pending.get(key);
    if (!list) this.pending.set(key, (list = []));
    return new Promise<R>((resolve, reject) => {
      const entry = { item, ahead: opts.ahead === true, taken: false, settle: (s: Settled<R>) => (s.ok ? resolve(s.value) : reject(s.error)) };
      list.push(entry);
      void this.gate.run(key, async () => {
        if (entry.taken) return; // applied with an earlier group
        const waiting = this.pending.get(key) ?? [];
        const group = [entry];
        entry.taken = true;
        let out: Settled<R>[] | null = null;
        try {
          for (const e of [...waiting.filter((e) => e.ahead), ...waiting.filter((e) => !e.ahead)]) {
            if (!e.taken && this.joins(group.map((g) => g.item), e.item)) {
              e.taken = true;
              group.push(e);
            }
          }
        } catch (error) {
          out = group.map(() => ({ ok: false, error }));
        }
        const left = waiting.filter((e) => !e.taken);
        if (left.length) this.pending.set(key, left);
        else this.pending.delete(key);
        try {
          out ??= await this.apply(group.map((e) => e.item));
        } catch (error) {
          out = group.map(() => ({ ok: false, error }));
        }
        group.forEach((e, i) => e.settle(out[i] ?? { ok: false, error: new Error('A grouped run got no result.') }));
      }, opts);
    });
  }

  /** How many are inside and waiting for a key, as KeyedGate.load (for tests). */
  load(key: string): { inside: number; waiting: number } {
    return this.gate.load(key);
  }
}
