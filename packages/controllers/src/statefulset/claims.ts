// A StatefulSet's claims (pkg/controller/statefulset stateful_set_utils.go): the
// claim "<template>-<set>-<ordinal>" of each volumeClaimTemplate for each pod, and
// the ownerReferences its persistentVolumeClaimRetentionPolicy asks for, which
// the garbage collector acts on:
//
//   whenDeleted  whenScaled  owners of a claim
//   Retain       Retain      none
//   Delete       Retain      the set
//   Retain       Delete      its pod, once the pod's ordinal is scaled away
//   Delete       Delete      the set; its pod instead, once scaled away
//
// Each reference is a controller reference, as Kubernetes writes them. A claim
// that refers to a previous set or pod of the same name (another uid) is left
// alone; so is one another controller holds, but for the references to this set
// and pod, which are removed. Pure.
import type { OwnerReference, PersistentVolumeClaim, Pod, PersistentVolumeClaimRetentionPolicyType, StatefulSet } from "@bosun/api";
import { newControllerRef } from "../common/index.js";
import { claimNameFor, ordinalOf } from "./identity.js";

export interface RetentionPolicy {
  whenDeleted: PersistentVolumeClaimRetentionPolicyType;
  whenScaled: PersistentVolumeClaimRetentionPolicyType;
}

/** The set's policy, Retain for what it leaves unset (sets stored before the field was defaulted). */
export function retentionPolicyOf(set: StatefulSet): RetentionPolicy {
  const policy = set.spec.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: policy?.whenDeleted ?? "Retain", whenScaled: policy?.whenScaled ?? "Retain" };
}

/**
 * The claims of the pod at `ordinal`, one per template: the template's labels with
 * the set's selector labels over them, its annotations and spec, in the set's
 * namespace (getPersistentVolumeClaims).
 */
export function claimsForOrdinal(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (set.spec.volumeClaimTemplates ?? []).map((template) => {
    const meta = template.metadata;
    return {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: {
        name: claimNameFor(set, template, ordinal),
        namespace: set.metadata.namespace,
        labels: { ...(meta.labels ?? {}), ...(set.spec.selector.matchLabels ?? {}) },
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      },
      spec: structuredClone(template.spec ?? {}),
    };
  });
}

// ---- ownership ----

/** Who a claim's references are weighed against: the set, and the pod of the claim's ordinal. */
export interface ClaimOwners {
  set: StatefulSet;
  pod: Pod;
}

function refersTo(ref: OwnerReference, owner: Pod | StatefulSet): boolean {
  return ref.apiVersion === owner.apiVersion && ref.kind === owner.kind && ref.name === owner.metadata.name;
}

function hasOwnerRef(claim: PersistentVolumeClaim, owner: Pod | StatefulSet): boolean {
  return (claim.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);
}

/** A reference to an object of the owner's kind and name but another uid: one that went away. */
export function hasStaleOwnerRef(claim: PersistentVolumeClaim, owner: Pod | StatefulSet): boolean {
  const ref = (claim.metadata.ownerReferences ?? []).find((r) => refersTo(r, owner));
  return ref !== undefined && ref.uid !== (owner.metadata.uid ?? "");
}

/** Whether the pod's ordinal is beyond the set's replicas, so that whenScaled applies to its claims. */
function scaledDown(set: StatefulSet, pod: Pod): boolean {
  return ordinalOf(set.metadata.name ?? "", pod) >= (set.spec.replicas ?? 1);
}

/**
 * A controller other than this set and pod (hasUnexpectedController). Under
 * Retain/Retain anyone may manage the claims; a reference to the set or pod with
 * a stale uid counts as unexpected, so such a claim is not touched.
 */
function hasUnexpectedController(claim: PersistentVolumeClaim, { set, pod }: ClaimOwners): boolean {
  const policy = retentionPolicyOf(set);
  if (policy.whenDeleted === "Retain" && policy.whenScaled === "Retain") return false;
  for (const ref of claim.metadata.ownerReferences ?? []) {
    if (refersTo(ref, set)) {
      if (ref.uid !== set.metadata.uid) return true;
      continue;
    }
    if (refersTo(ref, pod)) {
      if (ref.uid !== pod.metadata.uid) return true;
      continue;
    }
    if (ref.controller === true) return true;
  }
  return false;
}

function hasNonControllerOwner(claim: PersistentVolumeClaim, { set, pod }: ClaimOwners): boolean {
  return (claim.metadata.ownerReferences ?? []).some(
    (r) => (r.uid === set.metadata.uid || r.uid === pod.metadata.uid) && r.controller !== true,
  );
}

/** Which of the set and the pod the policy wants as owners of the claim. */
function wantedOwners(owners: ClaimOwners): { set: boolean; pod: boolean } {
  const policy = retentionPolicyOf(owners.set);
  const down = scaledDown(owners.set, owners.pod);
  const scaledAway = policy.whenScaled === "Delete" && down;
  return { set: policy.whenDeleted === "Delete" && !scaledAway, pod: scaledAway };
}

/** Whether the claim's references already say what the policy asks (isClaimOwnerUpToDate). */
export function claimOwnersUpToDate(claim: PersistentVolumeClaim, owners: ClaimOwners): boolean {
  const { set, pod } = owners;
  // Managed by a previous set or pod of these names: not ours to change.
  if (hasStaleOwnerRef(claim, set) || hasStaleOwnerRef(claim, pod)) return true;
  if (hasUnexpectedController(claim, owners)) return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod));
  if (hasNonControllerOwner(claim, owners)) return false;
  const wanted = wantedOwners(owners);
  return hasOwnerRef(claim, set) === wanted.set && hasOwnerRef(claim, pod) === wanted.pod;
}

/**
 * The claim's references as the policy wants them (updateClaimOwnerRefForSetAndPod):
 * those to the set and pod dropped, then added back as the policy asks, unless
 * another controller holds the claim.
 */
export function claimOwnerRefs(claim: PersistentVolumeClaim, owners: ClaimOwners): OwnerReference[] {
  const { set, pod } = owners;
  const unexpected = hasUnexpectedController(claim, owners);
  const refs = (claim.metadata.ownerReferences ?? []).filter((r) => !refersTo(r, set) && !refersTo(r, pod));
  if (unexpected) return refs;
  const wanted = wantedOwners(owners);
  if (wanted.pod) refs.push(newControllerRef(pod));
  if (wanted.set) refs.push(newControllerRef(set));
  return refs;
}

/**
 * Whether a claim of the pod about to be created still belongs to an earlier pod
 * of its name, which the garbage collector is to delete with it (PodClaimIsStale):
 * the new pod must wait rather than take the claim. Only whenScaled Delete makes
 * pods own claims.
 */
export function claimIsStale(set: StatefulSet, pod: Pod, claim: PersistentVolumeClaim | undefined): boolean {
  return retentionPolicyOf(set).whenScaled === "Delete" && claim !== undefined && hasStaleOwnerRef(claim, pod);
}
