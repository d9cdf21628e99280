// The Pod table: READY, STATUS and RESTARTS computed as Kubernetes' printPod
// does, so users see the reasons they know: CrashLoopBackOff, ErrImagePull,
// Completed, Terminating, and for init containers Init:1/2, Init:CrashLoopBackOff,
// Init:Error and PodInitializing.
import { getPodCondition, isPodReady, isSidecar } from "../pods.js";
import type { Pod } from "../types/core.js";
import { age } from "./age.js";
import { ageColumn, column, nameColumn, none, type Printer, type TableRowCondition } from "./columns.js";

export interface PodColumns {
  ready: string;
  status: string;
  restarts: string;
}

export function podColumns(pod: Pod, now: number = Date.now()): PodColumns {
  const statuses = pod.status?.containerStatuses ?? [];
  const phase = pod.status?.phase ?? "Pending";
  let reason: string = pod.status?.reason || phase;
  // A pod held by scheduling gates says so, as kubectl's printPod does.
  if (getPodCondition(pod.status, "PodScheduled")?.reason === "SchedulingGated") reason = "SchedulingGated";
  let restarts = 0;
  let readyContainers = 0;
  let lastRestart = 0;
  let hasRunning = false;

  // Init containers first, as kubectl's printPod: the first that has not completed
  // names the reason (Init:1/2, Init:CrashLoopBackOff, Init:Error); sidecars count as
  // containers of the pod once they started.
  const initSpecs = new Map((pod.spec.initContainers ?? []).map((c) => [c.name, c]));
  const initCount = initSpecs.size;
  let totalContainers = pod.spec.containers.length;
  for (const c of initSpecs.values()) if (isSidecar(c)) totalContainers++;
  let sidecarRestarts = 0;
  let lastSidecarRestart = 0;
  let initializing = false;
  const initStatuses = pod.status?.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const sidecar = isSidecar(initSpecs.get(cs.name) ?? {});
    restarts += cs.restartCount;
    const finishedAt = Date.parse(cs.lastState?.terminated?.finishedAt ?? "") || 0;
    lastRestart = Math.max(lastRestart, finishedAt);
    if (sidecar) {
      sidecarRestarts += cs.restartCount;
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt);
    }
    const terminated = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (sidecar && cs.started) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      reason = terminated.reason
        ? `Init:${terminated.reason}`
        : terminated.signal
          ? `Init:Signal:${terminated.signal}`
          : `Init:ExitCode:${terminated.exitCode}`;
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || getPodCondition(pod.status, "Initialized")?.status === "True") {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    // Walked from last to first so the first container's reason wins, as in kubectl.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += cs.restartCount;
      const finishedAt = cs.lastState?.terminated?.finishedAt;
      if (finishedAt) lastRestart = Math.max(lastRestart, Date.parse(finishedAt) || 0);
      const waiting = cs.state?.waiting;
      const terminated = cs.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      } else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }

    if (reason === "Completed" && hasRunning) {
      reason = isPodReady(pod) ? "Running" : "NotReady";
    }
  }

  if (pod.metadata.deletionTimestamp && pod.status?.reason === "NodeLost") {
    reason = "Unknown";
  } else if (pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed") {
    reason = "Terminating";
  }

  const restartsText =
    restarts !== 0 && lastRestart > 0 ? `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)` : String(restarts);

  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

const completed = (reason: string, message: string): TableRowCondition[] => [{ type: "Completed", status: "True", reason, message }];

export const podPrinter: Printer<Pod> = {
  columns: [
    nameColumn,
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column(
      "Restarts",
      "string",
      "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    ageColumn,
    column("IP", "string", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", { priority: 1 }),
    column(
      "Node",
      "string",
      "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler. Once this field is set, the agent of this node becomes responsible for the lifecycle of this pod.",
      { priority: 1 },
    ),
    column(
      "Nominated Node",
      "string",
      "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.",
      { priority: 1 },
    ),
    column(
      "Readiness Gates",
      "string",
      "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\".",
      { priority: 1 },
    ),
  ],
  cells(pod, now) {
    const c = podColumns(pod, now);
    const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || none;
    // Bosun takes no readinessGates (the schema refuses them): that cell is what Kubernetes prints without them.
    const nominated = pod.status?.nominatedNodeName || none;
    return [pod.metadata.name ?? "", c.ready, c.status, c.restarts, age(pod.metadata.creationTimestamp, now), ip, pod.spec.nodeName || none, nominated, none];
  },
  conditions(pod) {
    switch (pod.status?.phase) {
      case "Succeeded":
        return completed("Succeeded", "The pod has completed successfully.");
      case "Failed":
        return completed("Failed", "The pod failed.");
    }
    return [];
  },
};
