// Queuing a mutation: its optimistic effect on the local tables and its outbox entry
// are written in ONE Dexie transaction with the next gap-free id, so a crash, a reload
// or an update can never keep one without the other (DESIGN §6 Client side).
import { mutatorDefs } from '../../shared/mutators/index.ts';
import type { OutboxExport } from '../../shared/sync/protocol.ts';
import type { Table } from 'dexie';
import { clientIdOf, getMeta, setMeta, type LocalDb, type OutboxEntry } from '../db/local-db.ts';
import { applierTables, appliers, type ApplyContext } from './appliers.ts';
import { LocalWriter } from './writer.ts';

export interface DeviceInfo {
  deviceId: string;
  locationId: string;
  organizationId: string;
  code: string;
}

export async function deviceInfo(db: LocalDb): Promise<DeviceInfo> {
  const d = await getMeta<DeviceInfo>(db, 'device');
  if (!d) throw new Error('This tablet is not registered yet.');
  return d;
}

export function applyContext(d: DeviceInfo, clientId: string, e: OutboxEntry): ApplyContext {
  return { deviceId: d.deviceId, locationId: d.locationId, organizationId: d.organizationId, staffId: e.staffId, clientTime: e.clientTime, key: `${clientId}:${e.id}` };
}

/** Queues a mutation and applies it locally; returns its id. Bad args throw: they are a bug in the screen. */
export async function mutate(db: LocalDb, name: string, args: unknown, staffId: string): Promise<number> {
  const [id] = await mutateMany(db, [{ name, args }], staffId);
  return id;
}

/** Who queues a mutation: a staff id, or the staff member signed in on this tablet. */
export const SIGNED_IN = Symbol('signed in');

/**
 * What the last mutation queued on a database found in its meta: the client id, the
 * device, the next mutation id and who was signed in. A tap's transaction starts its
 * first reads with these instead of waiting a round trip for the meta, and checks them
 * against the meta it reads in the same transaction before it commits; if any moved (a
 * second tab queued, staff switched, the sync engine restarted the client), it stops,
 * writing nothing, and runs again from the meta.
 */
interface MetaSeen {
  clientId: string;
  device: DeviceInfo;
  next: number;
  staff: string | null;
}
const lastSeen = new WeakMap<LocalDb, MetaSeen>();

class MetaMoved extends Error {}

const sameMeta = (a: MetaSeen, b: Partial<MetaSeen>) =>
  a.clientId === b.clientId && a.next === b.next && a.staff === b.staff && a.device.deviceId === b.device?.deviceId && a.device.locationId === b.device?.locationId && a.device.organizationId === b.device?.organizationId && a.device.code === b.device?.code;

/**
 * Queues several mutations that belong together (a sale and its payment) in ONE
 * transaction: after a crash either all of them are on the tablet or none is.
 * `staffId` SIGNED_IN reads who is working inside that same transaction (a tap pays for
 * no transaction of its own before the sale's).
 */
export async function mutateMany(db: LocalDb, list: { name: string; args: unknown }[], staffId: string | typeof SIGNED_IN): Promise<number[]> {
  const parsed = list.map(({ name, args }) => {
    const def = mutatorDefs.get(name);
    const apply = appliers[name];
    if (!def || !apply) throw new Error(`Unknown mutation ${name}`);
    return { name, args: def.args.parse(args), apply };
  });
  const tables = new Set(parsed.flatMap((m) => applierTables[m.name] ?? []));
  const scope = [db.outbox, db.meta, db.shadow, ...[...tables].map((t) => db.rows(t))];
  const guess = lastSeen.get(db);
  if (guess) {
    try {
      return await queue(db, parsed, scope, staffId, guess);
    } catch (e) {
      if (!(e instanceof MetaMoved)) throw e;
    }
  }
  return queue(db, parsed, scope, staffId);
}

async function queue(db: LocalDb, parsed: { name: string; args: unknown; apply: (typeof appliers)[string] }[], scope: Table[], staffId: string | typeof SIGNED_IN, guess?: MetaSeen): Promise<number[]> {
  const [ids, seen] = await db.transaction('rw', scope, async () => {
    // one round trip for what every mutation needs, issued first; with a guess it is
    // checked at the end instead of waited for at the start
    const read = db.meta.bulkGet(['clientId', 'device', 'nextMutationId', 'currentStaff']).then(([client, dev, next, signedIn]) => ({
      clientId: client?.value as string | undefined,
      device: dev?.value as DeviceInfo | undefined,
      next: (next?.value as number | undefined) ?? 1,
      staff: (signedIn?.value as string | null | undefined) ?? null,
    }));
    const meta = guess ?? (await read);
    // clientIdOf (a nested transaction) only on the very first mutation of a new database
    const clientId = meta.clientId ?? (await clientIdOf(db));
    const device = meta.device;
    const staff = staffId === SIGNED_IN ? meta.staff : staffId;
    if (guess && (!device || !staff)) throw new MetaMoved(); // the meta says why, next time
    if (!device) throw new Error('This tablet is not registered yet.');
    if (!staff) throw new Error('Pick who is working first.');
    let id = meta.next;
    const ids: number[] = [];
    const w = new LocalWriter(db);
    try {
      for (const m of parsed) {
        const entry: OutboxEntry = { id, name: m.name, args: m.args, staffId: staff, clientTime: new Date().toISOString() };
        await m.apply(w, m.args, applyContext(device, clientId, entry));
        w.defer(db.outbox.add(entry));
        ids.push(id++);
      }
    } catch (e) {
      // an applier that failed on a guess that was wrong: run again from the meta
      if (guess && !sameMeta(guess, await read)) throw new MetaMoved();
      throw e;
    }
    w.defer(db.meta.put({ key: 'nextMutationId', value: id }));
    if (guess && !sameMeta(guess, await read)) throw new MetaMoved(); // nothing is committed
    // every write above is in flight; the transaction commits once they are all done
    await w.flush();
    return [ids, { clientId, device, next: id, staff: meta.staff }] as const;
  });
  lastSeen.set(db, seen);
  return ids;
}

/** The next order number of this tablet (A-0001, A-0002, …), kept with the outbox. */
export async function nextOrderSequence(db: LocalDb): Promise<number> {
  return db.transaction('rw', db.meta, async () => {
    const n = ((await getMeta<number>(db, 'orderSeq')) ?? 0) + 1;
    await setMeta(db, 'orderSeq', n);
    return n;
  });
}


/** The waiting mutations as a file a manager can import elsewhere (DESIGN §6). */
export async function exportOutbox(db: LocalDb): Promise<OutboxExport> {
  const device = await deviceInfo(db);
  return {
    kind: 'tandem-outbox',
    version: 1,
    clientId: await clientIdOf(db),
    deviceId: device.deviceId,
    exportedAt: new Date().toISOString(),
    mutations: await db.outbox.orderBy('id').toArray(),
  };
}
