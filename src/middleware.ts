// Every request passes here: who is asking (session cookie or device token) into
// Astro.locals, the CSRF rule, body size limits, security headers, and the error
// envelope of DESIGN §10 for anything an API endpoint throws.
import { defineMiddleware } from 'astro:middleware';
import { AppError } from './shared/errors.ts';
import { resolvePrincipal } from './server/auth/principal.ts';
import { SESSION_COOKIE } from './server/auth/sessions.ts';
import { bodyLimitFor, clientIp, errorResponse, tooLarge } from './server/http/respond.ts';
import { csrfProblem, isHttps, withSecurityHeaders } from './server/http/security.ts';

export const onRequest = defineMiddleware(async (ctx, next) => {
  const api = ctx.url.pathname.startsWith('/api/');
  const https = isHttps(ctx.url, ctx.request.headers);
  let res: Response;
  try {
    ctx.locals.clientIp = clientIp(ctx.request, () => ctx.clientAddress);
    ctx.locals.principal = { kind: 'anon' };
    if (api) {
      const declared = Number(ctx.request.headers.get('content-length') ?? '0');
      const limit = bodyLimitFor(ctx.url.pathname);
      if (declared > limit) throw tooLarge(limit);
      const problem = csrfProblem(ctx.request, Boolean(ctx.cookies.get(SESSION_COOKIE)?.value));
      if (problem) throw new AppError('FORBIDDEN', problem);
    }
    if (api || ctx.cookies.get(SESSION_COOKIE)) {
      ctx.locals.principal = await resolvePrincipal(ctx.request.headers, (n) => ctx.cookies.get(n)?.value);
    }
    res = await next();
    if (api && res.status === 404 && !res.headers.get('content-type')?.includes('application/json')) {
      res = errorResponse(new AppError('NOT_FOUND', `There is no API endpoint ${ctx.request.method} ${ctx.url.pathname}.`));
    }
  } catch (err) {
    res = errorResponse(err);
  }
  return withSecurityHeaders(res, { api, https });
});
