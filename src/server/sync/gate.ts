// At most `width` pushes of one location inside the database at a time, the rest waiting
// here in arrival order (issue #3).
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
// The gate is per server process. Several processes in front of one database stay
// correct (the database still orders the writes), only less fair. Whatever runs inside
// must never wait for another run of the same key (a push must not push the same
// location, from a hook or otherwise): with every place taken, that waits forever.
export class KeyedGate {
  private readonly gates = new Map<string, { inside: number; waiting: (() => void)[] }>();

  readonly width: number;

  constructor(width: number) {
    if (!Number.isInteger(width) || width < 1) throw new Error('a gate lets a whole number, at least one, through');
    this.width = width;
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let g = this.gates.get(key);
    if (!g) this.gates.set(key, (g = { inside: 0, waiting: [] }));
    if (g.inside < this.width) g.inside++;
    else await new Promise<void>((resolve) => g!.waiting.push(resolve)); // the leaver hands its place over
    try {
      return await fn();
    } finally {
      const next = g.waiting.shift();
      if (next) next();
      else if (--g.inside === 0) this.gates.delete(key);
    }
  }

  /** How many are inside and waiting for a key (for tests). */
  load(key: string): { inside: number; waiting: number } {
    const g = this.gates.get(key);
    return { inside: g?.inside ?? 0, waiting: g?.waiting.length ?? 0 };
  }
}
