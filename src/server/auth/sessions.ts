// Manager sessions: a random cookie value, of which only a SHA-256 is stored in
// app.sessions, valid 12 hours (DESIGN §5). Stored in the database, not in process
// memory, so the app server stays stateless and sign-out takes effect everywhere.
import { randomBytes } from 'node:crypto';
import { asService, type Db } from '../db/index.ts';
import { hashSessionToken } from './tokens.ts';

export const SESSION_COOKIE = 'tandem_session';
export const SESSION_SECONDS = 12 * 60 * 60;

export async function createSession(userId: string, userAgent: string | null, db?: Db) {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_SECONDS * 1000);
  await asService(async (tx) => {
    await tx.query(`delete from app.sessions where user_id = $1 and expires_at < now()`, [userId]);
    await tx.query(`insert into app.sessions (id_hash, user_id, expires_at, user_agent) values ($1, $2, $3, $4)`, [
      hashSessionToken(token),
      userId,
      expiresAt,
      userAgent?.slice(0, 300) ?? null,
    ]);
  }, db);
  return { token, expiresAt };
}

/** The user behind a session cookie, or null when it is unknown or expired. */
export async function readSession(token: string, db?: Db): Promise<{ userId: string } | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const rows = await asService(
    (tx) =>
      tx.query<{ user_id: string }>(
        `select s.user_id from app.sessions s join auth.users u on u.id = s.user_id
         where s.id_hash = $1 and s.expires_at > now() and (u.banned_until is null or u.banned_until < now())`,
        [hashSessionToken(token)],
      ),
    db,
  );
  return rows.rows[0] ? { userId: rows.rows[0].user_id } : null;
}

export async function deleteSession(token: string, db?: Db): Promise<void> {
  await asService((tx) => tx.query(`delete from app.sessions where id_hash = $1`, [hashSessionToken(token)]), db);
}
