import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** One callback as the receiver got it, checked with the reference
 * Standard Webhooks implementation. */
export interface ReceivedCallback {
  id: string;
  type: string;
  data: Record<string, any>;
  receivedAt: number;
  verified: boolean;
  /** What the receiver answered. */
  status: number;
}

/** What the receiver answers next instead of 204. */
export type CallbackFault =
  | { status: number; retryAfter?: string }
  | { reset: true };

export interface CallbackReceiver {
  url: string;
  received: ReceivedCallback[];
  /** Accepted callbacks, one per webhook-id, as a receiver keeps them. */
  accepted(): ReceivedCallback[];
  /** Queues faults for the next callbacks, in order. */
  fail(...faults: CallbackFault[]): void;
  /** Answers every callback with this fault until cleared (undefined). */
  failAll(fault: CallbackFault | undefined): void;
  waitFor(
    predicate: (received: ReceivedCallback[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedCallback[]>;
  close(): Promise<void>;
}

/**
 * A team's endpoint for Flowgate's run events on a real port: verifies
 * each signature with the `standardwebhooks` package and the trigger's
 * secret, records it, and answers 204 unless told to fail.
 */
export async function startCallbackReceiver(
  signingSecret: () => string,
): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const queue: CallbackFault[] = [];
  let always: CallbackFault | undefined;

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const fault = queue.shift() ?? always;
      if (fault && "reset" in fault) {
        request.socket.destroy();
        return;
      }
      let verified = true;
      try {
        new Webhook(signingSecret()).verify(
          body,
          request.headers as Record<string, string>,
        );
      } catch {
        verified = false;
      }
      const parsed = JSON.parse(body) as {
        type: string;
        data: Record<string, any>;
      };
      const status = fault ? fault.status : verified ? 204 : 401;
      received.push({
        id: String(request.headers["webhook-id"]),
        type: parsed.type,
        data: parsed.data,
        receivedAt: Date.now(),
        verified,
        status,
      });
      response.writeHead(
        status,
        fault && "retryAfter" in fault && fault.retryAfter
          ? { "retry-after": fault.retryAfter }
          : {},
      );
      response.end();
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve()),
  );
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hooks/flowgate`,
    received,
    accepted() {
      const seen = new Set<string>();
      return received.filter((entry) => {
        if (entry.status >= 300 || seen.has(entry.id)) return false;
        seen.add(entry.id);
        return true;
      });
    },
    fail(...faults) {
      queue.push(...faults);
    },
    failAll(fault) {
      always = fault;
    },
    async waitFor(predicate, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) {
          throw new Error(
            `callbacks so far: ${JSON.stringify(received.map((r) => [r.type, r.status]))}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
