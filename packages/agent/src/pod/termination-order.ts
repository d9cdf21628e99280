// The order in which a pod's containers get SIGTERM, after the kubelet's
// terminationOrdering: app containers at once; each sidecar (an init container with
// restartPolicy Always) only once every app container and every sidecar defined
// after it has stopped, so a sidecar outlives what it serves and sidecars stop in the
// reverse of their start order. PreStop hooks all run at once, before the waits.
import type { Pod } from "@bosun/api";
import { isSidecar } from "@bosun/api";

export class TerminationOrder {
  private readonly stopped = new Map<string, Promise<void>>();
  private readonly resolvers = new Map<string, () => void>();
  /** By sidecar name: the containers it waits for. */
  private readonly waitsFor = new Map<string, string[]>();

  /** `running` are the names of the containers about to be stopped. */
  constructor(pod: Pod | undefined, running: readonly string[]) {
    for (const name of running) {
      this.stopped.set(name, new Promise<void>((resolve) => this.resolvers.set(name, resolve)));
    }
    const sidecars = (pod?.spec.initContainers ?? []).filter(isSidecar).map((c) => c.name);
    const others = running.filter((n) => !sidecars.includes(n));
    sidecars.forEach((name, i) => {
      const later = sidecars.slice(i + 1).filter((n) => running.includes(n));
      this.waitsFor.set(name, [...others, ...later]);
    });
  }

  /** Resolves when `name` may get SIGTERM, or after `timeoutMs` (its grace period ran out). */
  async waitForTurn(name: string, timeoutMs: number): Promise<void> {
    const before = (this.waitsFor.get(name) ?? []).map((n) => this.stopped.get(n)!);
    if (before.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(before), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** `name` has stopped: those waiting for it may go on. */
  markStopped(name: string): void {
    this.resolvers.get(name)?.();
  }
}
