// Ephemeral-storage limits, decided as the kubelet's eviction manager decides them
// (podEphemeralStorageLimitEviction, containerEphemeralStorageLimitEviction): a pod
// whose containers' writable layers and logs and disk emptyDirs together use more
// than its containers' limits add up to is evicted ("Pod ephemeral local storage
// usage exceeds the total limit of containers 1Mi. "); else a container whose
// writable layer and logs use more than its own limit ("Container app exceeded its
// local ephemeral storage limit "1Mi". "). Pure: the usage is measured by the caller
// (volumes/empty-dir-limits.ts, the node's one measuring loop).
import { formatBinaryQuantity, isSidecar, memoryToBytes, type Container, type Pod, type Quantity } from "@bosun/api";

export const EPHEMERAL_STORAGE = "ephemeral-storage";

/** What a pod's storage uses now. */
export interface EphemeralStorageUsage {
  /** Each running container's writable layer and log file, by container name. */
  containers: ReadonlyMap<string, number>;
  /** The pod's disk emptyDirs. */
  volumes: number;
}

function limitOf(c: Container): Quantity | undefined {
  return c.resources?.limits?.[EPHEMERAL_STORAGE];
}

/** Whether any container of the pod limits its ephemeral storage: only such pods are measured. */
export function hasEphemeralStorageLimit(pod: Pod): boolean {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].some((c) => limitOf(c) !== undefined);
}

/**
 * The pod's ephemeral-storage limit as resourcehelper.PodLimits adds it up: the app
 * containers and sidecars together, or an init container with the sidecars before
 * it when that is more; written as the pod spells it when one container sets it.
 */
export function podEphemeralStorageLimit(pod: Pod): { bytes: number; text: string } | undefined {
  const setters: Quantity[] = [];
  const bytes = (c: Container): number => {
    const q = limitOf(c);
    if (q === undefined) return 0;
    setters.push(q);
    return memoryToBytes(q);
  };
  let sidecars = 0;
  let initPeak = 0;
  for (const c of pod.spec.initContainers ?? []) {
    const own = bytes(c);
    if (isSidecar(c)) sidecars += own;
    initPeak = Math.max(initPeak, isSidecar(c) ? sidecars : sidecars + own);
  }
  const running = pod.spec.containers.reduce((sum, c) => sum + bytes(c), sidecars);
  if (setters.length === 0) return undefined;
  const total = Math.max(running, initPeak);
  return { bytes: total, text: setters.length === 1 ? String(setters[0]) : formatBinaryQuantity(total) };
}

/** The eviction message when the pod or one of its containers uses more than its limit; undefined otherwise. */
export function ephemeralStorageEviction(pod: Pod, usage: EphemeralStorageUsage): string | undefined {
  const limit = podEphemeralStorageLimit(pod);
  if (limit === undefined) return undefined;
  let used = usage.volumes;
  for (const bytes of usage.containers.values()) used += bytes;
  if (used > limit.bytes) return `Pod ephemeral local storage usage exceeds the total limit of containers ${limit.text}. `;
  // As the kubelet's containerEphemeralStorageLimitEviction: app containers only, a zero limit is none.
  for (const c of pod.spec.containers) {
    const q = limitOf(c);
    const bytes = usage.containers.get(c.name);
    if (q !== undefined && memoryToBytes(q) > 0 && bytes !== undefined && bytes > memoryToBytes(q)) {
      return `Container ${c.name} exceeded its local ephemeral storage limit ${JSON.stringify(String(q))}. `;
    }
  }
  return undefined;
}
