// The part of @stripe/terminal-js the reader wrapper uses (DESIGN §8), declared for the
// package's plain ES build. Its own type definitions bring an old `stripe` (v8) module
// declaration along that would shadow the server's stripe@23 types for the whole project,
// so the reader imports the build file and these types instead.
// Shapes from https://docs.stripe.com/terminal/references/api/js-sdk.
declare module '@stripe/terminal-js/dist/terminal.esm.js' {
  export interface TerminalError {
    code: string;
    message: string;
  }
  export type ErrorResponse = { error: TerminalError };
  export interface Reader {
    id: string;
    label: string | null;
  }
  export interface Terminal {
    discoverReaders(config?: { simulated?: boolean; location?: string }): Promise<{ discoveredReaders: Reader[] } | ErrorResponse>;
    connectReader(reader: Reader): Promise<{ reader: Reader } | ErrorResponse>;
    collectPaymentMethod(clientSecret: string): Promise<{ paymentIntent: unknown } | ErrorResponse>;
    processPayment(paymentIntent: unknown): Promise<{ paymentIntent: unknown } | ErrorResponse>;
    cancelCollectPaymentMethod(): Promise<unknown>;
  }
  export interface StripeTerminal {
    create(props: { onFetchConnectionToken: () => Promise<string>; onUnexpectedReaderDisconnect?: () => void }): Terminal;
  }
  export function loadStripeTerminal(): Promise<StripeTerminal | null>;
}
