// What both adapters do with a transaction's first and atCommit statements (types.ts), so
// that the embedded and the connected engine run the same text.
//
// In connected mode the first statement goes in the same round trip as BEGIN and the
// atCommit ones in the same as COMMIT, as one simple query each: a round trip is the price
// of every statement, and with the database on another machine (Supabase) it is most of a
// push's time. A simple query takes no parameters, so theirs travel as quoted literals:
// `$n` in the text stands for the n-th, as in any other statement. Their text should hold
// no `$n` of its own (in a string or a comment); what they carry does not matter, it is
// quoted. On an error PostgreSQL's log shows such a statement with its values.
import type { Statement, Tx } from './types.ts';

/** Between statements of one simple query: a `--` comment ending one statement ends at its line. */
export const SEPARATOR = '\n;\n';

/** A string as a PostgreSQL literal, whatever standard_conforming_strings says. */
export function quoteLiteral(v: string): string {
  if (v.includes('\u0000')) throw new TypeError('A text value cannot hold a NUL character.');
  const body = v.replace(/'/g, "''");
  return v.includes('\\') ? ` E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

export function inlineParams({ sql, params = [] }: Statement): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= params.length) throw new Error(`No parameter $${n} for an inlined statement.`);
    const v = params[i];
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return quoteLiteral(v);
    if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || typeof v === 'bigint') return `'${String(v)}'`;
    throw new TypeError(`An inlined statement takes strings, numbers, booleans or null, not ${typeof v} ($${n}).`);
  });
}

/** The Tx a transaction's callback gets: atCommit statements are kept, inlined, for the commit, and nothing may be queried after them. */
export function deferringTx(q: Omit<Tx, 'atCommit'>): { tx: Tx; atCommit: string[] } {
  const atCommit: string[] = [];
  const refuse = () => Promise.reject(new Error('A transaction cannot query after its atCommit statements.'));
  return {
    atCommit,
    tx: {
      query: (sql, params) => (atCommit.length ? refuse() : q.query(sql, params)),
      exec: (sql) => (atCommit.length ? refuse() : q.exec(sql)),
      queryAll: (statements) => (atCommit.length ? refuse() : q.queryAll(statements)),
      atCommit: (sql, params) => void atCommit.push(inlineParams({ sql, params })),
    },
  };
}

/** Statements as one simple query, their parameters inlined. */
export const oneQuery = (statements: Statement[]) => statements.map(inlineParams).join(SEPARATOR);

/** A transaction whose error was caught and not rolled back to a savepoint is aborted: its COMMIT only rolls back. */
export const abortedCommit = (tag: string) => new Error(`The transaction did not commit (${tag}): an error earlier in it was caught and not rolled back to a savepoint.`);
