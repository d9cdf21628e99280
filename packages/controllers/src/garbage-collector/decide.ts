// What the garbage collector does with an object that has owners, as Kubernetes'
// attemptToDeleteItem decides it (pkg/controller/garbagecollector/garbagecollector.go).
import type { KubeObject, OwnerReference } from "@bosun/api";
import { hasFinalizer } from "../common/finalizers.js";

export const foregroundFinalizer = "foregroundDeletion";
export const orphanFinalizer = "orphan";

export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

/** What a lookup found for one ownerReference. */
export type OwnerState =
  | { kind: "present"; object: KubeObject }
  | { kind: "absent" }
  /** The owner's kind is not one the API serves: nothing can be proved, so the reference stands. */
  | { kind: "unverifiable" };

export interface OwnerClasses {
  /** Owners that exist and are not waiting for their dependents. */
  solid: OwnerReference[];
  /** Owners that are gone (or were replaced by an object with another uid). */
  dangling: OwnerReference[];
  /** Owners being deleted in the foreground, waiting for their dependents to go first. */
  waiting: OwnerReference[];
}

export type DependentAction =
  | { kind: "keep" }
  /** Another owner keeps the object: only the references to these owners go. */
  | { kind: "removeOwnerReferences"; uids: string[] }
  /** unblockOwners: clear blockOwnerDeletion on its own references first, to break a foreground-deletion cycle. */
  | { kind: "delete"; policy: PropagationPolicy; unblockOwners: boolean };

/** Being deleted in the foreground: waiting for its blocking dependents to be gone. */
export function isDeletingDependents(obj: KubeObject): boolean {
  return !!obj.metadata.deletionTimestamp && hasFinalizer(obj, foregroundFinalizer);
}

export function classifyOwners(refs: readonly OwnerReference[], states: readonly OwnerState[]): OwnerClasses {
  const classes: OwnerClasses = { solid: [], dangling: [], waiting: [] };
  refs.forEach((ref, i) => {
    const state = states[i];
    if (state?.kind === "absent") classes.dangling.push(ref);
    else if (state?.kind === "present" && isDeletingDependents(state.object)) classes.waiting.push(ref);
    else classes.solid.push(ref);
  });
  return classes;
}

/**
 * `dependents` are the objects that name `obj` as their owner: deleting an object
 * that has dependents because its owner waits for it is itself a foreground deletion.
 */
export function decideDependentAction(obj: KubeObject, classes: OwnerClasses, dependents: readonly KubeObject[]): DependentAction {
  if ((obj.metadata.ownerReferences ?? []).length === 0) return { kind: "keep" };
  if (classes.solid.length > 0) {
    const gone = [...classes.dangling, ...classes.waiting].map((r) => r.uid);
    return gone.length === 0 ? { kind: "keep" } : { kind: "removeOwnerReferences", uids: gone };
  }
  if (classes.waiting.length > 0 && dependents.length > 0) {
    return { kind: "delete", policy: "Foreground", unblockOwners: dependents.some(isDeletingDependents) };
  }
  // No owner keeps it and none waits on it: follow what the object itself asks for.
  const policy: PropagationPolicy = hasFinalizer(obj, orphanFinalizer)
    ? "Orphan"
    : hasFinalizer(obj, foregroundFinalizer)
      ? "Foreground"
      : "Background";
  return { kind: "delete", policy, unblockOwners: false };
}
