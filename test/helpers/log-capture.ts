import { Writable } from "node:stream";

/** A pino destination that keeps every line, for asserting on logs. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(
    chunk: Buffer,
    _encoding: string,
    callback: () => void,
  ): void {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    callback();
  }

  get text(): string {
    return this.lines.join("\n");
  }

  entries(): Array<Record<string, unknown>> {
    return this.lines.map(
      (line) => JSON.parse(line) as Record<string, unknown>,
    );
  }
}
