// Slack requests as Slack documents them: a slash command's form fields,
// an Events API event_callback with an app_mention, url_verification.
// Written for these tests.

export const TEAM = "T0ACME01";
export const BOT_USER = "U0FLOWGATE";
export const HUMAN = "U061F7AUR";
/** The channel the slash command and the mention come from. */
export const COMMAND_CHANNEL = "C2147483705";

export function slashCommand(text: string, triggerId = randomTriggerId()) {
  return new URLSearchParams({
    token: "gIkuvaNzQIHg97ATvDxqgjtO",
    team_id: TEAM,
    team_domain: "acme",
    enterprise_id: "E0001",
    enterprise_name: "Acme",
    channel_id: COMMAND_CHANNEL,
    channel_name: "dev",
    user_id: HUMAN,
    user_name: "steve",
    command: "/flowgate",
    text,
    api_app_id: "A123456",
    response_url: `https://hooks.slack.com/commands/${TEAM}/1234/abcd`,
    trigger_id: triggerId,
  }).toString();
}

export function appMention(
  text: string,
  eventId = `Ev${Math.floor(Math.random() * 1e10)}`,
  user = HUMAN,
) {
  return {
    token: "XXYYZZ",
    team_id: TEAM,
    api_app_id: "A123456",
    event: {
      type: "app_mention",
      user,
      text,
      ts: "1515449522.000016",
      channel: COMMAND_CHANNEL,
      event_ts: "1515449522.000016",
    },
    type: "event_callback",
    authorizations: [{ team_id: TEAM, user_id: BOT_USER, is_bot: true }],
    event_id: eventId,
    event_time: 1515449522,
  };
}

export function urlVerification(challenge: string) {
  return {
    token: "Jhj5dZrVaK7ZwHHjRyZWjbDl",
    challenge,
    type: "url_verification",
  };
}

function randomTriggerId() {
  return `${Date.now()}.${Math.floor(Math.random() * 1e11)}.${crypto.randomUUID().replace(/-/g, "")}`;
}
