// Which PersistentVolume a claim binds to, as Kubernetes' FindMatchingVolume
// (pkg/controller/volume/persistentvolume/util): a volume already bound to the
// claim (or pre-bound to it) at once; otherwise the smallest Available volume of the
// claim's class and volume mode that is large enough, offers every access mode the
// claim asks for, and matches its selector.
import { compareQuantities, labelSelectorFromMatch, matchesLabels, persistentVolumeClaimClass, persistentVolumeClass, type PersistentVolume, type PersistentVolumeClaim, type Quantity } from "@bosun/api";

/** Whether the volume's claimRef names this claim (any uid when the ref has none: pre-bound by name). */
export function isBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

function storageOf(list: Record<string, Quantity> | undefined): Quantity {
  return list?.storage ?? 0;
}

function offersModes(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const offered = new Set(volume.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => offered.has(m));
}

export function findMatchingVolume(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[]): PersistentVolume | undefined {
  const requested = storageOf(claim.spec?.resources?.requests);
  const selector = claim.spec?.selector ? labelSelectorFromMatch(claim.spec.selector.matchLabels, claim.spec.selector.matchExpressions) : undefined;
  let best: PersistentVolume | undefined;
  for (const volume of volumes) {
    if (volume.metadata.deletionTimestamp) continue;
    if (volume.spec?.claimRef && !isBoundToClaim(volume, claim)) continue;
    const size = storageOf(volume.spec?.capacity);
    if (compareQuantities(size, requested) < 0) continue;
    if ((volume.spec?.volumeMode ?? "Filesystem") !== (claim.spec?.volumeMode ?? "Filesystem")) continue;
    if (isBoundToClaim(volume, claim)) return volume;
    if ((volume.status?.phase ?? "Pending") !== "Available") continue;
    if (selector && !matchesLabels(selector, volume.metadata.labels)) continue;
    if (persistentVolumeClass(volume) !== persistentVolumeClaimClass(claim)) continue;
    if (!offersModes(volume, claim)) continue;
    if (!best || compareQuantities(size, storageOf(best.spec?.capacity)) < 0) best = volume;
  }
  return best;
}
