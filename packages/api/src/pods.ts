// Pod helpers the scheduler, agent and CLI share, so they agree on what a pod
// requests, when it is finished and how its conditions change.
import { rfc3339 } from "./formats.js";
import { randomInt } from "node:crypto";
import { cpuToMillis, isValidQuantity, memoryToBytes } from "./quantity.js";
import type { Pod, PodCondition, PodStatus } from "./types/core.js";
import type { KubeObject } from "./types/meta.js";

/** Sum of the containers' cpu and memory requests (the scheduler's view of a pod). */
export function podResourceRequests(pod: Pod): { cpuMillis: number; memoryBytes: number } {
  let cpuMillis = 0;
  let memoryBytes = 0;
  for (const c of pod.spec.containers) {
    const req = c.resources?.requests;
    const cpu = req?.cpu;
    const mem = req?.memory;
    if (cpu !== undefined && isValidQuantity(cpu)) cpuMillis += cpuToMillis(cpu);
    if (mem !== undefined && isValidQuantity(mem)) memoryBytes += memoryToBytes(mem);
  }
  return { cpuMillis, memoryBytes };
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
