// What every device screen (/pos, /desk) keeps in view: the registered tablet, who is
// working, whether the server answers, and whether an update is waiting. Made once per
// screen while its component is being set up: the effects here belong to that component.
import { deviceApp, openDeviceScreen, signOutStaff } from '../client/device-app.ts';
import { onUpdateReady } from '../client/pwa/register.ts';
import type { DeviceInfo } from '../client/sync/outbox.ts';

export class DeviceScreen {
  device = $state<DeviceInfo | undefined>(undefined);
  staffId = $state<string | undefined>(undefined);
  /** the device is known and syncing (an unregistered tablet was sent to /setup) */
  ready = $state(false);
  online = $state(true);
  updateReady = $state(false);

  constructor() {
    $effect(() => {
      void openDeviceScreen().then((s) => {
        if (!s) return;
        this.device = s.device;
        this.staffId = s.staffId;
        this.ready = true;
      });
    });
    $effect(() => onUpdateReady((r) => (this.updateReady = r)));
    $effect(() => deviceApp().engine.onStatus((s) => (this.online = s.online)));
  }

  /** Whoever is working signs out; the PIN pad comes back. */
  async switchStaff(): Promise<void> {
    await signOutStaff();
    this.staffId = undefined;
  }
}
