// Runs a level-triggered job one at a time, coalescing the asks that come meanwhile:
// an ask while the job runs means one more run right after it, however many asks
// there were. The job reads the state it acts on each time, so the run after the
// last ask sees everything asked for (the kubelet's pod workers work this way).
export class CoalescingLoop {
  private running: Promise<void> | undefined;
  private dirty = false;
  private stopped = false;

  /** `run` handles its own errors: one that escapes ends the loop and rejects `idle`. */
  constructor(private readonly run: () => Promise<void>) {}

  /** Asks for a run; one asked for during a run starts right after it. Ignored once stopped. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.dirty = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Resolves when no run is in progress or pending. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No run starts after the current one. */
  stop(): void {
    this.stopped = true;
  }

  private async loop(): Promise<void> {
    do {
      this.dirty = false;
      await this.run();
    } while (this.dirty && !this.stopped);
  }
}
