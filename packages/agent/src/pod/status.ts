// Pod status from what the runtime shows: pure functions after the kubelet's
// generateAPIPodStatus and getPhase, so they are tested without Docker.
import { isSidecar, type Container, type ContainerState, type ContainerStatus, type Pod, type PodCondition, type PodPhase, type PodStatus, type RestartPolicy } from "@bosun/api";
import type { ContainerDetails } from "../runtime/runtime.js";
import { restartCountOf, sandboxIP } from "../labels.js";
import type { ContainerHealth } from "../probe/results.js";
import { restartPolicyOf, shouldRestart } from "./backoff.js";
import { stateMessage } from "./termination-message.js";

export interface Waiting {
  reason: string;
  message?: string;
}

/** What the worker saw of one spec container. */
export interface ContainerObservation {
  /** The newest instance (highest restart count). */
  current?: ContainerDetails;
  /** The instance before it, kept for lastState and `logs --previous`. */
  previous?: ContainerDetails;
  /** Set when the worker holds the container back: image trouble, crash-loop back-off. */
  waiting?: Waiting;
  /** What the probes say of the running instance; absent means no probe holds it back. */
  health?: ContainerHealth;
  /** The current instance was killed for a failed liveness or startup probe: it runs again unless the policy is Never. */
  killedByProbe?: boolean;
}

export interface StatusInput {
  pod: Pod;
  infra?: ContainerDetails;
  containers: Map<string, ContainerObservation>;
  hostIP: string;
  /** The status last computed, so that unchanged conditions keep their transition time. */
  previous?: PodStatus;
  /** RFC 3339, seconds precision. */
  now: string;
  /** The node failed the pod (an eviction): it is Failed, whatever its containers show, with this reason and message. */
  failure?: { reason: string; message: string };
}

export function dockerContainerId(id: string): string {
  return `docker://${id}`;
}

/** A container that failed to start never ran, but it is over: Docker keeps it "created" with an error. */
function failedToStart(d: ContainerDetails): boolean {
  return d.state === "created" && d.error !== "";
}

/** The exit code a restart decision sees; a failed start counts as a failure. */
export function effectiveExitCode(d: ContainerDetails): number {
  return failedToStart(d) && d.exitCode === 0 ? 128 : d.exitCode;
}

function terminatedState(d: ContainerDetails): ContainerState {
  const exitCode = effectiveExitCode(d);
  const reason = failedToStart(d) ? "StartError" : d.oomKilled ? "OOMKilled" : exitCode === 0 ? "Completed" : "Error";
  const message = stateMessage(d);
  return {
    terminated: {
      exitCode,
      reason,
      ...(message ? { message } : {}),
      ...(d.startedAt ? { startedAt: d.startedAt } : {}),
      ...(d.finishedAt ? { finishedAt: d.finishedAt } : {}),
      containerID: dockerContainerId(d.id),
    },
  };
}

export function isExited(d: ContainerDetails | undefined): d is ContainerDetails {
  return d !== undefined && !d.running && (d.state !== "created" || failedToStart(d));
}

/**
 * `defaultWaiting` is the reason of a container that has no instance yet: the
 * kubelet's ContainerCreating, or PodInitializing in a pod with init containers.
 */
export function containerStatus(name: string, image: string, obs: ContainerObservation, defaultWaiting = "ContainerCreating"): ContainerStatus {
  const { current, previous, waiting, health } = obs;
  const base = {
    name,
    image,
    restartCount: current ? restartCountOf(current.labels) : 0,
    ...(current ? { imageID: `docker://${current.imageId}`, containerID: dockerContainerId(current.id) } : {}),
  };
  let state: ContainerState;
  let lastState: ContainerState = {};
  if (waiting) {
    state = { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } };
    const last = isExited(current) ? current : isExited(previous) ? previous : undefined;
    if (last) lastState = terminatedState(last);
  } else if (current?.running) {
    state = { running: current.startedAt ? { startedAt: current.startedAt } : {} };
    if (isExited(previous)) lastState = terminatedState(previous);
  } else if (isExited(current)) {
    state = terminatedState(current);
    if (isExited(previous)) lastState = terminatedState(previous);
  } else {
    state = { waiting: { reason: current ? "ContainerCreating" : defaultWaiting } };
    if (isExited(previous)) lastState = terminatedState(previous);
  }
  // As the kubelet: started once the startup probe passed, ready once started and the readiness probe passed.
  const started = state.running !== undefined && (health?.started ?? true);
  const ready = started && (health?.ready ?? true);
  return { ...base, state, lastState, ready, started };
}

