// What a delete asks of the garbage collector, as Kubernetes' generic registry
// decides it (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go,
// deletionFinalizersForGarbageCollection): Foreground adds the foregroundDeletion
// finalizer, Orphan the orphan finalizer, Background neither. The object then waits
// for the garbage collector, which deletes or orphans its dependents and removes
// the finalizer; the apiserver never touches dependents itself.
import type { DeleteOptions, ResourceInfo } from "@bosun/api";

export const foregroundDeletionFinalizer = "foregroundDeletion";
export const orphanFinalizer = "orphan";

type Policy = "Orphan" | "Background" | "Foreground";

/**
 * The policy a delete without one gets. batch/v1 Jobs orphan their pods, for
 * compatibility with Kubernetes before server-side garbage collection (kubectl
 * always sends Background). Namespaces take no part: the apiserver removes their
 * contents itself.
 */
function defaultPolicy(info: ResourceInfo): Policy | undefined {
  if (info.kind === "Namespace") return undefined;
  return info.kind === "Job" && info.group === "batch" ? "Orphan" : "Background";
}

/** Why these delete options contradict each other, or undefined. */
export function deleteOptionsConflict(options: DeleteOptions): string | undefined {
  if (options.orphanDependents !== undefined && options.propagationPolicy !== undefined) {
    return "orphanDependents and deletionPropagation cannot be both set";
  }
  return undefined;
}

/**
 * The finalizers an object should carry once this delete is accepted. An explicit
 * option wins, then a finalizer the object already has, then the kind's default.
 */
export function finalizersForDelete(info: ResourceInfo, finalizers: readonly string[], options: DeleteOptions): string[] {
  const fallback = defaultPolicy(info);
  if (fallback === undefined) return [...finalizers];
  let policy: Policy;
  if (options.orphanDependents !== undefined) policy = options.orphanDependents ? "Orphan" : "Background";
  else if (options.propagationPolicy !== undefined) policy = options.propagationPolicy;
  else if (finalizers.includes(orphanFinalizer)) policy = "Orphan";
  else if (finalizers.includes(foregroundDeletionFinalizer)) policy = "Foreground";
  else policy = fallback;
  const kept = finalizers.filter((f) => f !== orphanFinalizer && f !== foregroundDeletionFinalizer);
  if (policy === "Orphan") kept.push(orphanFinalizer);
  if (policy === "Foreground") kept.push(foregroundDeletionFinalizer);
  // The same set in another order is no change: keep the object's order.
  const same = kept.length === finalizers.length && kept.every((f) => finalizers.includes(f));
  return same ? [...finalizers] : kept;
}
