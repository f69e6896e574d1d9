import { z } from "zod";

// Slack's three request shapes that reach the webhook URL: the Events
// API's url_verification and event_callback (JSON), and a slash command
// (form-encoded). Only the fields Flowgate reads.

const slackId = z.string().regex(/^[A-Z0-9]{1,32}$/, "must be a Slack id");
const opaqueId = z
  .string()
  .regex(/^[\w.-]{1,128}$/, "must be 1 to 128 letters, digits or ._-");

export const urlVerification = z.object({
  type: z.literal("url_verification"),
  challenge: z.string().min(1).max(512),
});

export const eventCallback = z.object({
  type: z.literal("event_callback"),
  team_id: slackId,
  event_id: opaqueId,
  event: z.object({
    type: z.string().max(64),
    subtype: z.string().max(64).optional(),
    user: z.string().max(64).optional(),
    bot_id: z.string().max(64).optional(),
    text: z.string().max(40_000).default(""),
  }),
});

export const slashCommand = z.object({
  command: z.string().max(64),
  text: z.string().max(40_000).default(""),
  team_id: slackId,
  user_id: z.string().max(64),
  user_name: z.string().max(255).optional(),
  trigger_id: opaqueId,
});

export type EventCallback = z.output<typeof eventCallback>;
export type SlashCommand = z.output<typeof slashCommand>;
