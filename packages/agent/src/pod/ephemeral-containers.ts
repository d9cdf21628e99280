// A pod's ephemeral containers (`kubectl debug`), as the kubelet runs them: started
// once each in the running sandbox (its network namespace, as every container),
// after the app containers, and never restarted, whatever the pod's restart policy
// or a new sandbox. With targetContainerName the container joins that container's
// PID namespace (Docker's `PidMode: container:<id>`), so it sees the target's
// processes; a pod-wide PID namespace (hostPID, shareProcessNamespace) wins, as
// the kubelet's namespace modes do.
import type { EphemeralContainer, Pod } from "@bosun/api";
import type { ContainerCreateSpec, ContainerDetails, ContainerSummary } from "../runtime/runtime.js";
import type { ContainerSync } from "./containers.js";
import type { Waiting } from "./status.js";

export interface EphemeralContainersInput {
  pod: Pod;
  /** The pod's containers by spec name, newest instance first. */
  byName: Map<string, ContainerSummary[]>;
  detailOf: (c: ContainerSummary | undefined) => ContainerDetails | undefined;
  infraId: string;
  infraStarted: Promise<void>;
  podIPs: () => Promise<string[]>;
}

/** The Docker PID mode an ephemeral container needs, or why it waits for its target. */
export function targetPidMode(ec: EphemeralContainer, byName: ReadonlyMap<string, ContainerSummary[]>): { pidMode?: string; waiting?: Waiting } {
  const target = ec.targetContainerName;
  if (!target) return {};
  const running = (byName.get(target) ?? [])[0];
  if (running?.state !== "running") {
    return {
      waiting: {
        reason: "CreateContainerConfigError",
        message: `target container "${target}" is not running; the ephemeral container starts once it runs`,
      },
    };
  }
  return { pidMode: `container:${running.id}` };
}

/** Brings each ephemeral container to its state; answers why containers wait, by name. */
export async function syncEphemeralContainers(sync: ContainerSync, input: EphemeralContainersInput): Promise<Map<string, Waiting>> {
  const waiting = new Map<string, Waiting>();
  const { pod, byName } = input;
  for (const ec of pod.spec.ephemeralContainers ?? []) {
    const instances = byName.get(ec.name) ?? [];
    // Once made, an ephemeral container is left alone: it is never restarted nor replaced.
    if (instances.length > 0 && instances[0]?.state !== "created") continue;
    const { pidMode, waiting: targetWait } = targetPidMode(ec, byName);
    if (targetWait) {
      waiting.set(ec.name, targetWait);
      continue;
    }
    const { targetContainerName: _target, ...spec } = ec;
    const w = await sync.sync({
      pod,
      spec,
      policy: "Never",
      instances,
      detailOf: input.detailOf,
      infraId: input.infraId,
      restartNow: () => false,
      infraStarted: input.infraStarted,
      podIPs: input.podIPs,
      finishSpec: (create: ContainerCreateSpec) => {
        if (pidMode !== undefined && create.pidMode === undefined) create.pidMode = pidMode;
      },
    });
    if (w) waiting.set(ec.name, w);
  }
  return waiting;
}