/** The pod's init containers: each with whether it is a sidecar. */
function initSpecs(pod: Pod): { name: string; sidecar: boolean }[] {
  return (pod.spec.initContainers ?? []).map((c) => ({ name: c.name, sidecar: isSidecar(c) }));
}

/**
 * The kubelet's getPhase: a pod whose plain init containers have not all succeeded
 * is Pending (Failed when one failed and the policy is Never); sidecars count as
 * running containers once they started, not at all once they stopped; waiting app
 * containers that never ran keep the pod Pending; stopped ones count as Succeeded or
 * Failed only when the restart policy will not run them again.
 */
export function podPhase(pod: Pod, statuses: ContainerStatus[], initStatuses: ContainerStatus[] = []): PodPhase {
  const policy = pod.spec.restartPolicy ?? "Always";
  const byName = new Map(initStatuses.map((s) => [s.name, s]));
  let pendingInit = 0;
  let failedInit = 0;
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const { name, sidecar } of initSpecs(pod)) {
    const s = byName.get(name);
    if (sidecar) {
      if (s?.state?.running) {
        running++;
        if (!s.started) pendingInit++;
      } else if (!s?.state?.terminated && !s?.lastState?.terminated) {
        pendingInit++;
        waiting++;
      }
      continue;
    }
    if (s?.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s?.state?.waiting && s.lastState?.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else {
      pendingInit++;
    }
  }
  for (const s of statuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    } else waiting++;
  }
  if (failedInit > 0 && policy === "Never") return "Failed";
  // An init container that ran before the app containers did is done, whatever its sandbox shows now.
  const appsStarted = statuses.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
  if ((pendingInit > 0 || failedInit > 0) && !appsStarted) return "Pending";
  if (waiting > 0 || statuses.length === 0) return "Pending";
  if (running > 0) return "Running";
  if (policy === "Always") return "Running";
  if (stopped === succeeded) return "Succeeded";
  if (policy === "Never") return "Failed";
  return "Running";
}

/** Whether a container that exited runs again: by its restart policy and exit code, or because a probe had it killed. */
export function willRestart(policy: RestartPolicy, obs: ContainerObservation, exitCode: number): boolean {
  return shouldRestart(policy, exitCode) || (obs.killedByProbe === true && policy !== "Never");
}

/**
 * Whether the pod is done: every app container exited and none will run again, or a
 * plain init container failed under restartPolicy Never (the kubelet's KillPod).
 */
export function podFinished(pod: Pod, containers: Map<string, ContainerObservation>): boolean {
  const initFailed = (pod.spec.initContainers ?? []).some((c) => {
    if (isSidecar(c)) return false;
    const cur = containers.get(c.name)?.current;
    return isExited(cur) && effectiveExitCode(cur) !== 0 && restartPolicyOf(pod, c) === "Never";
  });
  if (initFailed) return true;
  return pod.spec.containers.every((c) => {
    const obs = containers.get(c.name) ?? {};
    const cur = obs.current;
    return isExited(cur) && !willRestart(restartPolicyOf(pod, c), obs, effectiveExitCode(cur));
  });
}

