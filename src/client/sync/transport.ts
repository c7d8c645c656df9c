// How the sync loop reaches the server. The HTTP transport carries the device's access
// token (exchanging its stored credential for a new one when it expires or is refused)
// and reads the poke stream with fetch, which can send the Authorization header.
import { errorEnvelopeSchema } from '../../shared/errors.ts';
import {
  pullResponseSchema,
  pushResponseSchema,
  type PullRequest,
  type PullResponse,
  type PushRequest,
  type PushResponse,
  type QueueReport,
  QUEUE_HEADER,
  formatQueueReport,
} from '../../shared/sync/protocol.ts';
import { deviceTokenResponseSchema } from '../../shared/domain/auth.ts';

export interface SyncTransport {
  push(req: PushRequest): Promise<PushResponse>;
  /** `queue`: this tablet's outbox as it stands, reported in a header for the console. */
  pull(req: PullRequest, queue?: QueueReport): Promise<PullResponse>;
  /** Calls onPoke for each poke until the returned function is called. Optional. */
  events?(onPoke: () => void, onState: (connected: boolean) => void): () => void;
  /** Any other device API call (payments), with the same token handling. Optional. */
  request?(path: string, body: unknown): Promise<unknown>;
}

/** A refusal from the server, in the envelope of DESIGN §10; or a network failure (status 0). */
export class SyncHttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'SyncHttpError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

const REQUEST_TIMEOUT_MS = 30_000;

export interface DeviceCredential {
  deviceId: string;
  credential: string;
}

export function httpTransport(opts: {
  baseUrl?: string;
  credential: () => Promise<DeviceCredential | undefined>;
  fetch?: typeof fetch;
}): SyncTransport {
  const f = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const base = opts.baseUrl ?? '';
  let token: { value: string; expiresAt: number } | null = null;

  async function accessToken(force = false): Promise<string> {
    if (!force && token && token.expiresAt - Date.now() > 30_000) return token.value;
    const cred = await opts.credential();
    if (!cred) throw new SyncHttpError(401, 'UNAUTHENTICATED', 'This tablet is not registered.');
    const res = await call('/api/devices/token', cred, null);
    const t = deviceTokenResponseSchema.parse(res);
    token = { value: t.accessToken, expiresAt: Date.parse(t.expiresAt) };
    return token.value;
  }

  async function call(path: string, body: unknown, bearer: string | null, extra: Record<string, string> = {}): Promise<unknown> {
    let res: Response;
    try {
      res = await f(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...extra },
        body: JSON.stringify(body),
        // a request that hangs must not hold the sync loop: give up and retry with backoff
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new SyncHttpError(0, 'NETWORK', `The server cannot be reached (${(err as Error).message}).`);
    }
    const text = await res.text();
    let data: unknown = undefined;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    if (!res.ok) {
      const env = errorEnvelopeSchema.safeParse(data);
      if (env.success) throw new SyncHttpError(res.status, env.data.error.code, env.data.error.message, env.data.error.details);
      if (res.status === 413) throw new SyncHttpError(413, 'PAYLOAD_TOO_LARGE', 'Something between this tablet and the server refused the request as too large (413).');
      throw new SyncHttpError(res.status, res.status >= 500 ? 'UNAVAILABLE' : 'UNKNOWN', `The server answered ${res.status}.`);
    }
    return data;
  }

  async function authed(path: string, body: unknown, extra?: Record<string, string>): Promise<unknown> {
    try {
      return await call(path, body, await accessToken(), extra);
    } catch (err) {
      if (err instanceof SyncHttpError && err.status === 401) return call(path, body, await accessToken(true), extra);
      throw err;
    }
  }

  return {
    request: (path, body) => authed(path, body),
    async push(req) {
      return pushResponseSchema.parse(await authed('/api/sync/push', req));
    },
    async pull(req, queue) {
      return pullResponseSchema.parse(await authed('/api/sync/pull', req, queue ? { [QUEUE_HEADER]: formatQueueReport(queue) } : undefined));
    },
    events(onPoke, onState) {
      let stopped = false;
      let abort: AbortController | null = null;
      (async () => {
        let delay = 1000;
        while (!stopped) {
          abort = new AbortController();
          try {
            const res = await f(base + '/api/sync/events', { headers: { authorization: `Bearer ${await accessToken()}` }, signal: abort.signal });
            if (res.status === 401) token = null;
            if (!res.ok || !res.body) throw new Error(`events ${res.status}`);
            onState(true);
            delay = 1000;
            const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
            let buf = '';
            for (;;) {
              const { done, value } = await reader.read();
              if (done) break;
              buf += value;
              let i;
              while ((i = buf.indexOf('\n\n')) >= 0) {
                const frame = buf.slice(0, i);
                buf = buf.slice(i + 2);
                if (/^event: poke$/m.test(frame)) onPoke();
              }
            }
          } catch {
            /* reconnect below */
          }
          onState(false);
          if (stopped) break;
          await new Promise((r) => setTimeout(r, delay));
          delay = Math.min(delay * 2, 5_000); // a poke is worth reconnecting for quickly
        }
      })();
      return () => {
        stopped = true;
        abort?.abort();
      };
    },
  };
}
