import type { Db } from "../../store/database.ts";

/** What every local forge operation needs; LocalForge holds one. */
export interface LocalForgeContext {
  db: Db;
  /** Bare repositories live here, as `<project path>.git`. */
  repositoriesDir: string;
  /** Base of the links in merge requests (FLOWGATE_PUBLIC_URL). */
  publicUrl: string;
  now: () => Date;
}
