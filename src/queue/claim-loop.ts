/**
 * Runs a claimer's `fill` whenever it is woken, never twice at once: a
 * wake during a fill runs it once more afterwards, so nothing committed
 * meanwhile waits for the poll. The poll is the fallback for work no
 * wake announces (retries falling due, other processes' work).
 */
export class ClaimLoop {
  #filling = false;
  #wokenWhileFilling = false;
  #stopped = true;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fill: () => Promise<void>,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  get stopped(): boolean {
    return this.#stopped;
  }

  start(): void {
    this.#stopped = false;
    this.#timer = setInterval(() => this.wake(), this.pollMs);
    this.#timer.unref();
    this.wake();
  }

  wake(): void {
    if (this.#stopped) return;
    if (this.#filling) {
      this.#wokenWhileFilling = true;
      return;
    }
    this.#filling = true;
    this.fill()
      .catch(this.onError)
      .finally(() => {
        this.#filling = false;
        if (this.#wokenWhileFilling) {
          this.#wokenWhileFilling = false;
          this.wake();
        }
      });
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }
}
