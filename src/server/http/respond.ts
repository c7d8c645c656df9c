// Responses and request bodies for the API: JSON in, JSON out, errors always in the
// envelope of DESIGN §10. A 500 says nothing about internals; the detail goes to the log.
import type { z } from 'zod';
import { AppError, parseOrThrow, type ErrorEnvelope } from '../../shared/errors.ts';
import { translateDbError } from '../db/index.ts';

export const MAX_BODY_BYTES = 1024 * 1024;
export const IMPORT_BODY_BYTES = 8 * 1024 * 1024;

/** The largest body an endpoint takes; the endpoint enforces it again while reading. */
export function bodyLimitFor(pathname: string): number {
  return pathname === '/api/sync/import' ? IMPORT_BODY_BYTES : MAX_BODY_BYTES;
}

export function json(data: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(data), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

export function errorResponse(err: unknown): Response {
  const e = translateDbError(err);
  if (e instanceof AppError) {
    const body: ErrorEnvelope = { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
    return json(body, e.status, e.headers);
  }
  console.error('[tandem] unexpected error', err);
  return json({ error: { code: 'INTERNAL', message: 'Something went wrong on the server. Try again; if it keeps happening, tell your manager.' } }, 500);
}

/** Reads at most `limit` bytes of JSON, then parses it with the shared schema. */
export async function readJson<S extends z.ZodType>(request: Request, schema: S, limit = MAX_BODY_BYTES): Promise<z.output<S>> {
  return parseOrThrow(schema, await readJsonBody(request, limit), 'The request body');
}

/** Reads at most `limit` bytes of JSON, unparsed by any schema (the caller parses it). */
export async function readJsonBody(request: Request, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new AppError('VALIDATION_FAILED', 'Send the request body as JSON (Content-Type: application/json).');
  }
  const body = await readBodyBytes(request, limit);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The request body is not valid JSON.');
  }
}

/** The raw body, at most `limit` bytes, refused as soon as it is larger (declared or sent). */
export async function readBodyBytes(request: Request, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) throw tooLarge(limit);
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks);
}

export function tooLarge(limit: number): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The request body is larger than ${Math.round(limit / 1024)} KB. Send less at a time.`);
}

export function clientIp(request: Request, clientAddress: () => string): string {
  if (process.env.TRUST_PROXY === '1') {
    const fwd = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (fwd) return fwd;
  }
  try {
    return clientAddress();
  } catch {
    return 'unknown';
  }
}
