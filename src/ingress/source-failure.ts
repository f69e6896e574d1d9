import type { Logger } from "pino";
import type { Source } from "../sources/source.ts";
import { Refusal } from "./refusal.ts";

/**
 * Runs one step in which a source reads an authentic delivery (parse,
 * delivery id, normalize, present). A Refusal passes through; anything
 * else is a payload the source did not expect, which no retry will fix:
 * the delivery is refused with 400, so that the sender stops retrying,
 * and the log names the source, not the storage, as what failed.
 */
export function readBySource<T>(
  logger: Logger,
  source: Source,
  step: string,
  read: () => T,
): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof Refusal) throw error;
    logger.error(
      { err: error, source: source.name, step },
      "a source could not read an authentic delivery",
    );
    throw new Refusal(
      400,
      `400 Bad request - the ${source.name} delivery could not be read ` +
        `(${step}); it was not accepted and a retry of the same body will ` +
        "be refused too",
      "source error",
      { errors: { base: [`could not be read by the ${source.name} source`] } },
    );
  }
}
