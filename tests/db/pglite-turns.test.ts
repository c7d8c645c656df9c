// Embedded mode runs PGlite in the server's own thread, and its queries resolve without
// going back to the event loop: transactions started one after another (pushes handed on by
// the location's gate) used to run back to back while no new request was even read, so a
// sale rung up during a reconnect storm waited 1-2 s to reach the server's code. The adapter
// gives the event loop a turn before each transaction (src/server/db/pglite.ts).
import { expect, it } from 'vitest';
import { openPglite } from '../../src/server/db/pglite.ts';

it('gives the event loop a turn between one embedded transaction and the next', async () => {
  const db = await openPglite();
  try {
    const marks: string[] = [];
    setTimeout(() => marks.push('a timer'), 0);
    for (const i of [1, 2, 3, 4]) {
      await db.transaction(async (tx) => {
        marks.push(`transaction ${i}`);
        await tx.query('select count(*) from generate_series(1, 200000)'); // a few milliseconds: the timer is due
      });
    }
    expect(marks.indexOf('a timer')).toBeGreaterThan(-1);
    expect(marks.indexOf('a timer')).toBeLessThan(marks.indexOf('transaction 4'));
  } finally {
    await db.close();
  }
});
