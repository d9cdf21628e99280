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
}

function containerRequests(c: Container): Requests {
  const req = c.resources?.requests;
  const cpu = req?.cpu;
  const mem = req?.memory;
  return {
    cpuMillis: cpu !== undefined && isValidQuantity(cpu) ? cpuToMillis(cpu) : 0,
    memoryBytes: mem !== undefined && isValidQuantity(mem) ? memoryToBytes(mem) : 0,
  };
}

const plus = (a: Requests, b: Requests): Requests => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes });
const max = (a: Requests, b: Requests): Requests => ({
  cpuMillis: Math.max(a.cpuMillis, b.cpuMillis),
  memoryBytes: Math.max(a.memoryBytes, b.memoryBytes),
});

/**
 * The pod's cpu and memory requests, the scheduler's view of it, as Kubernetes'
 * resource helpers compute them: the app containers and the sidecars together, or
 * while one init container runs, it and the sidecars started before it, whichever
 * is larger, resource by resource.
 */
export function podResourceRequests(pod: Pod): Requests {
  let sidecars: Requests = { cpuMillis: 0, memoryBytes: 0 };
  let initPeak: Requests = { cpuMillis: 0, memoryBytes: 0 };
  for (const c of pod.spec.initContainers ?? []) {
    const own = containerRequests(c);
    if (isSidecar(c)) {
      sidecars = plus(sidecars, own);
      initPeak = max(initPeak, sidecars);
    } else {
      initPeak = max(initPeak, plus(sidecars, own));
    }
  }
  const running = pod.spec.containers.reduce((sum, c) => plus(sum, containerRequests(c)), sidecars);
  return max(running, initPeak);
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
