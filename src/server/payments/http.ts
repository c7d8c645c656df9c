// Request bodies of the payment endpoints: small JSON (optional where the route takes no
// arguments), and the webhook's raw bytes, which the signature covers exactly as sent.
import type { z } from 'zod';
import { AppError, parseOrThrow } from '../../shared/errors.ts';
import { readBodyBytes, readJsonBody } from '../http/respond.ts';

export const PAYMENT_BODY_BYTES = 16 * 1024;
export const WEBHOOK_BODY_BYTES = 512 * 1024;

/** The raw body, at most `limit` bytes (a Stripe event is a few KB). */
export function readRawBody(request: Request, limit = WEBHOOK_BODY_BYTES): Promise<Uint8Array> {
  return readBodyBytes(request, limit);
}

/** A JSON body parsed with the shared schema; an empty body counts as {} (no arguments). */
export async function readOptionalJson<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  const declared = request.headers.get('content-length');
  const hasBody = request.body !== null && declared !== '0' && (declared !== null || request.headers.has('content-type') || request.headers.has('transfer-encoding'));
  if (!hasBody) return parseOrThrow(schema, {}, 'The request body');
  const raw = await readRawBody(request, PAYMENT_BODY_BYTES);
  if (raw.byteLength === 0) return parseOrThrow(schema, {}, 'The request body');
  if (!/^application\/json\b/i.test(request.headers.get('content-type') ?? '')) {
    throw new AppError('VALIDATION_FAILED', 'Send the request body as JSON (Content-Type: application/json).');
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The request body is not valid JSON.');
  }
  return parseOrThrow(schema, body, 'The request body');
}

/** A required JSON body parsed with the shared schema. */
export async function readPaymentJson<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  return parseOrThrow(schema, await readJsonBody(request, PAYMENT_BODY_BYTES), 'The request body');
}
