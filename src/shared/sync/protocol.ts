// The push/pull protocol of DESIGN §6, as zod schemas both sides parse with. The client
// never sends row patches, only intents (mutations by name); the server answers pulls
// with row patches against a cookie that is a per-location (and per-organization) version.
import { z } from 'zod';

/** Bumped when the tables a tablet holds change shape; a pull across versions resyncs. */
export const SCHEMA_VERSION = 1;
export const MAX_PUSH_MUTATIONS = 500;
export const MAX_PUSH_BYTES = 1024 * 1024;

export const mutationSchema = z.strictObject({
  id: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  name: z.string().min(1).max(100),
  // Parsed again, strictly, by the named mutator's own schema; bad args reject one mutation.
  args: z.unknown(),
  staffId: z.uuid(),
  clientTime: z.iso.datetime({ offset: true }),
});
export type Mutation = z.infer<typeof mutationSchema>;

export const pushRequestSchema = z.strictObject({
  clientId: z.uuid(),
  schemaVersion: z.int().min(1),
  mutations: z.array(mutationSchema).max(MAX_PUSH_MUTATIONS),
});
export type PushRequest = z.infer<typeof pushRequestSchema>;

export const mutationResultSchema = z.object({
  id: z.number(),
  status: z.enum(['applied', 'duplicate', 'rejected']),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type MutationResult = z.infer<typeof mutationResultSchema>;

export const pushResponseSchema = z.object({
  lastMutationId: z.number(),
  results: z.array(mutationResultSchema),
});
export type PushResponse = z.infer<typeof pushResponseSchema>;

export const pullRequestSchema = z.strictObject({
  clientId: z.uuid(),
  cookie: z.string().max(500).nullable(),
  schemaVersion: z.int().min(1),
});
export type PullRequest = z.infer<typeof pullRequestSchema>;

/**
 * What a tablet says about its own queue with each pull, for the console's devices page
 * (issue #7: "waiting mutations as last reported"). A header, not a body field: the pull's
 * JSON is fixed by DESIGN §6, and a server that does not read the header loses nothing.
 * `waiting=3; oldest=2026-11-26T09:00:00.000Z; app=0.1.0+abc123`
 */
export const QUEUE_HEADER = 'x-tandem-queue';
export const queueReportSchema = z.object({
  waiting: z.coerce.number().int().min(0).max(100_000_000),
  oldest: z.iso.datetime().nullable().default(null),
  app: z.string().trim().min(1).max(64).regex(/^[\w.+-]+$/).nullable().default(null),
});
export type QueueReport = z.infer<typeof queueReportSchema>;
export function formatQueueReport(r: QueueReport): string {
  return [`waiting=${r.waiting}`, r.oldest ? `oldest=${r.oldest}` : '', r.app ? `app=${r.app}` : ''].filter(Boolean).join('; ');
}
/** The header's report, or null when it is missing or malformed (it is advice, never a refusal). */
export function parseQueueReport(header: string | null): QueueReport | null {
  if (!header || header.length > 300) return null;
  const kv = Object.fromEntries(header.split(';').map((p) => p.trim().split('=')).filter((p) => p.length === 2 && p[0]).map(([k, v]) => [k.trim(), v.trim()]));
  const r = queueReportSchema.safeParse(kv);
  return r.success ? r.data : null;
}

export const patchOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('put'), table: z.string(), row: z.record(z.string(), z.unknown()) }),
  z.object({ op: z.literal('del'), table: z.string(), id: z.string() }),
  z.object({ op: z.literal('clear') }),
]);
export type PatchOp = z.infer<typeof patchOpSchema>;

export const pullResponseSchema = z.object({
  cookie: z.string(),
  lastMutationId: z.number(),
  more: z.boolean(),
  patch: z.array(patchOpSchema),
});
export type PullResponse = z.infer<typeof pullResponseSchema>;

/**
 * The tables a tablet holds, with the scope each is versioned in. Location tables carry
 * location_id; organization tables carry organization_id. `locations` and
 * `organizations` are scoped by their own id.
 */
export const SYNCED_TABLES = {
  organizations: 'org',
  locations: 'location',
  staff: 'org',
  staff_locations: 'location',
  devices: 'location',
  customers: 'org',
  categories: 'location',
  products: 'location',
  product_availability: 'location',
  modifier_groups: 'location',
  modifiers: 'location',
  product_modifier_groups: 'location',
  inventory_items: 'location',
  recipe_lines: 'location',
  orders: 'location',
  order_items: 'location',
  payments: 'location',
  refunds: 'location',
  stock_movements: 'location',
  stock_levels: 'location',
  drawer_sessions: 'location',
  drawer_movements: 'location',
  loyalty_ledger: 'org',
  class_types: 'location',
  class_sessions: 'location',
  bookings: 'location',
  plans: 'org',
  customer_passes: 'org',
  credit_ledger: 'org',
  waivers: 'org',
  reconciliation_items: 'location',
} as const;
export type SyncedTable = keyof typeof SYNCED_TABLES;
export const SYNCED_TABLE_NAMES = Object.keys(SYNCED_TABLES) as SyncedTable[];

/** A tablet's waiting mutations saved to a file (staff export it; a manager imports it). */
export const outboxExportSchema = z.strictObject({
  kind: z.literal('tandem-outbox'),
  version: z.literal(1),
  clientId: z.uuid(),
  deviceId: z.uuid(),
  exportedAt: z.iso.datetime({ offset: true }),
  mutations: z.array(mutationSchema).max(100_000),
});
export type OutboxExport = z.infer<typeof outboxExportSchema>;
