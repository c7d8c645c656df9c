// Staff PINs: PBKDF2-SHA256 with a per-staff salt (DESIGN §5). The server stores the
// hash; devices receive it by sync and check a PIN offline with WebCrypto, which the
// browser, the service worker and Node all provide. A PIN identifies who did what;
// it is not a credential to the server.

export const PIN_ITERATIONS = 100_000;
export const PIN_PATTERN = /^[0-9]{4,8}$/;

function toHex(buf: ArrayBuffer | Uint8Array): string {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(hex.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export async function derivePin(pin: string, saltHex: string, iterations = PIN_ITERATIONS): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: fromHex(saltHex), iterations },
    key,
    256,
  );
  return toHex(bits);
}

export interface PinHash {
  pin_hash: string;
  pin_salt: string;
  pin_iterations: number;
}

export async function hashPin(pin: string, iterations = PIN_ITERATIONS): Promise<PinHash> {
  if (!PIN_PATTERN.test(pin)) throw new Error('A PIN is 4 to 8 digits.');
  const salt = toHex(crypto.getRandomValues(new Uint8Array(16)));
  return { pin_hash: await derivePin(pin, salt, iterations), pin_salt: salt, pin_iterations: iterations };
}

/** Constant-time comparison of the derived hash. */
export async function verifyPin(pin: string, stored: PinHash): Promise<boolean> {
  if (!PIN_PATTERN.test(pin)) return false;
  const got = await derivePin(pin, stored.pin_salt, stored.pin_iterations);
  if (got.length !== stored.pin_hash.length) return false;
  let diff = 0;
  for (let i = 0; i < got.length; i++) diff |= got.charCodeAt(i) ^ stored.pin_hash.charCodeAt(i);
  return diff === 0;
}
