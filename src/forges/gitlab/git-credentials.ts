/** The token, as git is given it for one GitLab instance. */
export interface GitCredentials {
  /** Environment variables for git that carry the token. */
  env: Readonly<Record<string, string>>;
  /** The instance URL's scheme, the one transport git may use. */
  protocol: "http" | "https";
  /** The text with every form of the token in it replaced. */
  redact(text: string): string;
}

const REDACTED = "[redacted]";

/**
 * The token goes to git as an extra HTTP header set through git's
 * environment configuration (GIT_CONFIG_COUNT…): never in the remote
 * URL, which git writes into the workspace's .git/config where the
 * agent's commands could read it, and never in argv, which any user of
 * the host can list. The header is scoped to the instance's URL, so a
 * remote that a repository's script pointed elsewhere never receives
 * it. GitLab takes a token as the password of Basic credentials with any
 * user name; "oauth2" works for every kind of token.
 */
export function gitCredentials(baseUrl: string, token: string): GitCredentials {
  const basic = Buffer.from(`oauth2:${token}`, "utf8").toString("base64");
  const secrets = [token, basic, encodeURIComponent(token)];

  const protocol = new URL(baseUrl).protocol === "http:" ? "http" : "https";

  return {
    protocol,
    env: {
      GIT_CONFIG_COUNT: "1",
      // The trailing slash makes git match whole path segments.
      GIT_CONFIG_KEY_0: `http.${instanceRoot(baseUrl)}/.extraHeader`,
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
      GIT_TERMINAL_PROMPT: "0",
    },
    redact: (text) =>
      secrets.reduce(
        (shown, secret) => shown.replaceAll(secret, REDACTED),
        text,
      ),
  };
}

/** `{base_url}/{path}.git`, which git keeps as the workspace's origin. */
export function gitRemoteUrl(baseUrl: string, projectPath: string): string {
  return `${instanceRoot(baseUrl)}/${projectPath}.git`;
}

// Without user or password: a base URL written with them would put them
// in .git/config.
function instanceRoot(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return url.toString().replace(/\/+$/, "");
}
