// Which PersistentVolume a claim binds to, as Kubernetes' FindMatchingVolume
// (pkg/controller/volume/persistentvolume/util): a volume already bound to the
// claim (or pre-bound to it) at once; otherwise the smallest Available volume of the
// claim's class and volume mode that is large enough, offers every access mode the
// claim asks for, and matches its selector. Shared by the binder and the scheduler's
// volume binding, which asks the same question for one node.
import { labelSelectorFromMatch, matchesLabels } from "./labels.js";
import { nodeMatchesSelector } from "./node-selector.js";
import { compareQuantities } from "./quantity.js";
import { persistentVolumeClaimClass, persistentVolumeClass } from "./storage-classes.js";
import type { Node, ObjectReference } from "./types/core.js";
import type { Quantity } from "./types/meta.js";
import type { PersistentVolume, PersistentVolumeClaim } from "./types/persistent-volumes.js";

/** The annotation the scheduler sets on a claim waiting for its first consumer: the node its pod goes to. */
export const selectedNodeAnnotation = "volume.kubernetes.io/selected-node";
/** The annotation the binder sets on a claim a provisioner should make a volume for: which provisioner. */
export const storageProvisionerAnnotation = "volume.kubernetes.io/storage-provisioner";
/** Its beta spelling, which provisioners built on sig-storage's library still read. */
export const betaStorageProvisionerAnnotation = "volume.beta.kubernetes.io/storage-provisioner";
/** The provisioner of classes whose volumes are made by hand only (Kubernetes' convention). */
export const noProvisioner = "kubernetes.io/no-provisioner";
/** The annotation a provisioner puts on the volumes it made, naming itself. */
export const provisionedByAnnotation = "pv.kubernetes.io/provisioned-by";

/** Whether the volume's claimRef names this claim (any uid when the ref has none: pre-bound by name). */
export function isBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** The claimRef a volume bound (or pre-bound) to the claim carries, as Kubernetes writes it. */
export function claimReference(claim: PersistentVolumeClaim): ObjectReference {
  return {
    kind: "PersistentVolumeClaim",
    apiVersion: "v1",
    namespace: claim.metadata.namespace ?? "",
    name: claim.metadata.name ?? "",
    uid: claim.metadata.uid ?? "",
    resourceVersion: claim.metadata.resourceVersion ?? "",
  };
}

/** Whether the volume may be used on the node: it has no node affinity, or the node satisfies it. */
export function volumeFitsNode(volume: PersistentVolume, node: Node): boolean {
  const required = volume.spec?.nodeAffinity?.required;
  return required === undefined || nodeMatchesSelector(node, required);
}

function storageOf(list: Record<string, Quantity> | undefined): Quantity {
  return list?.storage ?? 0;
}

function offersModes(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const offered = new Set(volume.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => offered.has(m));
}

export interface MatchOptions {
  /** Only volumes usable on this node (their node affinity allows it). */
  node?: Node;
  /**
   * The claim's class waits for its first consumer: without a node, only a volume
   * pre-bound to the claim matches, since the scheduler has not chosen where it goes.
   */
  delayBinding?: boolean;
}

export function findMatchingVolume(
  claim: PersistentVolumeClaim,
  volumes: readonly PersistentVolume[],
  opts: MatchOptions = {},
): PersistentVolume | undefined {
  const requested = storageOf(claim.spec?.resources?.requests);
  const selector = claim.spec?.selector ? labelSelectorFromMatch(claim.spec.selector.matchLabels, claim.spec.selector.matchExpressions) : undefined;
  let best: PersistentVolume | undefined;
  for (const volume of volumes) {
    if (volume.metadata.deletionTimestamp) continue;
    if (volume.spec?.claimRef && !isBoundToClaim(volume, claim)) continue;
    const size = storageOf(volume.spec?.capacity);
    if (compareQuantities(size, requested) < 0) continue;
    if ((volume.spec?.volumeMode ?? "Filesystem") !== (claim.spec?.volumeMode ?? "Filesystem")) continue;
    const fits = !opts.node || volumeFitsNode(volume, opts.node);
    // The claim's own volume or none: a pre-bound volume elsewhere is no reason to take another.
    if (isBoundToClaim(volume, claim)) return fits ? volume : undefined;
    if (!fits) continue;
    if (opts.delayBinding && !opts.node) continue;
    if ((volume.status?.phase ?? "Pending") !== "Available") continue;
    if (selector && !matchesLabels(selector, volume.metadata.labels)) continue;
    if (persistentVolumeClass(volume) !== persistentVolumeClaimClass(claim)) continue;
    if (!offersModes(volume, claim)) continue;
    if (!best || compareQuantities(size, storageOf(best.spec?.capacity)) < 0) best = volume;
  }
  return best;
}
