import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slashCommand } from "../fakes/slack-payloads.ts";
import {
  type ProviderServer,
  slackHeaders,
  startProviderServer,
} from "../sources/provider-server.ts";

// A Slack trigger with no credentials still reports back: a slash
// command's response_url needs no token. This machine reaches no Slack,
// so the message stays pending with a transient error, which must name
// the response_url without showing it (it is a bearer secret).

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";

let fg: ProviderServer;
beforeAll(async () => {
  fg = await startProviderServer();
});
afterAll(async () => fg.close());

describe("a slash command's run on a Slack trigger without credentials", () => {
  it("queues its tracking message for the response_url and never shows the URL", async () => {
    const slack = await fg.trigger("slack", { signing_secret: SECRET });
    const body = slashCommand("PROJ-88 add retries");
    const answer = await fg.send(
      slack,
      slackHeaders(SECRET, body, { form: true }),
      body,
    );
    expect(answer.status).toBe(200);
    const [run] = await fg.runs("PROJ-88");
    expect(run).toBeDefined();

    const path = `/api/v4/projects/${fg.projectId}/workflows/runs/${run.id}/messages`;
    const deadline = Date.now() + 15_000;
    let messages: Record<string, any>[] = [];
    while (!messages.some((message) => message.attempts > 0)) {
      if (Date.now() > deadline) throw new Error(JSON.stringify(messages));
      await new Promise((resolve) => setTimeout(resolve, 50));
      messages = (await fg.server.admin("GET", path)).body;
    }
    expect(messages[0]?.last_error).toContain("response_url");
    expect(messages[0]).toMatchObject({
      event: "queued",
      action: "comment",
      status: "pending",
    });
    const responseUrl = new URLSearchParams(body).get("response_url") ?? "";
    expect(responseUrl).toContain("hooks.slack.com");
    expect(JSON.stringify(messages)).not.toContain(responseUrl);
    expect(fg.server.logs.text).not.toContain(responseUrl);
  });
});
