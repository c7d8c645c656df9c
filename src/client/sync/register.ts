// What a tablet keeps after a manager registers it: which device it is, where, and its
// credential (exchanged for access tokens). Stored in the local database's meta table.
import { getMeta, setMeta, type LocalDb } from '../db/local-db.ts';
import type { DeviceInfo } from './outbox.ts';
import type { DeviceCredential } from './transport.ts';

export async function rememberDevice(db: LocalDb, device: DeviceInfo, credential: string): Promise<void> {
  await db.transaction('rw', db.meta, async () => {
    await setMeta(db, 'device', device);
    await setMeta(db, 'credential', { deviceId: device.deviceId, credential } satisfies DeviceCredential);
  });
}

export function storedCredential(db: LocalDb): Promise<DeviceCredential | undefined> {
  return getMeta<DeviceCredential>(db, 'credential');
}
