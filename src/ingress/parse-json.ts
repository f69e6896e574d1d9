import { Refusal } from "./refusal.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A verified body as JSON; not UTF-8 or not JSON is a 400. */
export function parseJson(raw: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new Refusal(
      400,
      "400 Bad request - the body is not valid UTF-8",
      "encoding",
      { errors: { base: ["is not valid UTF-8"] } },
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Refusal(
      400,
      "400 Bad request - the body is not valid JSON",
      "json",
      { errors: { base: ["is not valid JSON"] } },
    );
  }
}
