import { runGit } from "../../git/run-git.ts";

/** One file's change in the shape GitLab's compare API answers. */
export interface CompareDiff {
  old_path: string;
  new_path: string;
  a_mode: string;
  b_mode: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
  /** The patch from its first hunk header on, as GitLab shows it;
   * empty when it is too large. */
  diff: string;
  /** True when the patch was left out for the limits below. */
  too_large: boolean;
  /** GitLab collapses diffs it can expand on request; this forge never
   * does, so it is always false. */
  collapsed: boolean;
}

// GitLab's default diff limits (Admin > Settings > Diff limits): a
// comparison past them lists the files but leaves their patches out, so
// that a huge branch cannot make a huge answer or a page that hangs.
const MAX_PATCH_BYTES = 200 * 1024;
const MAX_FILES = 1000;
const MAX_LINES = 50_000;

interface RawEntry {
  aMode: string;
  bMode: string;
  status: string;
  oldPath: string;
  newPath: string;
}

// Options that make the output independent of any configuration.
const PATCH_OPTIONS = [
  "--no-color",
  "--no-ext-diff",
  "--no-textconv",
  "--src-prefix=a/",
  "--dst-prefix=b/",
  "-M",
];

/**
 * The changes from `baseSha` to `toSha`, one entry per file. Two runs of
 * git diff: --raw -z gives exact paths and modes, the patch gives the
 * text; both list the files in the same order.
 *
 * A file's patch is left out (`too_large`) when it alone is over the
 * size limit, or once the files or changed lines before it reach theirs.
 */
export async function listDiffs(
  bare: string,
  baseSha: string,
  toSha: string,
  signal?: AbortSignal,
): Promise<CompareDiff[]> {
  const raw = await runGit(
    ["diff", "--raw", "-z", "--no-abbrev", "-M", baseSha, toSha, "--"],
    { cwd: bare, signal },
  );
  const patch = await runGit(["diff", ...PATCH_OPTIONS, baseSha, toSha, "--"], {
    cwd: bare,
    signal,
  });

  const entries = parseRaw(raw);
  // Content lines start with " ", "+" or "-", so only a file header can.
  const sections = patch
    .split(/^(?=diff --git )/m)
    .filter((section) => section.startsWith("diff --git "));
  if (sections.length !== entries.length) {
    throw new Error(
      `git diff listed ${entries.length} files but ${sections.length} ` +
        `patches between ${baseSha} and ${toSha}`,
    );
  }

  let linesShown = 0;
  return entries.map((entry, index) => {
    let diff = patchBody(sections[index] ?? "");
    const lines = changedLines(diff);
    const tooLarge =
      index >= MAX_FILES ||
      Buffer.byteLength(diff) > MAX_PATCH_BYTES ||
      linesShown + lines > MAX_LINES;
    if (tooLarge) diff = "";
    else linesShown += lines;
    return {
      old_path: entry.oldPath,
      new_path: entry.newPath,
      a_mode: gitLabMode(entry.aMode),
      b_mode: gitLabMode(entry.bMode),
      new_file: entry.status === "A",
      renamed_file: entry.status === "R",
      deleted_file: entry.status === "D",
      diff,
      too_large: tooLarge,
      collapsed: false,
    };
  });
}

/** Added and removed lines of a patch, as GitLab counts them. */
function changedLines(patch: string): number {
  let count = 0;
  for (const line of patch.split("\n")) {
    if (/^[+-]/.test(line)) count += 1;
  }
  return count;
}

// ":<a mode> <b mode> <a sha> <b sha> <status>\0<path>\0", with a second
// path after renames and copies.
function parseRaw(raw: string): RawEntry[] {
  const tokens = raw.split("\0");
  const entries: RawEntry[] = [];
  let index = 0;

  while (index < tokens.length) {
    const meta = tokens[index] ?? "";
    index += 1;
    if (!meta.startsWith(":")) continue;

    const [aMode = "", bMode = "", , , score = ""] = meta.slice(1).split(" ");
    const status = score.charAt(0);
    const oldPath = tokens[index] ?? "";
    index += 1;
    let newPath = oldPath;
    if (status === "R" || status === "C") {
      newPath = tokens[index] ?? "";
      index += 1;
    }
    entries.push({ aMode, bMode, status, oldPath, newPath });
  }
  return entries;
}

// GitLab writes an absent side's mode as "0".
function gitLabMode(mode: string): string {
  return /^0+$/.test(mode) ? "0" : mode;
}

function patchBody(section: string): string {
  const start = section.search(/^(?:@@|Binary files )/m);
  return start === -1 ? "" : section.slice(start);
}
