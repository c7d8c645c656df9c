// `npm start`: build when the build is missing or stale, open the database (PGlite
// under DATA_DIR unless DATABASE_URL is set), migrate, seed the demo on a new embedded
// database, print how to sign in, then run the built standalone server.
// Run by Node 24 directly (erasable TypeScript), before any bundling.
import fs from 'node:fs';
import { build, buildIsStale, serverEntry } from './build.ts';
import { openDb, optionsFromEnv } from './db/index.ts';
import { migrate } from './db/migrate.ts';
import { DEMO_MANAGER_EMAIL, DEMO_PINS, seedDemo } from './db/seed.ts';
import { generatePassword, hashPassword } from './auth/passwords.ts';

async function prepareDatabase() {
  const opts = optionsFromEnv();
  if (opts.dataDir) fs.mkdirSync(opts.dataDir, { recursive: true });
  const db = await openDb(opts);
  try {
    const m = await migrate(db);
    if (m.applied.length) console.log(`[tandem] migrations applied: ${m.applied.join(', ')}`);
    const embedded = db.mode === 'embedded';
    if (!embedded && process.env.SEED_DEMO !== '1') return { db: db.mode };
    const given = process.env.DEMO_PASSWORD;
    const password = given || generatePassword();
    const seed = await seedDemo(db, { password });
    if (!seed.created && given) {
      // DEMO_PASSWORD on a later start resets the demo manager's password to it.
      await db.query(`update auth.users set encrypted_password = $1, updated_at = now() where lower(email) = $2`, [
        await hashPassword(given),
        DEMO_MANAGER_EMAIL,
      ]);
    }
    return { db: db.mode, seed, password: seed.created || given ? password : null };
  } finally {
    await db.close();
  }
}

async function main() {
  if (process.env.TANDEM_SKIP_BUILD !== '1' && buildIsStale()) build();
  const info = await prepareDatabase();
  process.env.HOST ??= 'localhost';
  process.env.PORT ??= '4321';
  await import(serverEntry);
  const url = `http://${process.env.HOST === '0.0.0.0' ? 'localhost' : process.env.HOST}:${process.env.PORT}`;
  const lines = [
    '',
    `  Tandem is running at ${url}  (${info.db === 'embedded' ? `embedded database in ${optionsFromEnv().dataDir}` : 'connected to DATABASE_URL'})`,
  ];
  const stripeKey = process.env.STRIPE_SECRET_KEY ?? '';
  lines.push(
    stripeKey
      ? `  Card payments: Stripe Terminal (${stripeKey.startsWith('sk_live_') ? 'LIVE' : 'test mode'})${process.env.STRIPE_WEBHOOK_SECRET ? '' : ' — set STRIPE_WEBHOOK_SECRET so Stripe can confirm payments'}`
      : '  Card payments: demo reader, no money moves (set STRIPE_SECRET_KEY for Stripe Terminal)',
  );
  if ('seed' in info && info.seed) {
    lines.push(`  Demo manager: ${DEMO_MANAGER_EMAIL}`);
    lines.push(
      info.password
        ? `  Password:     ${info.password}${process.env.DEMO_PASSWORD ? ' (from DEMO_PASSWORD)' : ' (generated; set DEMO_PASSWORD to choose one)'}`
        : '  Password:     as printed at the first start (set DEMO_PASSWORD and restart to reset it)',
    );
    lines.push('  Staff PINs:   ' + DEMO_PINS.map((s) => `${s.name} (${s.role}) ${s.pin}`).join(', '));
  }
  console.log(lines.join('\n') + '\n');
}

await main();
