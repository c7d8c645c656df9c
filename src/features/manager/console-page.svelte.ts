// One console page's data and edits (issue #7): what the server holds for the chosen
// location, and mutations run through POST /api/manager/run all or nothing (the tablets'
// server mutators and RLS), the data reloaded after each so the page shows what the server
// now holds. A refusal shows the server's own message.
import { call } from './api.ts';

export type Mutation = { name: string; args: Record<string, unknown> };

export class ConsolePage<T> {
  data = $state<T | null>(null);
  error = $state('');
  notice = $state('');
  busy = $state(false);
  private locationId = '';
  private readonly path: (locationId: string) => string;

  constructor(path: (locationId: string) => string) {
    this.path = path;
  }

  /** Shows another location: what was shown goes, and its data is loaded. */
  open(locationId: string): void {
    this.locationId = locationId;
    this.data = null;
    this.error = this.notice = '';
    void this.load();
  }

  async load(): Promise<void> {
    const id = this.locationId;
    try {
      const d = (await call(this.path(id))) as T;
      if (id === this.locationId) this.data = d; // a slower answer for the location left behind is dropped
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  /** Runs the edits all or nothing; on success says so and reloads, on a refusal shows why. */
  async run(mutations: Mutation[], done: string): Promise<boolean> {
    this.busy = true;
    try {
      await call('/api/manager/run', { locationId: this.locationId, mutations });
      await this.load();
      this.error = '';
      this.notice = done;
      return true;
    } catch (e) {
      this.refuse((e as Error).message);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Says why an edit cannot be made, in place of any earlier notice. */
  refuse(message: string): void {
    this.error = message;
    this.notice = '';
  }
}
