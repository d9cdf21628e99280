// The probes of this node's pods, after the kubelet's prober manager: one worker per
// (pod, container, probe type), kept in step with the running container instances
// by the pod worker's syncs (level-triggered: each sync hands over what runs now).
// Results only feed the pod worker, which decides what to do with them: report
// readiness, or kill a container whose liveness or startup probe failed.
import type { Container, Pod, Probe } from "@bosun/api";
import type { ExecRunner } from "../exec/exec-runner.js";
import { podIdentity, podKey, type PodEventSink, type PodIdentity } from "../pod/identity.js";
import { dockerContainerId } from "../pod/status.js";
import { probeTiming, runProbe } from "./prober.js";
import { ProbeResults, type ContainerHealth, type ProbeType } from "./results.js";
import { ProbeWorker } from "./worker.js";

/** A container instance that runs now. */
export interface RunningContainer {
  spec: Container;
  id: string;
  /** When it started, ms since the epoch. */
  startedAtMs: number;
  /** How events name it: spec.containers{web} unless told (a sidecar is spec.initContainers{name}). */
  fieldPath?: string;
}

/** What the pod worker needs of the probes. */
export interface PodProbes {
  /** Makes the pod's probe workers match its running containers: new instances get new workers, stopped ones lose theirs. */
  sync(pod: Pod, podIP: string, running: RunningContainer[]): void;
  health(spec: Container, containerId: string): ContainerHealth;
  /** The pod is stopping or gone: no more probes. */
  stopPod(uid: string): void;
}

export interface ProbeManagerOptions {
  /** The node's one exec runner, shared with lifecycle hooks. */
  execs: ExecRunner;
  reportEvent: PodEventSink;
  /** A probe result of the pod changed; its pod worker should sync. */
  onChange: (podUid: string) => void;
  now?: () => number;
  /** Where in its period each worker's ticks fall (see ProbeWorker); Math.random unless told. */
  random?: () => number;
}

interface PodProbeState {
  id: PodIdentity;
  podIP: string;
  /** By "<container>/<type>". */
  workers: Map<string, ProbeWorker>;
}

const PROBE_TYPES: ProbeType[] = ["startup", "readiness", "liveness"];

function probeOf(spec: Container, type: ProbeType): Probe | undefined {
  switch (type) {
    case "startup":
      return spec.startupProbe;
    case "readiness":
      return spec.readinessProbe;
    case "liveness":
      return spec.livenessProbe;
  }
}

export class ProbeManager implements PodProbes {
  readonly results = new ProbeResults();
  private readonly pods = new Map<string, PodProbeState>();
  private readonly startedAt: number;
  private readonly now: () => number;

  constructor(private readonly opts: ProbeManagerOptions) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
  }

  sync(pod: Pod, podIP: string, running: RunningContainer[]): void {
    const uid = pod.metadata.uid ?? "";
    let state = this.pods.get(uid);
    if (!state) {
      state = { id: podIdentity(pod), podIP, workers: new Map() };
      this.pods.set(uid, state);
    }
    state.podIP = podIP;
    const wanted = new Set<string>();
    for (const c of running) {
      for (const type of PROBE_TYPES) {
        const probe = probeOf(c.spec, type);
        if (!probe) continue;
        const key = `${c.spec.name}/${type}`;
        wanted.add(key);
        const existing = state.workers.get(key);
        if (existing?.containerId === c.id) continue;
        existing?.stop();
        const worker = this.newWorker(pod, state, type, probe, c);
        state.workers.set(key, worker);
        worker.start();
      }
    }
    for (const [key, w] of state.workers) {
      if (wanted.has(key)) continue;
      w.stop();
      state.workers.delete(key);
    }
    if (state.workers.size === 0) this.pods.delete(uid);
  }

  health(spec: Container, containerId: string): ContainerHealth {
    const startup = spec.startupProbe ? this.results.get(containerId, "startup") : "success";
    const readiness = spec.readinessProbe ? this.results.get(containerId, "readiness") : "success";
    const started = startup === "success";
    const failed =
      this.results.get(containerId, "liveness") === "failure" ? "liveness" : startup === "failure" ? "startup" : undefined;
    return { started, ready: started && readiness === "success", ...(failed ? { failed } : {}) };
  }

  stopPod(uid: string): void {
    const state = this.pods.get(uid);
    if (!state) return;
    for (const w of state.workers.values()) w.stop();
    this.pods.delete(uid);
  }

  stop(): void {
    for (const uid of [...this.pods.keys()]) this.stopPod(uid);
  }

  private newWorker(pod: Pod, state: PodProbeState, type: ProbeType, probe: Probe, c: RunningContainer): ProbeWorker {
    const timing = probeTiming(probe);
    const uid = state.id.uid;
    const name = c.spec.name;
    // Started before this agent did (Docker's start times have whole seconds): adopted.
    const adopted = c.startedAtMs < this.startedAt - 1000;
    // An agent restart must not make ready pods unready until their next probe (kubernetes#100277):
    // what the API last heard of this very instance stands until a probe says otherwise.
    const reported = adopted
      ? pod.status?.containerStatuses?.find((s) => s.name === name && s.containerID === dockerContainerId(c.id))
      : undefined;
    const initial = (type === "readiness" && reported?.ready) || (type === "startup" && reported?.started) ? "success" : undefined;
    return new ProbeWorker(type, c.id, timing, c.startedAtMs, {
      results: this.results,
      run: (turn) => runProbe(this.opts.execs, probe, { container: c.spec, containerId: c.id, podIP: state.podIP }, timing.timeoutSeconds * 1000, turn),
      isStarted: () => !c.spec.startupProbe || this.results.get(c.id, "startup") === "success",
      onChange: () => {
        if (type === "startup") {
          // Liveness and readiness wait for startup; let them probe at once rather than a period later.
          state.workers.get(`${name}/readiness`)?.trigger();
          state.workers.get(`${name}/liveness`)?.trigger();
        }
        this.opts.onChange(uid);
      },
      event: (eventType, reason, message) =>
        this.opts.reportEvent(state.id, { type: eventType, reason, message, fieldPath: c.fieldPath ?? `spec.containers{${name}}` }),
      name: `${podKey(state.id)}/${name}`,
      now: this.opts.now,
      ...(this.opts.random ? { random: this.opts.random } : {}),
      ...(initial ? { initial } : {}),
    });
  }
}
