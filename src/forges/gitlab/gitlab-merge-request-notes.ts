import type { MergeRequestNote } from "../forge.ts";
import { GitLabError } from "./gitlab-api.ts";
import type { GitLabForgeContext } from "./gitlab-forge-context.ts";
import { mergeRequestsPath } from "./gitlab-merge-requests.ts";

/** A note as GitLab's notes API answers it (the fields read). */
interface GitLabNoteJson {
  id: number;
  body: string;
  system?: boolean;
}

// GitLab's largest page; a merge request with more notes than these
// pages hold is searched from its newest note back, where a retry's
// note is.
const PER_PAGE = 100;
const MAX_PAGES = 10;

/**
 * Leaves a note on a merge request through GitLab's notes API, once per
 * key: the body ends with an HTML comment naming the key (GitLab renders
 * none of it), and a note carrying it already is left alone. A create
 * whose answer was lost may have happened, so after a transient failure
 * the note is looked for again before the error is passed on; GitLabApi
 * never repeats the POST itself.
 */
export async function addMergeRequestNote(
  context: GitLabForgeContext,
  iid: number,
  note: MergeRequestNote,
): Promise<void> {
  const marker = noteMarker(note.key);
  if (await hasNote(context, iid, marker)) return;

  try {
    await context.api.request("POST", notesPath(context, iid), {
      json: { body: `${note.body.trimEnd()}\n\n${marker}\n` },
    });
  } catch (error) {
    if (!(error instanceof GitLabError && error.transient)) throw error;
    const made = await hasNote(context, iid, marker).catch(() => false);
    if (!made) throw error;
  }
}

/** The comment that names a note's key inside its body. */
export function noteMarker(key: string): string {
  return `<!-- flowgate-note:${key.replace(/[^\w.:-]/g, "_")} -->`;
}

async function hasNote(
  context: GitLabForgeContext,
  iid: number,
  marker: string,
): Promise<boolean> {
  for (let page = 1; page <= MAX_PAGES; page += 1) {
    const notes = await context.api.request<GitLabNoteJson[]>(
      "GET",
      notesPath(context, iid),
      {
        query: {
          sort: "desc",
          order_by: "created_at",
          per_page: PER_PAGE,
          page,
        },
      },
    );
    const found = notes.some(
      (one) => one.system !== true && one.body.includes(marker),
    );
    if (found) return true;
    if (notes.length < PER_PAGE) return false;
  }
  return false;
}

function notesPath(context: GitLabForgeContext, iid: number): string {
  return `${mergeRequestsPath(context)}/${iid}/notes`;
}
