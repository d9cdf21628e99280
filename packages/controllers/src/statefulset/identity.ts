// A StatefulSet pod's stable identity (pkg/controller/statefulset stateful_set_utils.go):
// its name "<set>-<ordinal>", the labels that name it, its hostname in the set's
// governing service, and its claims "<template>-<set>-<ordinal>".
import { podRevisionLabel, volumesWithClaims, type KubeObject, type PersistentVolumeClaim, type Pod, type PodTemplateSpec, type StatefulSet } from "@bosun/api";
import { podFromTemplate } from "../common/index.js";

export const podNameLabel = "statefulset.kubernetes.io/pod-name";
export const podIndexLabel = "apps.kubernetes.io/pod-index";
/** The name of the revision a pod was made from. */
export const revisionLabel = podRevisionLabel;

const ordinalName = /^(.*)-(\d+)$/;

/** The pod's ordinal in the set named `setName`, or -1 when the pod is not one of its members. */
export function ordinalOf(setName: string, pod: KubeObject): number {
  const m = ordinalName.exec(pod.metadata.name ?? "");
  if (!m || m[1] !== setName) return -1;
  const ordinal = Number(m[2]);
  return Number.isSafeInteger(ordinal) ? ordinal : -1;
}

export function podNameFor(set: StatefulSet, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

/** The claim of `template` that the pod at `ordinal` mounts (getPersistentVolumeClaimName). */
export function claimNameFor(set: StatefulSet, template: PersistentVolumeClaim, ordinal: number): string {
  return `${template.metadata.name ?? ""}-${set.metadata.name ?? ""}-${ordinal}`;
}

/** Whether the pod carries the labels of its identity (identityMatches). */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(set.metadata.name ?? "", pod);
  const labels = pod.metadata.labels ?? {};
  return (
    ordinal >= 0 &&
    pod.metadata.namespace === set.metadata.namespace &&
    labels[podNameLabel] === pod.metadata.name &&
    labels[podIndexLabel] === String(ordinal)
  );
}

/** The identity labels of the pod at `ordinal`. */
export function identityLabels(set: StatefulSet, ordinal: number): Record<string, string> {
  return { [podNameLabel]: podNameFor(set, ordinal), [podIndexLabel]: String(ordinal) };
}

/**
 * The pod at `ordinal`, stamped from `template` and labelled with `revision`; each
 * claim template's volume points at the ordinal's claim (updateStorage).
 */
export function newStatefulSetPod(set: StatefulSet, template: PodTemplateSpec, ordinal: number, revision: string): Pod {
  const name = podNameFor(set, ordinal);
  const pod = podFromTemplate(template, set, { name, extraLabels: { ...identityLabels(set, ordinal), [revisionLabel]: revision } });
  pod.spec.hostname = name;
  if (set.spec.serviceName) pod.spec.subdomain = set.spec.serviceName;
  else delete pod.spec.subdomain;
  if ((set.spec.volumeClaimTemplates ?? []).length > 0) {
    pod.spec.volumes = volumesWithClaims(pod.spec.volumes, set.spec.volumeClaimTemplates, (claim) => claimNameFor(set, claim, ordinal));
  }
  return pod;
}
