import { z } from "zod";
import { SYNC_EVENTS, type SyncEvent } from "./sync-event.ts";

const HOUR_S = 60 * 60;
const DEFAULT_GIVE_UP_S = 24 * HOUR_S;

const perEvent = <T extends z.ZodType>(value: T) =>
  z.partialRecord(z.enum(SYNC_EVENTS), value);

/** A trigger's `sync` object as the admin API takes it (DESIGN.md §3). */
export const syncSchema = z
  .object({
    /** Keep a tracking comment on the ticket. */
    comment: z.boolean(),
    /** Link the ticket to the merge request (where the provider can). */
    link: z.boolean(),
    /** Which events report at all; each is on unless set to false. */
    on: perEvent(z.boolean()),
    /** Status or transition names to move the ticket to, per event. */
    transitions: perEvent(z.string().trim().min(1).max(255)),
    /** Labels to add, per event (GitHub). */
    labels: perEvent(z.array(z.string().trim().min(1).max(100)).max(20)),
    /** ServiceNow: the journal field notes go to. */
    note_field: z.enum(["work_notes", "comments"]),
    callback_url: z.url({ protocol: /^https?$/ }).max(2048),
    /** How long a message is retried before it gives up. */
    give_up_after_s: z
      .number()
      .int()
      .min(60)
      .max(7 * 24 * HOUR_S),
  })
  .partial()
  .strict();

export type SyncInput = z.output<typeof syncSchema>;

/** The settings with their defaults, as reporters read them. */
export interface SyncSettings {
  comment: boolean;
  link: boolean;
  on: Record<SyncEvent, boolean>;
  transitions: Partial<Record<SyncEvent, string>>;
  labels: Partial<Record<SyncEvent, string[]>>;
  noteField: "work_notes" | "comments";
  callbackUrl: string | undefined;
  giveUpAfterMs: number;
}

export function syncSettings(input: SyncInput): SyncSettings {
  const on = Object.fromEntries(
    SYNC_EVENTS.map((event) => [event, input.on?.[event] ?? true]),
  ) as Record<SyncEvent, boolean>;
  return {
    comment: input.comment ?? true,
    link: input.link ?? true,
    on,
    transitions: input.transitions ?? {},
    labels: input.labels ?? {},
    noteField: input.note_field ?? "work_notes",
    callbackUrl: input.callback_url,
    giveUpAfterMs: (input.give_up_after_s ?? DEFAULT_GIVE_UP_S) * 1000,
  };
}
