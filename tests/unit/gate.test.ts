// The per-location gate of the push (src/server/sync/gate.ts): at most `width` inside per
// key, the rest let in in arrival order (those that go ahead first), a failure gives its
// place up, keys independent; and the grouping gate, whose run takes the waiting ones along.
import { describe, expect, it } from 'vitest';
import { GroupingGate, KeyedGate, PASSES, type Settled } from '../../src/server/sync/gate.ts';

function held() {
  let release!: () => void;
  const p = new Promise<void>((r) => (release = r));
  return { p, release };
}

describe('KeyedGate', () => {
  it('lets `width` in per key and the rest in arrival order', async () => {
    const gate = new KeyedGate(2);
    const order: number[] = [];
    const holds = Array.from({ length: 5 }, held);
    const runs = holds.map((h, i) => gate.run('cafe', async () => {
      order.push(i);
      await h.p;
      return i;
    }));
    await Promise.resolve();
    expect(order).toEqual([0, 1]);
    expect(gate.load('cafe')).toEqual({ inside: 2, waiting: 3 });
    holds[1].release();
    await runs[1];
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual([0, 1, 2]);
    expect(gate.load('cafe')).toEqual({ inside: 2, waiting: 2 });
    for (const h of holds) h.release();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(gate.load('cafe')).toEqual({ inside: 0, waiting: 0 });
  });

  it('lets a run that goes ahead in before the waiting runs that do not, and after those that do', async () => {
    const gate = new KeyedGate(1);
    const order: string[] = [];
    const holds = new Map<string, ReturnType<typeof held>>();
    const enter = (name: string, ahead = false) => {
      const h = held();
      holds.set(name, h);
      return gate.run('cafe', async () => {
        order.push(name);
        await h.p;
      }, { ahead });
    };
    const runs = [enter('inside'), enter('backlog 1'), enter('backlog 2'), enter('live 1', true), enter('backlog 3'), enter('live 2', true)];
    await Promise.resolve();
    expect(gate.load('cafe')).toEqual({ inside: 1, waiting: 5 });
    for (const h of holds.values()) h.release();
    await Promise.all(runs);
    expect(order).toEqual(['inside', 'live 1', 'live 2', 'backlog 1', 'backlog 2', 'backlog 3']);
    // with room inside, ahead or not, a run goes straight in
    const h = held();
    const now = gate.run('cafe', () => h.p, { ahead: true });
    expect(gate.load('cafe')).toEqual({ inside: 1, waiting: 0 });
    h.release();
    await now;
    expect(gate.load('cafe')).toEqual({ inside: 0, waiting: 0 });
  });

  it('lets at most PASSES runs go ahead of one that waits', async () => {
    const gate = new KeyedGate(1);
    const order: string[] = [];
    const h = held();
    const runs = [gate.run('cafe', () => h.p)];
    const enter = (name: string, ahead = false) => runs.push(gate.run('cafe', async () => void order.push(name), { ahead }));
    enter('backlog 1');
    for (let i = 1; i <= PASSES + 2; i++) enter(`live ${i}`, true);
    enter('backlog 2');
    enter(`live ${PASSES + 3}`, true);
    h.release();
    await Promise.all(runs);
    const live = (n: number) => Array.from({ length: n }, (_, i) => `live ${i + 1}`);
    // backlog 1 was passed PASSES times and then goes; the later live runs wait behind it, ahead of backlog 2
    expect(order).toEqual([...live(PASSES), 'backlog 1', `live ${PASSES + 1}`, `live ${PASSES + 2}`, `live ${PASSES + 3}`, 'backlog 2']);
  });

  it('a run that throws gives its place to the next and passes its error on', async () => {
    const gate = new KeyedGate(1);
    const first = gate.run('cafe', async () => {
      throw new Error('deadlock detected');
    });
    const second = gate.run('cafe', async () => 'applied');
    await expect(first).rejects.toThrow('deadlock detected');
    await expect(second).resolves.toBe('applied');
    expect(gate.load('cafe')).toEqual({ inside: 0, waiting: 0 });
  });

  it('another key does not wait', async () => {
    const gate = new KeyedGate(1);
    const h = held();
    const cafe = gate.run('cafe', () => h.p);
    await expect(gate.run('studio', async () => 'in')).resolves.toBe('in');
    expect(gate.load('cafe')).toEqual({ inside: 1, waiting: 0 });
    h.release();
    await cafe;
  });

  it('refuses a width below one or not whole', () => {
    expect(() => new KeyedGate(0)).toThrow();
    expect(() => new KeyedGate(1.5)).toThrow();
  });
});

