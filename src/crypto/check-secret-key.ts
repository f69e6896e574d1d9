import { ConfigError } from "../config/read-config.ts";
import type { Db } from "../store/database.ts";
import type { SecretBox } from "./secret-box.ts";

const SETTING = "secret_key_check";
const CHECK_TEXT = "flowgate secret key check";

/**
 * Seals a known text with the instance key the first time a database is
 * used, and opens it at every start after that. A process whose key
 * differs (a second API process with its own generated key, say) stops
 * here, before it accepts a secret it could never decrypt again.
 */
export async function checkSecretKey(
  db: Db,
  box: SecretBox,
  now: Date,
): Promise<void> {
  await db
    .insertInto("settings")
    .values({
      name: SETTING,
      value: box.seal(CHECK_TEXT),
      created_at: now.toISOString(),
    })
    .onConflict((conflict) => conflict.column("name").doNothing())
    .execute();
  const stored = await db
    .selectFrom("settings")
    .select("value")
    .where("name", "=", SETTING)
    .executeTakeFirstOrThrow();

  let opened: string | undefined;
  try {
    opened = box.open(stored.value);
  } catch {
    opened = undefined;
  }
  if (opened !== CHECK_TEXT) {
    throw new ConfigError(
      "FLOWGATE_SECRET_KEY",
      "is not the key that sealed the secrets already in this database; " +
        "every process of one deployment must share one key " +
        "(see docs/scaling.md)",
    );
  }
}
