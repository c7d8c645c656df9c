// Bad input on each endpoint of this issue: a clear 4xx in the envelope of DESIGN §10,
// and nothing written. The server gets only bad requests (plus one sign-in, to reach the
// manager endpoints); afterwards every table has the row count it had after seeding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../src/shared/errors.ts';
import { DEMO_MANAGER_EMAIL } from '../../src/server/db/seed.ts';
import { client, countRows, startAppServer, TEST_PASSWORD, type AppServer } from '../fixtures/app-server.ts';
import { engines } from '../fixtures/engines.ts';

type Case = [name: string, method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, status: number, code: string, headers?: Record<string, string>];

const big = JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(1024 * 1024 + 10) });

describe.each(engines())('bad input on $name', ({ name }) => {
  let app: AppServer;
  let manager: ReturnType<typeof client>;
  beforeAll(async () => {
    app = await startAppServer(name);
    manager = client(app.url);
    expect((await manager.post('/api/auth/signin', { email: DEMO_MANAGER_EMAIL, password: TEST_PASSWORD })).status).toBe(200);
  });
  afterAll(() => app?.destroy());

  const cases = (): Case[] => [
    ['signin: not JSON', 'POST', '/api/auth/signin', '{nope', 400, 'VALIDATION_FAILED'],
    ['signin: wrong content type', 'POST', '/api/auth/signin', 'email=a', 400, 'VALIDATION_FAILED', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['signin: missing password', 'POST', '/api/auth/signin', { email: 'a@b.co' }, 400, 'VALIDATION_FAILED'],
    ['signin: not an email', 'POST', '/api/auth/signin', { email: 'nobody', password: 'x' }, 400, 'VALIDATION_FAILED'],
    ['signin: unknown field', 'POST', '/api/auth/signin', { email: 'a@b.co', password: 'x', admin: true }, 400, 'VALIDATION_FAILED'],
    ['signin: array body', 'POST', '/api/auth/signin', [], 400, 'VALIDATION_FAILED'],
    ['signin: over 1 MB', 'POST', '/api/auth/signin', big, 413, 'PAYLOAD_TOO_LARGE'],
    ['devices: no location', 'POST', '/api/devices', { name: 'Till' }, 400, 'VALIDATION_FAILED'],
    ['devices: location not a uuid', 'POST', '/api/devices', { locationId: '1; drop table devices', name: 'Till' }, 400, 'VALIDATION_FAILED'],
    ['devices: empty name', 'POST', '/api/devices', { locationId: crypto.randomUUID(), name: '  ' }, 400, 'VALIDATION_FAILED'],
    ['devices: name too long', 'POST', '/api/devices', { locationId: crypto.randomUUID(), name: 'x'.repeat(101) }, 400, 'VALIDATION_FAILED'],
    ['devices: unknown location', 'POST', '/api/devices', { locationId: crypto.randomUUID(), name: 'Till' }, 404, 'NOT_FOUND'],
    ['devices/token: missing credential', 'POST', '/api/devices/token', { deviceId: crypto.randomUUID() }, 400, 'VALIDATION_FAILED'],
    ['devices/token: id not a uuid', 'POST', '/api/devices/token', { deviceId: 'abc', credential: 'x'.repeat(43) }, 400, 'VALIDATION_FAILED'],
    ['devices/token: no such device', 'POST', '/api/devices/token', { deviceId: crypto.randomUUID(), credential: 'x'.repeat(43) }, 401, 'UNAUTHENTICATED'],
    ['devices/:id: not a uuid', 'DELETE', '/api/devices/not-a-uuid', undefined, 400, 'VALIDATION_FAILED'],
    ['devices/:id: unknown', 'DELETE', `/api/devices/${crypto.randomUUID()}`, undefined, 404, 'NOT_FOUND'],
    ['locations: bad bearer header', 'GET', '/api/locations', undefined, 401, 'UNAUTHENTICATED', { authorization: 'Basic abc', cookie: '' }],
    ['unknown endpoint', 'GET', '/api/nothing-here', undefined, 404, 'NOT_FOUND'],
  ];

  it('answers every bad request with a 4xx in the envelope', async () => {
    for (const [label, method, path, body, status, code, headers] of cases()) {
      const r =
        method === 'GET' ? await manager.get(path, headers) : method === 'DELETE' ? await manager.del(path, headers) : await manager.post(path, body, headers);
      expect(r.status, label).toBe(status);
      expect(errorEnvelopeSchema.safeParse(r.json).success, `${label}: ${r.text.slice(0, 200)}`).toBe(true);
      expect(r.json.error.code, label).toBe(code);
      expect(r.json.error.message.length, label).toBeGreaterThan(10);
      expect(r.headers.get('content-type'), label).toContain('application/json');
    }
  });

  it('wrote nothing but the one session', async () => {
    await app.stop(); // PGlite has one owner: read its files once the server is down
    const db = await app.openDb();
    try {
      const after = await countRows(db);
      expect(after['app.sessions']).toBe(app.baseline['app.sessions'] + 1);
      expect({ ...after, 'app.sessions': 0 }).toEqual({ ...app.baseline, 'app.sessions': 0 });
    } finally {
      await db.close();
    }
  });
});
