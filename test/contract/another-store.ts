import { openStore, type Store } from "../../src/store/database.ts";
import type { StoreFixture } from "../runs/store-fixture.ts";

/**
 * A second store on the fixture's database, with connections of its own,
 * as another process would have: a second connection to the SQLite
 * file, or a second pool on the PostgreSQL database.
 */
export async function openAnotherStore(fixture: StoreFixture): Promise<Store> {
  return openStore({
    dataDir: fixture.dataDir,
    databaseUrl: databaseUrl(fixture),
  });
}

/** The PostgreSQL URL the fixture's pool connects to, or undefined. */
export function databaseUrl(fixture: StoreFixture): string | undefined {
  return fixture.store.pool?.options.connectionString;
}
