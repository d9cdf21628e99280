// What each running container of a pod uses of the node's disk (its writable layer
// and log file, as the runtime measures them), by container name: the containers'
// part of the pod's ephemeral storage (ephemeral-storage.ts).
import type { Pod } from "@bosun/api";
import { INFRA_CONTAINER_NAME, LABEL_CONTAINER_NAME, LABEL_NODE_NAME, LABEL_POD_UID } from "../labels.js";
import type { ContainerRuntime } from "../runtime/runtime.js";

export async function containerDiskUsage(runtime: ContainerRuntime, nodeName: string, pod: Pod): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!runtime.containerDiskUsage) return out;
  const containers = await runtime.listContainers({ [LABEL_NODE_NAME]: nodeName, [LABEL_POD_UID]: pod.metadata.uid ?? "" });
  for (const c of containers) {
    const name = c.labels[LABEL_CONTAINER_NAME];
    if (c.state !== "running" || name === undefined || name === INFRA_CONTAINER_NAME) continue;
    const bytes = await runtime.containerDiskUsage(c.id);
    if (bytes !== undefined) out.set(name, (out.get(name) ?? 0) + bytes);
  }
  return out;
}
