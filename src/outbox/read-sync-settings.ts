import { SYNC_EVENTS } from "./sync-event.ts";
import {
  type SyncSettings,
  syncSchema,
  syncSettings,
} from "./sync-settings.ts";

const NOTHING = Object.fromEntries(SYNC_EVENTS.map((event) => [event, false]));

/**
 * A trigger's stored `sync` column with its defaults. The admin API
 * validates it on the way in; a value stored before that validation
 * existed that does not parse reports nothing, rather than failing the
 * run change that reads it.
 */
export function readSyncSettings(stored: string): SyncSettings {
  const parsed = syncSchema.safeParse(JSON.parse(stored));
  return syncSettings(parsed.success ? parsed.data : { on: NOTHING });
}
