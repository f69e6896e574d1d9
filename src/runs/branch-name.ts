const SLUG_MAX = 40;
const BRANCH_MAX = 200;

export interface BranchValues {
  externalReference: string;
  title: string;
  runId: number;
}

/** Lowercase words of the title joined by dashes: "Fix login (SSO)" →
 * "fix-login-sso". */
export function slugify(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, SLUG_MAX)
    .replace(/^-+|-+$/g, "");
}

/**
 * Fills the trigger's branch template and makes the result a valid git
 * ref name whatever the ticket said: ticket text is untrusted, and a
 * branch name reaches git's command line.
 */
export function branchName(template: string, values: BranchValues): string {
  const filled = template
    .replaceAll("{external_reference}", values.externalReference)
    .replaceAll("{slug}", slugify(values.title) || "ticket")
    .replaceAll("{run_id}", String(values.runId));
  return sanitizeRef(filled) || `flowgate/run-${values.runId}`;
}

/** The rules of `git check-ref-format --branch`, applied by rewriting. */
export function sanitizeRef(name: string): string {
  const components = name
    // Control characters, space and ~^:?*[\ are never allowed; # is legal
    // in git but breaks URLs.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: git forbids them
    .replace(/[\u0000-\u0020\u007f~^:?*[\\#]+/g, "-")
    .replace(/@\{/g, "-")
    .replace(/\.{2,}/g, ".")
    // Cut before the per-component rules: a cut made after them could
    // leave "x.lock" or a trailing dot, and the rules only ever shorten.
    .slice(0, BRANCH_MAX)
    .split("/")
    .map((component) =>
      component
        .replace(/^[.-]+/, "")
        // Trailing dots go before the .lock check: "x.lock." is "x.lock".
        .replace(/[.-]+$/, "")
        .replace(/\.lock$/i, "-lock"),
    )
    .filter((component) => component !== "");
  return components.join("/");
}
