// The baseline for the ingest benchmark: a bare node:http server that
// does only what every delivery must cost at least, the Standard Webhooks
// signature check (node:crypto HMAC, constant-time compare) and
// JSON.parse, then answers 202. No storage, no framework.
//
// Run as its own process: BARE_PORT=… BARE_SECRET=whsec_… tsx bench/bare-server.ts

import http from "node:http";
import { secretKey, signatureMatches } from "./sign.ts";

const TOLERANCE_SECONDS = 5 * 60;
const BODY_LIMIT_BYTES = 1024 * 1024;

const port = Number(process.env.BARE_PORT);
const key = secretKey(process.env.BARE_SECRET ?? "");
if (!Number.isInteger(port) || key.length === 0) {
  console.error("bare-server: set BARE_PORT and BARE_SECRET");
  process.exit(2);
}

const ACCEPTED = JSON.stringify({ status: "queued" });

function answer(
  response: http.ServerResponse,
  status: number,
  body: string,
): void {
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

function verifyAndParse(request: http.IncomingMessage, body: Buffer): number {
  const id = request.headers["webhook-id"];
  const timestamp = request.headers["webhook-timestamp"];
  const offered = request.headers["webhook-signature"];
  if (
    typeof id !== "string" ||
    typeof timestamp !== "string" ||
    typeof offered !== "string"
  ) {
    return 401;
  }
  const skew = Math.abs(Date.now() / 1000 - Number(timestamp));
  if (!(skew <= TOLERANCE_SECONDS)) return 401;
  if (!signatureMatches(key, id, timestamp, body, offered)) return 401;
  try {
    JSON.parse(body.toString("utf8"));
  } catch {
    return 400;
  }
  return 202;
}

const server = http.createServer((request, response) => {
  if (request.method === "GET") {
    answer(response, 200, JSON.stringify({ status: "ok" }));
    return;
  }
  if (!request.headers["content-type"]?.startsWith("application/json")) {
    answer(response, 415, JSON.stringify({ message: "415" }));
    request.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  request.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= BODY_LIMIT_BYTES) chunks.push(chunk);
  });
  request.on("end", () => {
    if (size > BODY_LIMIT_BYTES) {
      answer(response, 413, JSON.stringify({ message: "413" }));
      return;
    }
    const status = verifyAndParse(request, Buffer.concat(chunks));
    answer(response, status, status === 202 ? ACCEPTED : "{}");
  });
});

server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
