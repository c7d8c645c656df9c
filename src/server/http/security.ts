// Security headers and the CSRF rule (DESIGN §5, issue #2 step 7). HTML pages carry
// Astro's CSP meta with hashes for its own scripts; the header adds what a meta tag
// cannot say (frame-ancestors) and locks API responses down completely.

const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
const PAGE_CSP = "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'";

export function isHttps(url: URL, headers: Headers): boolean {
  if (url.protocol === 'https:') return true;
  return process.env.TRUST_PROXY === '1' && headers.get('x-forwarded-proto') === 'https';
}

export function withSecurityHeaders(res: Response, opts: { api: boolean; https: boolean }): Response {
  const out = new Response(res.body, res);
  const h = out.headers;
  h.set('Content-Security-Policy', opts.api ? API_CSP : PAGE_CSP);
  h.set('X-Content-Type-Options', 'nosniff');
  h.set('Referrer-Policy', 'strict-origin-when-cross-origin');
  h.set('X-Frame-Options', 'DENY');
  h.set('Cross-Origin-Opener-Policy', 'same-origin');
  h.set('Permissions-Policy', 'camera=(self), microphone=(), geolocation=(), payment=()');
  if (opts.https) h.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  if (opts.api && !h.has('cache-control')) h.set('Cache-Control', 'no-store');
  return out;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request that rides on a cookie must come from our own origin.
 * Device requests carry a bearer token and no cookie, so they are not exposed to CSRF.
 */
export function csrfProblem(request: Request, hasSessionCookie: boolean): string | null {
  if (SAFE.has(request.method)) return null;
  const origin = request.headers.get('origin');
  const host = (process.env.TRUST_PROXY === '1' && request.headers.get('x-forwarded-host')) || request.headers.get('host');
  const allowed = new Set((process.env.TANDEM_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  const matches = (o: string) => {
    if (allowed.has(o)) return true;
    try {
      return new URL(o).host === host;
    } catch {
      return false;
    }
  };
  if (origin && origin !== 'null') return matches(origin) ? null : 'This request came from another site and was refused.';
  if (hasSessionCookie) return 'A signed-in request that changes something must carry an Origin header.';
  return null;
}
