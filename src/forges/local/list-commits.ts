import { runGit } from "../../git/run-git.ts";

/** A commit in the short shape GitLab's compare API answers. */
export interface CompareCommit {
  id: string;
  short_id: string;
  title: string;
  message: string;
  author_name: string;
  author_email: string;
  created_at: string;
}

const FIELDS = ["%H", "%an", "%ae", "%cI", "%B"];

/** Commits reachable from `toSha` but not `fromSha`, oldest first. */
export async function listCommits(
  bare: string,
  fromSha: string,
  toSha: string,
  signal?: AbortSignal,
): Promise<CompareCommit[]> {
  // NUL cannot occur in names or messages, so it separates both the
  // fields and (with -z) the commits.
  const output = await runGit(
    [
      "log",
      "-z",
      "--reverse",
      `--format=${FIELDS.join("%x00")}`,
      toSha,
      `^${fromSha}`,
      "--",
    ],
    { cwd: bare, signal },
  );

  const values = output.split("\0");
  const commits: CompareCommit[] = [];
  for (let start = 0; start + FIELDS.length <= values.length; ) {
    const [id = "", name = "", email = "", date = "", message = ""] =
      values.slice(start, start + FIELDS.length);
    start += FIELDS.length;
    commits.push({
      id,
      short_id: id.slice(0, 8),
      title: message.split("\n", 1)[0] ?? "",
      message,
      author_name: name,
      author_email: email,
      created_at: date,
    });
  }
  return commits;
}
