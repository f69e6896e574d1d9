import fc from "fast-check";
import { expect } from "vitest";
import type { CreatedTrigger } from "../../helpers/test-server.ts";
import { countRows } from "../../ingress/raw-requests.ts";
import type { ProviderServer } from "../provider-server.ts";

export const CASES = 2_000;
const IN_FLIGHT = 8;
/** Each provider's 2,000 requests take a few seconds alone; the margin is
 * for suites sharing two cores with other work, where a run has taken
 * 40 seconds. */
export const FUZZ_TIMEOUT_MS = 150_000;

const REMOVE = Symbol("remove");
type Path = readonly string[];

/** A change that makes the payload invalid on its own: the field at
 * `path` removed or given a value of the wrong shape. */
export interface Breaking {
  path: Path;
  values: readonly unknown[];
  /** False where a payload without the field is still valid. */
  removable?: boolean;
}

/** One kind of event a provider sends, and how to break it. */
export interface FuzzKind {
  /** A fresh valid payload, as an object. */
  valid: () => Record<string, unknown>;
  breaking: readonly Breaking[];
  /** Writes the payload; JSON when absent (Slack's commands are forms). */
  encode?: (payload: Record<string, unknown>) => Buffer;
  /** Headers that name the kind (GitHub's X-GitHub-Event). */
  headers?: Record<string, string>;
}

export interface FuzzTarget {
  fg: ProviderServer;
  trigger: CreatedTrigger;
  kinds: readonly FuzzKind[];
  /** Signs a body the provider's way. */
  sign: (body: Buffer) => Record<string, string>;
  seed: number;
}

interface FuzzCase {
  body: Buffer;
  kind: FuzzKind;
}

const noise = fc.jsonValue({ maxDepth: 3 });

/** A form body as Slack writes one: every value a string. */
export function formBody(payload: Record<string, unknown>): Buffer {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(payload)) {
    form.append(
      name,
      typeof value === "string" ? value : (JSON.stringify(value) ?? ""),
    );
  }
  return Buffer.from(form.toString());
}

const asJson = (payload: Record<string, unknown>) =>
  Buffer.from(JSON.stringify(payload));

/** Well-formed bodies whose shape is broken somewhere essential, with
 * random noise elsewhere; or bodies of no expected shape; or not JSON. */
function malformedCase(target: FuzzTarget): fc.Arbitrary<FuzzCase> {
  return fc.constantFrom(...target.kinds).chain((kind) => {
    const encode = kind.encode ?? asJson;
    const broken = fc
      .record({
        noise: fc.array(
          fc.tuple(
            fc.array(fc.string({ maxLength: 12 }), {
              minLength: 1,
              maxLength: 3,
            }),
            noise,
          ),
          { maxLength: 3 },
        ),
        breaking: fc.constantFrom(...kind.breaking),
        pick: fc.nat(),
      })
      .map(({ noise: changes, breaking, pick }) => {
        const payload = kind.valid();
        for (const [path, value] of changes) setPath(payload, path, value);
        const values =
          breaking.removable === false
            ? breaking.values
            : [REMOVE, ...breaking.values];
        setPath(payload, breaking.path, values[pick % values.length]);
        return encode(payload);
      });
    const shapeless = noise.map((value) =>
      kind.encode
        ? Buffer.from(`text=${encodeURIComponent(JSON.stringify(value))}`)
        : Buffer.from(JSON.stringify(value) ?? "null"),
    );
    const garbled = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ maxLength: 64 }).map((text) => Buffer.from(`{${text}`)),
    );
    return fc
      .oneof(
        { arbitrary: broken, weight: 8 },
        { arbitrary: shapeless, weight: 1 },
        { arbitrary: garbled, weight: 1 },
      )
      .map((body) => ({ body, kind }));
  });
}

/**
 * Sends CASES malformed but correctly signed deliveries and checks that
 * none gets a 5xx or a 2xx that accepted it, and that no run was made.
 */
export async function fuzzProvider(target: FuzzTarget): Promise<void> {
  const cases = fc.sample(malformedCase(target), {
    numRuns: CASES,
    seed: target.seed,
  });
  const runsBefore = await countRows(target.fg.server, "runs");
  const statuses = new Map<number, number>();
  let next = 0;

  const worker = async () => {
    while (next < cases.length) {
      const { body, kind } = cases[next++] as FuzzCase;
      const answer = await target.fg.send(
        target.trigger,
        { ...target.sign(body), ...kind.headers },
        body,
      );
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status >= 500 || answer.status === 202) {
        throw new Error(
          `answered ${answer.status} to ${body.toString("utf8").slice(0, 500)}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

  expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(CASES);
  // Every kind of event had its share of the cases.
  for (const kind of target.kinds) {
    const sent = cases.filter((each) => each.kind === kind).length;
    expect(sent).toBeGreaterThan(CASES / target.kinds.length / 2);
  }
  expect(await countRows(target.fg.server, "runs")).toBe(runsBefore);
  // A source that throws is answered 400 too, but it is a defect: every
  // malformed payload must be refused by a check that names it.
  const defects = target.fg.server.logs
    .entries()
    .filter(
      (entry) => entry.msg === "a source could not read an authentic delivery",
    );
  expect(defects).toEqual([]);
  // Most cases must get past the signature to the parser and the schema.
  expect(statuses.get(400) ?? 0).toBeGreaterThan(CASES / 2);
}

function setPath(root: Record<string, unknown>, path: Path, value: unknown) {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== "object" || node === null) return;
    const record = node as Record<string, unknown>;
    if (typeof record[key] !== "object" || record[key] === null) {
      record[key] = {};
    }
    node = record[key];
  }
  const last = path[path.length - 1];
  if (last === undefined || typeof node !== "object" || node === null) return;
  if (value === REMOVE) delete (node as Record<string, unknown>)[last];
  else (node as Record<string, unknown>)[last] = value;
}
