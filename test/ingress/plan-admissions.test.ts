import { describe, expect, it } from "vitest";
import type { Admission } from "../../src/ingress/admit-delivery.ts";
import {
  type KnownRuns,
  planAdmissions,
} from "../../src/ingress/plan-admissions.ts";

function admission(
  reference: string,
  deliveryKey: string,
  ids: { project?: number; trigger?: number } = {},
): Admission {
  return {
    project: { id: ids.project ?? 1, path: "acme/shop" },
    trigger: {
      id: ids.trigger ?? 10,
      executor: "agent",
      source: "generic",
      auth: "signature",
    },
    ticket: {
      workflowType: "developer",
      title: reference,
      description: "",
      externalReference: reference,
      externalUrl: undefined,
      externalSystem: "generic",
    },
    contextJson: "{}",
    workflowType: "developer",
    deliveryKey,
    sourceIp: null,
    headersJson: "{}",
    body: "{}",
    receivedAt: new Date(0),
    verifiedAt: new Date(0),
  };
}

const NOTHING_KNOWN: KnownRuns = { seen: new Map(), active: new Map() };

describe("planAdmissions", () => {
  it("starts a run for each new ticket", () => {
    const plan = planAdmissions(
      [admission("A-1", "k1"), admission("A-2", "k2")],
      NOTHING_KNOWN,
    );

    expect(plan).toEqual([{ kind: "accepted" }, { kind: "accepted" }]);
  });

  it("answers a delivery seen before with its run, before any other rule", () => {
    const known: KnownRuns = {
      seen: new Map([["10\nk1", 7]]),
      active: new Map([["1\nA-1", 8]]),
    };

    const plan = planAdmissions([admission("A-1", "k1")], known);

    expect(plan).toEqual([{ kind: "duplicate", runId: 7 }]);
  });

  it("joins a ticket's active run", () => {
    const known: KnownRuns = {
      seen: new Map(),
      active: new Map([["1\nA-1", 8]]),
    };

    const plan = planAdmissions([admission("A-1", "k1")], known);

    expect(plan).toEqual([{ kind: "joined", runId: 8 }]);
  });

  it("points repeats within the batch at the first delivery, as if committed one by one", () => {
    const plan = planAdmissions(
      [
        admission("A-1", "k1"),
        admission("A-1", "k1"),
        admission("A-1", "k2"),
        admission("A-1", "k2"),
      ],
      NOTHING_KNOWN,
    );

    expect(plan).toEqual([
      { kind: "accepted" },
      { kind: "duplicate", sameAs: 0 },
      { kind: "joined", sameAs: 0 },
      { kind: "duplicate", sameAs: 2 },
    ]);
  });

  it("keeps tickets and delivery keys of different projects and triggers apart", () => {
    const plan = planAdmissions(
      [
        admission("A-1", "k1", { project: 1, trigger: 10 }),
        admission("A-1", "k1", { project: 2, trigger: 20 }),
        admission("A-1", "k1", { project: 1, trigger: 11 }),
      ],
      NOTHING_KNOWN,
    );

    expect(plan).toEqual([
      { kind: "accepted" },
      { kind: "accepted" },
      { kind: "joined", sameAs: 0 },
    ]);
  });
});