function condition(
  type: string,
  status: boolean,
  now: string,
  prior: PodCondition[] | undefined,
  reason?: string,
  message?: string,
): PodCondition {
  const value = status ? "True" : "False";
  const old = prior?.find((c) => c.type === type);
  return {
    type,
    status: value,
    lastProbeTime: null,
    lastTransitionTime: old && old.status === value && old.lastTransitionTime ? old.lastTransitionTime : now,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

/**
 * An init container's status: a plain one is ready once it succeeded (it never
 * runs again); a sidecar is ready as an app container is.
 */
function initContainerStatus(c: Container, obs: ContainerObservation): ContainerStatus {
  const status = containerStatus(c.name, c.image, obs, "PodInitializing");
  if (isSidecar(c)) return status;
  return { ...status, ready: status.state?.terminated?.exitCode === 0 };
}

/**
 * An ephemeral container's status: as any container's, but never ready and without
 * `started` (no probe runs on it), as the kubelet reports it.
 */
export function ephemeralContainerStatus(c: { name: string; image: string }, obs: ContainerObservation): ContainerStatus {
  const { started: _started, ...status } = containerStatus(c.name, c.image, obs);
  return { ...status, ready: false };
}

/** The kubelet's GeneratePodInitializedCondition. */
function initializedCondition(pod: Pod, initStatuses: ContainerStatus[], statuses: ContainerStatus[], phase: PodPhase): [boolean, string?, string?] {
  const incomplete: string[] = [];
  for (const c of pod.spec.initContainers ?? []) {
    const s = initStatuses.find((x) => x.name === c.name);
    const done = isSidecar(c) ? s?.started === true : s?.state?.terminated?.exitCode === 0;
    if (!done) incomplete.push(c.name);
  }
  if (phase === "Succeeded") return [true, "PodCompleted"];
  // App containers that ran mean the pod was initialized, even while a sidecar restarts.
  if (statuses.some((s) => s.state?.running || s.state?.terminated)) return [true];
  if (incomplete.length > 0) return [false, "ContainersNotInitialized", `containers with incomplete status: [${incomplete.join(" ")}]`];
  return [true];
}

export function computePodStatus(input: StatusInput): PodStatus {
  const { pod, infra, containers, hostIP, previous, now, failure } = input;
  const inits = pod.spec.initContainers ?? [];
  const defaultWaiting = inits.length > 0 ? "PodInitializing" : "ContainerCreating";
  const statuses = pod.spec.containers.map((c) => containerStatus(c.name, c.image, containers.get(c.name) ?? {}, defaultWaiting));
  const initStatuses = inits.map((c) => initContainerStatus(c, containers.get(c.name) ?? {}));
  let phase: PodPhase = failure ? "Failed" : podPhase(pod, statuses, initStatuses);
  // A deleted pod whose containers are all gone from running is over, whatever its policy.
  if (!failure && pod.metadata.deletionTimestamp && statuses.every((s) => !s.state?.running)) {
    phase = statuses.every((s) => s.state?.terminated?.exitCode === 0) ? "Succeeded" : "Failed";
  }
  const terminal = phase === "Succeeded" || phase === "Failed";
  // Sidecars serve beside the app containers, so the pod is ready only when they are too.
  const sidecarStatuses = initStatuses.filter((s) => isSidecar(inits.find((c) => c.name === s.name) ?? {}));
  const unready = [...sidecarStatuses, ...statuses].filter((s) => !s.ready).map((s) => s.name);
  const ready = unready.length === 0 && !terminal;
  const prior = previous?.conditions ?? pod.status?.conditions;
  const notReadyReason = terminal ? "PodCompleted" : "ContainersNotReady";
  const notReadyMessage = terminal ? undefined : `containers with unready status: [${unready.join(" ")}]`;
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled") ?? {
    type: "PodScheduled",
    status: "True" as const,
    lastProbeTime: null,
    lastTransitionTime: now,
  };
  const [initialized, initReason, initMessage] = initializedCondition(pod, initStatuses, statuses, phase);
  const conditions: PodCondition[] = [
    condition("Initialized", initialized, now, prior, initReason, initMessage),
    condition("Ready", ready, now, prior, ready ? undefined : notReadyReason, ready ? undefined : notReadyMessage),
    condition(
      "ContainersReady",
      ready,
      now,
      prior,
      ready ? undefined : notReadyReason,
      ready ? undefined : notReadyMessage,
    ),
    scheduled,
  ];
  const podIP = (infra?.running ? sandboxIP(infra) : "") || previous?.podIP || pod.status?.podIP;
  const startTime = pod.status?.startTime ?? previous?.startTime ?? now;
  return {
    phase,
    ...(failure ? { reason: failure.reason, message: failure.message } : {}),
    conditions,
    hostIP,
    hostIPs: [{ ip: hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime,
    ...(inits.length > 0 ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    ...ephemeralStatuses(pod, containers),
    qosClass: qosClass(pod),
  };
}

function ephemeralStatuses(pod: Pod, containers: Map<string, ContainerObservation>): Pick<PodStatus, "ephemeralContainerStatuses"> {
  const list = pod.spec.ephemeralContainers ?? [];
  if (list.length === 0) return {};
  return { ephemeralContainerStatuses: list.map((c) => ephemeralContainerStatus(c, containers.get(c.name) ?? {})) };
}

/** Kubernetes' QoS class from requests and limits. */
export function qosClass(pod: Pod): string {
  let anySet = false;
  let guaranteed = true;
  for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) anySet = true;
    for (const r of ["cpu", "memory"]) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || String(q) !== String(l)) guaranteed = false;
    }
  }
  if (!anySet) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}
