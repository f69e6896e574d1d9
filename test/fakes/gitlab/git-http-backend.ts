import { spawn } from "node:child_process";

/** One request of git's smart HTTP protocol, as CGI variables. */
export interface CgiRequest {
  method: string;
  /** `/<project path>.git/info/refs`, `/…/git-upload-pack`, … */
  pathInfo: string;
  query: string;
  /** Whom the caller authenticated as; receive-pack needs one. */
  remoteUser: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface CgiAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Serves one request with the real `git http-backend`, run as a CGI
 * program over the bare repositories under `projectRoot`: the fake speaks
 * git's protocol exactly as git does, versions and all.
 */
export function runHttpBackend(
  projectRoot: string,
  request: CgiRequest,
): Promise<CgiAnswer> {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(", ") : (value ?? "");
  };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: request.pathInfo,
    QUERY_STRING: request.query,
    REQUEST_METHOD: request.method,
    CONTENT_TYPE: header("content-type"),
    CONTENT_LENGTH: String(request.body.length),
    REMOTE_USER: request.remoteUser,
    REMOTE_ADDR: "127.0.0.1",
    // git's client compresses large requests and asks for protocol v2.
    HTTP_CONTENT_ENCODING: header("content-encoding"),
    GIT_PROTOCOL: header("git-protocol"),
  };

  return new Promise((resolve, reject) => {
    const child = spawn("git", ["http-backend"], { env });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", () => {
      try {
        resolve(parseCgiOutput(Buffer.concat(stdout)));
      } catch (error) {
        const said = Buffer.concat(stderr).toString("utf8");
        reject(new Error(`git http-backend: ${said}`, { cause: error }));
      }
    });
    child.stdin.on("error", () => {
      // The backend may answer (an error) before reading the body.
    });
    child.stdin.end(request.body);
  });
}

/** CGI output: header lines, a blank line, the body; `Status:` sets
 * the status, 200 when absent. */
function parseCgiOutput(output: Buffer): CgiAnswer {
  const crlf = output.indexOf("\r\n\r\n");
  const lf = output.indexOf("\n\n");
  const end = crlf !== -1 && (lf === -1 || crlf < lf) ? crlf : lf;
  if (end === -1) throw new Error("the CGI output has no end of headers");
  const separator = end === crlf ? 4 : 2;

  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of output
    .subarray(0, end)
    .toString("latin1")
    .split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "status") status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  return { status, headers, body: output.subarray(end + separator) };
}
