import type { GitWorkspace } from "../forges/git-workspace.ts";
import type { Ticket } from "../tickets/ticket.ts";
import { renderPlan, renderSummary } from "./render-plan.ts";
import { ticketTerms } from "./ticket-terms.ts";

export interface OfflinePlan {
  /** The plan file, relative to the workspace. */
  path: string;
  /** Markdown for the merge request description. */
  summary: string;
  relatedFiles: string[];
}

const PLANS_DIR = "docs/plans";
const MAX_RELATED_FILES = 10;
const MAX_FILE_NAME_LENGTH = 100;

/**
 * The offline model (DESIGN.md §7): no model at all, only an honest plan.
 * Writes docs/plans/{external_reference}.md with the requirements, the
 * acceptance criteria as a checklist and the files related to the ticket.
 */
export async function writeOfflinePlan(
  workspace: GitWorkspace,
  ticket: Ticket,
  signal?: AbortSignal,
): Promise<OfflinePlan> {
  const planPath = `${PLANS_DIR}/${planFileName(ticket.externalReference)}`;
  const terms = ticketTerms(`${ticket.title}\n${ticket.description}`);

  // Plans are left out: on a retry the branch already holds this very
  // plan, and listing it would change the plan it is listed in.
  const relatedFiles = await workspace.grep(terms, MAX_RELATED_FILES, {
    excludePrefixes: [`${PLANS_DIR}/`],
    signal,
  });

  await workspace.writeFile(
    planPath,
    renderPlan({ ticket, terms, relatedFiles }),
  );
  return {
    path: planPath,
    summary: renderSummary(planPath, relatedFiles.length),
    relatedFiles,
  };
}

/** A file name from a reference: letters, digits and "._-" survive. */
export function planFileName(externalReference: string): string {
  const safe = externalReference
    .replace(/[^A-Za-z0-9._-]/g, "-")
    .slice(0, MAX_FILE_NAME_LENGTH);
  return `${safe}.md`;
}
