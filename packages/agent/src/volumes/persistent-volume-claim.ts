// persistentVolumeClaim volumes: the claim must be bound; its PersistentVolume's
// directory of the node is bound into the containers (a hostPath volume's checked,
// or made, per its type; a local volume's must exist). A claim that is not bound
// yet keeps the pod waiting, with the kubelet's words, until the binder binds it.
import { stat } from "node:fs/promises";
import type { PersistentVolumeClaimVolumeSource } from "@bosun/api";
import { setUpHostPath } from "./host-path.js";
import { objectsOf, type MountableVolume, type VolumeSetUpContext } from "./volume.js";

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export async function setUpClaim(ctx: VolumeSetUpContext, source: PersistentVolumeClaimVolumeSource): Promise<MountableVolume> {
  const namespace = ctx.pod.metadata.namespace ?? "";
  const claimName = source.claimName;
  const objects = objectsOf(ctx, `persistentvolumeclaim ${namespace}/${claimName}`);
  const claim = await objects.persistentVolumeClaim(namespace, claimName);
  if (claim === undefined) throw new Error(`persistentvolumeclaim "${claimName}" not found`);
  if (claim.metadata.deletionTimestamp) throw new Error(`can't start pod because PVC ${namespace}/${claimName} is being deleted`);
  const phase = claim.status?.phase ?? "";
  const volumeName = claim.spec?.volumeName ?? "";
  if (phase !== "Bound" || volumeName === "") {
    throw new Error(
      `PVC ${namespace}/${claimName} has non-bound phase (${JSON.stringify(phase)}) or empty pvc.Spec.VolumeName (${JSON.stringify(volumeName)}): the pod waits until the claim is bound to a PersistentVolume`,
    );
  }
  const volume = await objects.persistentVolume(volumeName);
  if (volume === undefined) throw new Error(`persistentvolume "${volumeName}" not found`);
  const ref = volume.spec?.claimRef;
  if (ref?.uid && claim.metadata.uid && ref.uid !== claim.metadata.uid) {
    throw new Error(`found PV object ${volumeName} but it has a ClaimRef that points to a different PVC (${ref.namespace ?? ""}/${ref.name ?? ""})`);
  }
  const readOnly = source.readOnly ?? false;
  if (volume.spec?.hostPath) return { ...(await setUpHostPath(volume.spec.hostPath)), readOnly };
  const local = volume.spec?.local?.path;
  if (local !== undefined) {
    if (!(await isDirectory(local))) throw new Error(`local volume ${volumeName}: path "${local}" does not exist on this node or is not a directory`);
    return { hostPath: local, readOnly, refreshable: false };
  }
  throw new Error(`persistentvolume "${volumeName}" has no hostPath or local source: Bosun's agents mount only those`);
}
