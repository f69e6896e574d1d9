import { parseJson } from "../../ingress/parse-json.ts";
import { Refusal } from "../../ingress/refusal.ts";
import { mediaTypeOf } from "../media-type.ts";
import type { InboundDelivery } from "../source.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Slash commands come form-encoded, Events API callbacks as JSON. */
export function parseSlack(delivery: InboundDelivery): unknown {
  if (mediaTypeOf(delivery.headers["content-type"]) === "application/json") {
    return parseJson(delivery.rawBody);
  }
  let text: string;
  try {
    text = utf8.decode(delivery.rawBody);
  } catch {
    throw new Refusal(
      400,
      "400 Bad request - the body is not valid UTF-8",
      "encoding",
      { errors: { base: ["is not valid UTF-8"] } },
    );
  }
  const form: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    // The first value wins: a repeated field cannot replace what was read.
    if (!Object.hasOwn(form, name)) form[name] = value;
  }
  return form;
}