describe('GroupingGate', () => {
  /** Items are [name, size]; a group holds at most 5 in size; apply holds until released and records each group. */
  function gate(fail?: string) {
    const groups: string[][] = [];
    const holds: { release: () => void }[] = [];
    const g = new GroupingGate<[string, number], string>(
      1,
      (group, next) => group.reduce((n, [, size]) => n + size, next[1]) <= 5,
      async (items) => {
        groups.push(items.map(([name]) => name));
        const h = held();
        holds.push(h);
        await h.p;
        if (items.some(([name]) => name === fail)) throw new Error(`${fail} failed`);
        return items.map(([name]): Settled<string> => (name.startsWith('x') ? { ok: false, error: new Error(name) } : { ok: true, value: name.toUpperCase() }));
      },
    );
    const next = async () => {
      await new Promise((r) => setTimeout(r, 0));
      holds.shift()!.release();
    };
    return { g, groups, next };
  }

  it('applies the runs waiting when one’s turn comes with it, those going ahead first, as many as may join', async () => {
    const { g, groups, next } = gate();
    const runs = [g.run('cafe', ['a', 1]), g.run('cafe', ['b', 2]), g.run('cafe', ['c', 3]), g.run('cafe', ['d', 1], { ahead: true }), g.run('cafe', ['e', 1])];
    await next(); // a, alone: the others came after its turn
    await next(); // d (ahead), then b; c does not fit beside them, e does
    await next(); // c
    expect(await Promise.all(runs)).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(groups).toEqual([['a'], ['d', 'b', 'e'], ['c']]);
    await new Promise((r) => setTimeout(r, 0)); // the runs taken along pass the gate after their answers
    expect(g.load('cafe')).toEqual({ inside: 0, waiting: 0 });
  });

  it('answers each run of a group for itself, and fails every run of a group that throws', async () => {
    const { g, groups, next } = gate('f');
    const first = g.run('cafe', ['a', 1]);
    const runs = [g.run('cafe', ['x1', 1]), g.run('cafe', ['b', 1])];
    await next();
    await next();
    expect(await first).toBe('A');
    expect(await Promise.allSettled(runs)).toMatchObject([{ status: 'rejected', reason: { message: 'x1' } }, { status: 'fulfilled', value: 'B' }]);
    const failing = [g.run('cafe', ['f', 1]), g.run('cafe', ['g', 1])];
    await next();
    expect(await Promise.allSettled(failing)).toMatchObject([{ status: 'rejected', reason: { message: 'f failed' } }, { status: 'rejected', reason: { message: 'f failed' } }]);
    expect(groups).toEqual([['a'], ['x1', 'b'], ['f', 'g']]);
  });
  it('settles a run whose group could not be formed, and goes on', async () => {
    const h = held();
    const g = new GroupingGate<string, string>(1, (_, next) => {
      if (next === 'bad') throw new Error('cannot tell');
      return true;
    }, async (items) => {
      if (items[0] === 'a') await h.p;
      return items.map((i): Settled<string> => ({ ok: true, value: i }));
    });
    const runs = [g.run('cafe', 'a'), g.run('cafe', 'x'), g.run('cafe', 'bad')];
    h.release();
    expect(await Promise.allSettled(runs)).toMatchObject([
      { status: 'fulfilled', value: 'a' },
      { status: 'rejected', reason: { message: 'cannot tell' } },
      { status: 'fulfilled', value: 'bad' },
    ]);
    await new Promise((r) => setTimeout(r, 0));
    expect(g.load('cafe')).toEqual({ inside: 0, waiting: 0 });
  });
});
