// Pod helpers the scheduler, agent and CLI share, so they agree on what a pod
// requests, when it is finished and how its conditions change.
import { rfc3339 } from "./formats.js";
import { randomInt } from "node:crypto";
import { cpuToMillis, isValidQuantity, memoryToBytes } from "./quantity.js";
import type { Container, Pod, PodCondition, PodStatus } from "./types/core.js";
import { containerRestartPolicyAlways } from "./types/lifecycle.js";
import type { KubeObject } from "./types/meta.js";

interface Requests {
  cpuMillis: number;
  memoryBytes: number;
  /** Local disk for the writable layers, logs and disk emptyDirs (the scheduler's ephemeral-storage). */
  ephemeralStorageBytes: number;
}

/** A container's request of one resource, in its base unit (bytes, millicores for cpu); 0 when it asks for none. */
function containerRequest(c: Container, name: string): number {
  const q = c.resources?.requests?.[name];
  if (q === undefined || !isValidQuantity(q)) return 0;
  return name === "cpu" ? cpuToMillis(q) : memoryToBytes(q);
}

/**
 * The pod's request of one resource as Kubernetes' resource helpers compute it: the
 * app containers and the sidecars together, or while one init container runs, it
 * and the sidecars started before it, whichever is larger.
 */
export function podResourceRequest(pod: Pod, name: string): number {
  let sidecars = 0;
  let initPeak = 0;
  for (const c of pod.spec.initContainers ?? []) {
    const own = containerRequest(c, name);
    if (isSidecar(c)) {
      sidecars += own;
      initPeak = Math.max(initPeak, sidecars);
    } else {
      initPeak = Math.max(initPeak, sidecars + own);
    }
  }
  const running = pod.spec.containers.reduce((sum, c) => sum + containerRequest(c, name), sidecars);
  return Math.max(running, initPeak);
}

/** The pod's cpu, memory and ephemeral-storage requests, the scheduler's view of it (podResourceRequest, resource by resource). */
export function podResourceRequests(pod: Pod): Requests {
  return {
    cpuMillis: podResourceRequest(pod, "cpu"),
    memoryBytes: podResourceRequest(pod, "memory"),
    ephemeralStorageBytes: podResourceRequest(pod, "ephemeral-storage"),
  };
}

/** Every resource the pod's containers request by name (init containers too). */
export function requestedResourceNames(pod: Pod): Set<string> {
  const names = new Set<string>();
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) for (const name of Object.keys(c.resources?.requests ?? {})) names.add(name);
  return names;
}

/** An init container that keeps running beside the app containers (a native sidecar: restartPolicy Always). */
export function isSidecar(c: Pick<Container, "restartPolicy">): boolean {
  return c.restartPolicy === containerRestartPolicyAlways;
}

/** Succeeded or Failed: its containers will not run again. */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

export function getPodCondition(status: PodStatus | undefined, type: string): PodCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Its Ready condition is True: the pod serves, and counts as ready for its controller. */
export function isPodReady(pod: Pod): boolean {
  return getPodCondition(pod.status, "Ready")?.status === "True";
}

/**
 * Adds or replaces the condition of `cond.type`. lastTransitionTime moves only
 * when the status changes (True/False/Unknown), as Kubernetes keeps it. Returns
 * whether anything changed, so callers can skip a needless write.
 */
export function setPodCondition(status: PodStatus, cond: PodCondition): boolean {
  const conditions = (status.conditions ??= []);
  const i = conditions.findIndex((c) => c.type === cond.type);
  const old = i === -1 ? undefined : conditions[i]!;
  const next: PodCondition = { ...cond };
  if (old !== undefined && old.status === cond.status) {
    if (old.lastTransitionTime !== undefined) next.lastTransitionTime = old.lastTransitionTime;
    else if (next.lastTransitionTime === undefined) delete next.lastTransitionTime;
  } else {
    next.lastTransitionTime ??= rfc3339();
  }
  if (old !== undefined && JSON.stringify(old) === JSON.stringify(next)) return false;
  if (i === -1) conditions.push(next);
  else conditions[i] = next;
  return true;
}

/** "namespace/name" for namespaced objects, "name" for cluster-scoped ones. */
export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name ?? ""}` : (obj.metadata.name ?? "");
}

// Kubernetes' alphabet for generated names: no vowels (no accidental words) and
// no look-alike characters.
const suffixAlphabet = "bcdfghjklmnpqrstvwxz2456789";

/** Five random characters, appended to generateName as Kubernetes does. */
export function generateNameSuffix(): string {
  let s = "";
  for (let i = 0; i < 5; i++) s += suffixAlphabet[randomInt(suffixAlphabet.length)];
  return s;
}
