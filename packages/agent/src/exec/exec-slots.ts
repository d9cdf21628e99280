// A counting semaphore for the commands the agent runs in containers on its own
// behalf (exec probes, exec lifecycle hooks): at most `size` in flight, the rest
// wait their turn in the order they asked, except that urgent waiters (lifecycle
// hooks, which hold up a container's start or stop) go ahead of the others (probes,
// which come round again next period anyway). Docker serves a few execs a second on a
// small node; beyond that, more execs at once only make every one of them slower.

export interface ExecSlotsStats {
  inFlight: number;
  waiting: number;
}

/** Called with the slot's release function when a waiter's turn comes. */
interface Waiter {
  grant: (release: () => void) => void;
  urgent: boolean;
}

/** Thrown to a waiter whose signal aborted before its turn came. */
export class ExecSlotWaitAborted extends Error {
  constructor() {
    super("stopped waiting for an exec slot: the probe or hook was cancelled");
    this.name = "ExecSlotWaitAborted";
  }
}

export class ExecSlots {
  private inFlight = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`the exec slot count must be a whole number of at least 1, not ${size}`);
  }

  /**
   * Resolves with the function that gives the slot back (calling it again does
   * nothing) once a slot is free; rejects if `signal` aborts first. An `urgent`
   * waiter queues behind the urgent ones already waiting, ahead of all others.
   */
  acquire(signal?: AbortSignal, urgent = false): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new ExecSlotWaitAborted());
    if (this.inFlight < this.size) {
      this.inFlight++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        urgent,
        grant: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(new ExecSlotWaitAborted());
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const firstNotUrgent = urgent ? this.waiters.findIndex((w) => !w.urgent) : -1;
      if (firstNotUrgent >= 0) this.waiters.splice(firstNotUrgent, 0, waiter);
      else this.waiters.push(waiter);
    });
  }

  stats(): ExecSlotsStats {
    return { inFlight: this.inFlight, waiting: this.waiters.length };
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter, so no newcomer can jump the queue.
      if (next) next.grant(this.releaser());
      else this.inFlight--;
    };
  }
}
