// The card reader behind one small interface (issue #6): Stripe Terminal's JavaScript SDK
// for a real reader, or the demo reader when the server has no Stripe keys. Every method
// returns { ok } or { error } with words a barista can act on; nothing throws into a
// component. The SDK is imported only when a real reader is used (it loads Stripe's script
// from their CDN, which needs the internet anyway: card payments are online only, §8).
import type { Terminal } from '@stripe/terminal-js/dist/terminal.esm.js';
import { connectionTokenResponseSchema, DEMO_READER_LABEL } from '../../shared/domain/payments.ts';

export type ReaderResult<T = object> = ({ ok: true } & T) | { ok: false; error: string; code?: string };

export interface CollectRequest {
  intentId: string;
  clientSecret: string;
  amountCents: number;
  /** demo reader only: the tip the customer chose on the "reader" */
  tipCents?: number;
}

export interface CardReader {
  readonly demo: boolean;
  /** what the screen calls the reader ("Demo reader — no money moves", "WisePOS E at the counter") */
  readonly label: string;
  connect(): Promise<ReaderResult<{ label: string }>>;
  /** Collects the card for this PaymentIntent and processes it on the reader. */
  collect(req: CollectRequest): Promise<ReaderResult>;
  /** Stops waiting for a card (the customer walked away). */
  cancel(): Promise<void>;
}

type Api = (path: string, body?: unknown) => Promise<unknown>;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The demo reader: the server's demo gateway approves or declines by the amount's last digits. */
export function demoReader(api: Api): CardReader {
  return {
    demo: true,
    label: DEMO_READER_LABEL,
    async connect() {
      return { ok: true, label: DEMO_READER_LABEL };
    },
    async collect(req) {
      try {
        await api(`/api/payments/intents/${encodeURIComponent(req.intentId)}/demo-process`, { tipCents: req.tipCents ?? 0 });
        return { ok: true };
      } catch (e) {
        const err = e as { message?: string; code?: string };
        return { ok: false, error: err.message ?? 'The demo reader failed.', code: err.code };
      }
    },
    async cancel() {},
  };
}

/** A Stripe Terminal reader at this location (the first one discovered; simulated in test mode). */
export function stripeReader(api: Api, opts: { location: string | null; simulated?: boolean; onDisconnect?: () => void }): CardReader {
  let terminal: Terminal | null = null;
  let label = 'Card reader';
  return {
    demo: false,
    get label() {
      return label;
    },
    async connect() {
      try {
        const { loadStripeTerminal } = await import('@stripe/terminal-js/dist/terminal.esm.js');
        const sdk = await loadStripeTerminal();
        if (!sdk) return { ok: false, error: 'The card reader software could not load. Check the internet connection.' };
        terminal ??= sdk.create({
          onFetchConnectionToken: async () => connectionTokenResponseSchema.parse(await api('/api/payments/connection-token')).secret,
          onUnexpectedReaderDisconnect: () => opts.onDisconnect?.(),
        });
        const found = await terminal.discoverReaders({ simulated: opts.simulated ?? false, ...(opts.location ? { location: opts.location } : {}) });
        if ('error' in found) return { ok: false, error: `No card reader found: ${found.error.message}`, code: found.error.code };
        const reader = found.discoveredReaders[0];
        if (!reader) return { ok: false, error: 'No card reader is registered at this location. Ask a manager to register one in Stripe.' };
        const connected = await terminal.connectReader(reader);
        if ('error' in connected) return { ok: false, error: `The card reader did not connect: ${connected.error.message}`, code: connected.error.code };
        label = reader.label ?? 'Card reader';
        return { ok: true, label };
      } catch (e) {
        return { ok: false, error: `The card reader could not start: ${message(e)}` };
      }
    },
    async collect(req) {
      if (!terminal) return { ok: false, error: 'The card reader is not connected.' };
      try {
        const collected = await terminal.collectPaymentMethod(req.clientSecret);
        if ('error' in collected) return { ok: false, error: collected.error.message, code: collected.error.code };
        const processed = await terminal.processPayment(collected.paymentIntent);
        if ('error' in processed) return { ok: false, error: processed.error.message, code: processed.error.code };
        return { ok: true };
      } catch (e) {
        return { ok: false, error: `The card reader failed: ${message(e)}` };
      }
    },
    async cancel() {
      await terminal?.cancelCollectPaymentMethod().catch(() => {});
    },
  };
}

/** The reader this server offers: Stripe when it has keys, the demo reader otherwise. */
export async function readerFor(api: Api, onDisconnect?: () => void): Promise<ReaderResult<{ reader: CardReader }>> {
  try {
    const t = connectionTokenResponseSchema.parse(await api('/api/payments/connection-token'));
    return { ok: true, reader: t.demo ? demoReader(api) : stripeReader(api, { location: t.location, onDisconnect }) };
  } catch (e) {
    return { ok: false, error: `Card payments are unavailable: ${message(e)}` };
  }
}
