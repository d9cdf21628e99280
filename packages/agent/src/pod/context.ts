// What the parts of one pod's worker share: the agent-wide dependencies, and the
// pod's own memory between syncs (inspect results, probe kills). Nothing here acts
// on containers; the parts do.
import type { PodStatus, ResourceList } from "@bosun/api";
import type { ContainerDetails, ContainerRuntime } from "../runtime/runtime.js";
import type { ExecRunner } from "../exec/exec-runner.js";
import type { PodProbes } from "../probe/manager.js";
import type { ContainerBackoff } from "./backoff.js";
import type { ServiceLister } from "./env/service-links.js";
import type { EnvObjectSource } from "./env/source.js";
import type { PodHook } from "./hooks/hook.js";
import type { PodEventRecord, PodEventSink, PodIdentity } from "./identity.js";

export interface WorkerDeps {
  runtime: ContainerRuntime;
  /** The node's one runner of exec probes and exec hooks (bounded, kills what times out). */
  execs: ExecRunner;
  nodeName: string;
  infraImage: string;
  hostIP: () => string;
  /** Crash-loop and image-pull back-off of every pod's containers. */
  backoff: ContainerBackoff;
  reportStatus: (pod: PodIdentity, status: PodStatus, terminated: boolean) => void;
  reportEvent: PodEventSink;
  probes: PodProbes;
  /** The pod set-up concerns (network, ...), called in this order. */
  hooks: readonly PodHook[];
  /** Reads the ConfigMaps and Secrets containers' environments name; without it (no API servers) none can be read. */
  envObjects?: EnvObjectSource;
  /** The cluster's Services, whose variables containers get (enableServiceLinks); without it (no API servers) none. */
  services?: ServiceLister;
  /** The node's allocatable resources: the limits a container does not set, as its environment sees them. */
  nodeAllocatable?: () => ResourceList;
  now?: () => number;
}

export const RETRY_AFTER_ERROR_MS = 2_000;

export class PodContext {
  readonly now: () => number;
  /** Inspect results by container ID, reused while the container's state is unchanged. */
  readonly inspectCache = new Map<string, ContainerDetails>();
  /** Container IDs this worker killed for a failed liveness or startup probe. */
  readonly probeKilled = new Set<string>();
  /** The pod's IP while its sandbox runs, for lifecycle hooks' httpGet; empty otherwise. */
  podIP = "";
  /** The pod's init containers' names, so that events name them by their own field path. */
  initContainerNames: ReadonlySet<string> = new Set();
  /** The pod's ephemeral containers' names, likewise. */
  ephemeralContainerNames: ReadonlySet<string> = new Set();

  constructor(
    readonly uid: string,
    readonly deps: WorkerDeps,
    /** Asks for a sync in ms at the latest. */
    readonly wakeIn: (ms: number) => void,
    /** Asks for a sync as soon as the current one ends. */
    readonly trigger: () => void,
  ) {
    this.now = deps.now ?? Date.now;
  }

  event(pod: PodIdentity, type: PodEventRecord["type"], reason: string, message: string, container?: string): void {
    this.deps.reportEvent(pod, {
      type,
      reason,
      message,
      fieldPath: container ? containerFieldPath(container, this.initContainerNames.has(container), this.ephemeralContainerNames.has(container)) : "",
    });
  }

  /** Forgets what the worker remembers of a pod whose containers were all removed. */
  forgetContainers(): void {
    this.deps.backoff.forgetPrefix(`${this.uid}/`);
    this.probeKilled.clear();
  }
}

/** How an event names a container of the pod: spec.containers{web}, spec.initContainers{setup}, spec.ephemeralContainers{debugger}. */
export function containerFieldPath(name: string, isInit: boolean, isEphemeral = false): string {
  if (isEphemeral) return `spec.ephemeralContainers{${name}}`;
  return isInit ? `spec.initContainers{${name}}` : `spec.containers{${name}}`;
}

export function timeOf(t: string | undefined, fallback: number): number {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isFinite(ms) ? ms : fallback;
}
