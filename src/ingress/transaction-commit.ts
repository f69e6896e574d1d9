import type { Db } from "../store/database.ts";
import { admitDeliveries } from "./admit-delivery.ts";
import type { CommitAdmissions } from "./commit-admissions.ts";

/**
 * The PostgreSQL commit: a batch of admissions in one transaction on a
 * pooled connection. A network database needs no thread of its own;
 * several batches commit at once on separate connections instead.
 */
export function transactionCommit(db: Db): CommitAdmissions {
  return (admissions, at) =>
    db.transaction().execute((trx) => admitDeliveries(trx, admissions, at));
}
