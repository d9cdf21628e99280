// The READY, STATUS and RESTARTS columns of a pod, computed as kubectl's printPod
// does (pkg/printers/internalversion/printers.go), so users see the reasons they
// know: CrashLoopBackOff, ErrImagePull, Completed, Terminating.
import { isPodReady, type Pod } from "@bosun/api";
import { age } from "./age.js";

export interface PodColumns {
  ready: string;
  status: string;
  restarts: string;
}

export function podColumns(pod: Pod, now: number = Date.now()): PodColumns {
  const statuses = pod.status?.containerStatuses ?? [];
  const phase = pod.status?.phase ?? "Pending";
  let reason: string = pod.status?.reason || phase;
  let restarts = 0;
  let readyContainers = 0;
  let lastRestart = 0;
  let hasRunning = false;

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

  if (pod.metadata.deletionTimestamp && pod.status?.reason === "NodeLost") {
    reason = "Unknown";
  } else if (pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed") {
    reason = "Terminating";
  }

  const restartsText =
    restarts !== 0 && lastRestart > 0 ? `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)` : String(restarts);

  return { ready: `${readyContainers}/${pod.spec.containers.length}`, status: reason, restarts: restartsText };
}
