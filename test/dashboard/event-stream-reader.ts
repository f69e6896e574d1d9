/** One server-sent event as EventSource would hand it over. */
export interface ServerSentEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/**
 * Reads a text/event-stream response the way EventSource parses it, so
 * tests can wait for the event they expect. Comments are counted, not
 * returned.
 */
export class EventStreamReader {
  readonly events: ServerSentEvent[] = [];
  comments = 0;
  ended = false;
  #waiters: Array<() => void> = [];
  readonly #abort = new AbortController();
  #status = 0;

  private constructor() {}

  static async open(
    url: string,
    headers: Record<string, string>,
  ): Promise<EventStreamReader> {
    const reader = new EventStreamReader();
    const response = await fetch(url, {
      headers: { accept: "text/event-stream", ...headers },
      signal: reader.#abort.signal,
    });
    reader.#status = response.status;
    reader.contentType = response.headers.get("content-type");
    if (response.body) void reader.#read(response.body);
    else reader.ended = true;
    return reader;
  }

  contentType: string | null = null;

  get status(): number {
    return this.#status;
  }

  /** Waits for the first event (seen or to come) that `matches`. */
  async next(
    matches: (event: ServerSentEvent) => boolean,
  ): Promise<ServerSentEvent> {
    for (;;) {
      const found = this.events.find(matches);
      if (found) return found;
      if (this.ended) throw new Error("the stream ended first");
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Waits until the server ends the stream. */
  async end(): Promise<void> {
    while (!this.ended) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Waits until at least one comment (the first bytes) arrived. */
  async connected(): Promise<void> {
    while (this.comments === 0 && !this.ended) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  close(): void {
    this.#abort.abort();
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          this.#take(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
        }
        this.#wake();
      }
    } catch {
      // Aborted by close(): the stream is over for this reader.
    }
    this.ended = true;
    this.#wake();
  }

  #take(block: string): void {
    const event: ServerSentEvent = {
      event: "message",
      id: undefined,
      data: "",
    };
    let isEvent = false;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        this.comments += 1;
        continue;
      }
      const [field, ...rest] = line.split(":");
      const value = rest.join(":").replace(/^ /, "");
      if (field === "event") event.event = value;
      if (field === "id") event.id = value;
      if (field === "data") {
        event.data = event.data ? `${event.data}\n${value}` : value;
        isEvent = true;
      }
    }
    if (isEvent) this.events.push(event);
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
