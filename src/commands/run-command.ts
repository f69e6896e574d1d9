import { spawn } from "node:child_process";

export interface RunCommandOptions {
  cwd: string;
  /** The command's whole environment (see commandEnvironment). */
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Bytes of output kept; the middle of a longer output is cut. */
  maxOutputBytes: number;
  signal?: AbortSignal | undefined;
}

export interface CommandOutcome {
  /** The exit code, or undefined when the command was stopped. */
  exitCode: number | undefined;
  signal: string | undefined;
  timedOut: boolean;
  /** Standard output and error, interleaved as they came. */
  output: string;
  truncated: boolean;
  durationMs: number;
}

// How long output may still arrive after the command itself exited: a
// program it left behind (a detached server, say) may hold the pipes
// open for ever, and must not hold the tool call with them.
const DRAIN_AFTER_EXIT_MS = 500;

/**
 * Runs a program with its arguments (no shell) in its own process group,
 * so that a time limit stops the test runner's children too. Standard
 * input is closed; output beyond the limit keeps its head and its tail,
 * where test runners print their summary. The call ends when the command
 * has exited and its output is read, or at once after a stop (time limit
 * or abort), even when a process that left the group still holds the
 * pipes: those are closed on our side.
 */
export function runCommand(
  argv: readonly string[],
  options: RunCommandOptions,
): Promise<CommandOutcome> {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error("no command to run");
  const started = Date.now();
  const output = new BoundedOutput(options.maxOutputBytes);

  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let timedOut = false;
    let stopped = false;
    let settled = false;
    let exit: { code: number | null; signal: string | null } | undefined;
    let drain: NodeJS.Timeout | undefined;

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    };
    const cleanUp = () => {
      clearTimeout(timer);
      clearTimeout(drain);
      options.signal?.removeEventListener("abort", stop);
    };
    const finish = () => {
      if (settled) return;
      settled = true;
      cleanUp();
      // Children that outlived the command would hold the workspace.
      killGroup();
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({
        exitCode: stopped ? undefined : (exit?.code ?? undefined),
        signal: exit?.signal ?? (stopped ? "SIGKILL" : undefined),
        timedOut,
        output: output.text(),
        truncated: output.truncated,
        durationMs: Date.now() - started,
      });
    };
    function stop() {
      stopped = true;
      killGroup();
      // The command may have exited already, leaving the pipes to others.
      if (exit) finish();
    }
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    options.signal?.addEventListener("abort", stop, { once: true });

    child.stdout.on("data", (chunk: Buffer) => output.add(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.add(chunk));
    child.once("error", (error) => {
      if (settled) return;
      settled = true;
      cleanUp();
      reject(new Error(`could not start ${program}`, { cause: error }));
    });
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      if (stopped) finish();
      else drain = setTimeout(finish, DRAIN_AFTER_EXIT_MS);
    });
    child.once("close", finish);
  });
}

/** Keeps the first and last halves of a stream up to a byte limit. */
class BoundedOutput {
  readonly #limit: number;
  #head = Buffer.alloc(0);
  #tail = Buffer.alloc(0);
  truncated = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  add(chunk: Buffer): void {
    const half = Math.floor(this.#limit / 2);
    if (this.#head.length < half) {
      const room = half - this.#head.length;
      this.#head = Buffer.concat([this.#head, chunk.subarray(0, room)]);
      chunk = chunk.subarray(room);
    }
    if (chunk.length === 0) return;
    const joined = Buffer.concat([this.#tail, chunk]);
    if (joined.length > half) this.truncated = true;
    this.#tail = joined.subarray(Math.max(0, joined.length - half));
  }

  text(): string {
    const head = this.#head.toString("utf8");
    const tail = this.#tail.toString("utf8");
    return this.truncated ? `${head}\n[… output cut …]\n${tail}` : head + tail;
  }
}
