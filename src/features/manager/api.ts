// The console's calls to /api/manager/** with the session cookie; errors come back in the
// envelope of DESIGN §10 and are thrown as ConsoleError with the server's message.
export class ConsoleError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function call<T = any>(path: string, body?: unknown): Promise<T> {
  let r: Response;
  try {
    r = await fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch {
    throw new ConsoleError(0, 'NETWORK', 'The server cannot be reached. The console needs the internet.');
  }
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new ConsoleError(r.status, data?.error?.code ?? 'UNKNOWN', data?.error?.message ?? `The server answered ${r.status}.`);
  return data as T;
}

export const money = (cents: number | null | undefined, currency = 'USD') =>
  cents === null || cents === undefined ? '—' : new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);

export const when = (at: string | null | undefined) => (at ? new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—');
