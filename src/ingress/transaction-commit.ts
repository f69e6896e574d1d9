import type { Db } from "../store/database.ts";
import type { DialectName } from "../store/dialect.ts";
import { admitDeliveries } from "./admit-delivery.ts";
import type { CommitAdmissions } from "./commit-admissions.ts";
import { retryingRacedAdmissions } from "./retry-raced-admissions.ts";

/**
 * The PostgreSQL commit: a batch of admissions in one transaction on a
 * pooled connection. A network database needs no thread of its own;
 * several batches commit at once on separate connections instead, and
 * other processes commit theirs, so a batch that lost a delivery to one
 * of them is committed again.
 */
export function transactionCommit(
  db: Db,
  dialect: DialectName,
): CommitAdmissions {
  return retryingRacedAdmissions((admissions, at) =>
    db
      .transaction()
      .execute((trx) => admitDeliveries(trx, admissions, at, dialect)),
  );
}
