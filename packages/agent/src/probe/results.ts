// The cached outcome of every probe of every container instance, after the kubelet's
// prober/results manager. Keyed by container ID, so a restarted container (a new ID)
// starts from fresh results and an old instance's verdict never leaks into it.

export type ProbeType = "liveness" | "readiness" | "startup";
export type ProbeResult = "success" | "failure" | "unknown";

/** What the probes say about one running container, as the pod worker needs it. */
export interface ContainerHealth {
  /** The startup probe succeeded, or there is none. */
  started: boolean;
  /** Started, and the readiness probe succeeded (or there is none). */
  ready: boolean;
  /** A liveness or startup probe failed past its threshold: the container is to be killed. */
  failed?: "liveness" | "startup";
}

export class ProbeResults {
  private readonly results = new Map<string, ProbeResult>();

  private static key(containerId: string, type: ProbeType): string {
    return `${containerId}/${type}`;
  }

  get(containerId: string, type: ProbeType): ProbeResult | undefined {
    return this.results.get(ProbeResults.key(containerId, type));
  }

  /** Stores a result; returns whether it differs from the one stored before. */
  set(containerId: string, type: ProbeType, result: ProbeResult): boolean {
    const key = ProbeResults.key(containerId, type);
    const changed = this.results.get(key) !== result;
    this.results.set(key, result);
    return changed;
  }

  remove(containerId: string, type: ProbeType): void {
    this.results.delete(ProbeResults.key(containerId, type));
  }
}
