// Coalesces bursts of work into one flush shortly after the first item arrives.
// A fixed flush interval adds half its period to every status change on average;
// flushing a few milliseconds after the first change keeps batching under load
// without making a lone change wait.
export class FlushSoon {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly flush: () => Promise<void>,
    private readonly delayMs = 2,
  ) {}

  /** Schedules a flush `delayMs` from now, unless one is already scheduled. */
  poke(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delayMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
