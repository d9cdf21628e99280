// `bosun describe` for PersistentVolumes, PersistentVolumeClaims and
// StorageClasses, line for line as kubectl's describers
// (k8s.io/kubectl/pkg/describe: describePersistentVolume,
// describePersistentVolumeClaim, describeStorageClass).
import {
  accessModesText,
  age,
  isDefaultStorageClass,
  isPlainObject,
  labelsText,
  persistentVolumeClaimClass,
  persistentVolumeClass,
  type Event,
  type KubeObject,
  type NodeSelectorRequirement,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type StorageClass,
  type VolumeNodeAffinity,
} from "@bosun/api";
import { commonMeta, withEvents } from "./describe.js";
import { describeTime, DescribeWriter, none } from "./describe-writer.js";
import { hostPathLines, localLines } from "./describe-volumes.js";

/** Go's %v of a []string: "[a b]". */
export function goList(items: readonly string[] | undefined): string {
  return `[${(items ?? []).join(" ")}]`;
}

/** "Terminating (lasts 5m)" for an object being deleted, else its phase. */
function phaseLine(obj: KubeObject, phase: string | undefined, now: number): string {
  const deleted = obj.metadata.deletionTimestamp;
  return deleted ? `Terminating (lasts ${age(deleted, now)})` : (phase ?? "");
}

/** printBoolPtr: True, False or <unset>. */
function boolText(value: boolean | undefined): string {
  return value === undefined ? "<unset>" : value ? "True" : "False";
}

/** One requirement as kubectl prints a node selector term: "kubernetes.io/hostname in [node-1, node-2]". */
function requirementText(req: NodeSelectorRequirement): string {
  const text = `${req.key} ${req.operator.toLowerCase()}`;
  return (req.values?.length ?? 0) > 0 ? `${text} [${req.values!.join(", ")}]` : text;
}

function nodeAffinityLines(w: DescribeWriter, affinity: VolumeNodeAffinity | undefined): void {
  const required = affinity?.required;
  if (required === undefined) return w.line(0, "Node Affinity:", none);
  w.line(0, "Node Affinity:", "");
  if (required.nodeSelectorTerms.length === 0) return w.line(1, "Required Terms:", none);
  w.line(1, "Required Terms:", "");
  required.nodeSelectorTerms.forEach((term, i) => {
    const reqs = term.matchExpressions ?? [];
    if (reqs.length === 0) return w.line(2, `Term ${i}:`, none);
    reqs.forEach((req, j) => w.line(2, j === 0 ? `Term ${i}:` : "", requirementText(req)));
  });
}

/** The Source section: the two kinds of source Bosun serves, as kubectl prints them. */
function sourceLines(w: DescribeWriter, pv: PersistentVolume): void {
  w.line(0, "Source:");
  const { hostPath, local } = pv.spec ?? {};
  if (hostPath !== undefined) {
    hostPathLines(w, 2, hostPath);
  } else if (local !== undefined) {
    localLines(w, 2, local);
  } else {
    w.line(1, "<unknown>");
  }
}

export function describePersistentVolume(pv: PersistentVolume, events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  const spec = pv.spec ?? {};
  w.line(0, "Name:", pv.metadata.name ?? "");
  w.map(0, "Labels", pv.metadata.labels);
  w.map(0, "Annotations", pv.metadata.annotations, ": ");
  w.line(0, "Finalizers:", goList(pv.metadata.finalizers));
  w.line(0, "StorageClass:", persistentVolumeClass(pv));
  w.line(0, "Status:", phaseLine(pv, pv.status?.phase, now));
  w.line(0, "Claim:", spec.claimRef ? `${spec.claimRef.namespace ?? ""}/${spec.claimRef.name ?? ""}` : "");
  w.line(0, "Reclaim Policy:", spec.persistentVolumeReclaimPolicy ?? "");
  w.line(0, "Access Modes:", accessModesText(spec.accessModes));
  if (spec.volumeMode !== undefined) w.line(0, "VolumeMode:", spec.volumeMode);
  w.line(0, "Capacity:", String(spec.capacity?.storage ?? "0"));
  nodeAffinityLines(w, spec.nodeAffinity);
  w.line(0, "Message:", pv.status?.message ?? "");
  sourceLines(w, pv);
  return withEvents(w, events, now);
}

/**
 * The names of the claims a pod's volumes use. Read from the pod as sent, so that
 * it works whatever the pod schema of this build holds.
 */
function claimNamesOf(pod: Pod): string[] {
  const volumes: unknown = (pod.spec as Record<string, unknown>).volumes;
  if (!Array.isArray(volumes)) return [];
  return volumes.flatMap((v: unknown) => {
    const source = isPlainObject(v) ? v.persistentVolumeClaim : undefined;
    return isPlainObject(source) && typeof source.claimName === "string" ? [source.claimName] : [];
  });
}

/** getPodsForPVC: the pods whose volumes name the claim, and pods that own it (generic ephemeral volumes). */
export function claimUsers(pvc: PersistentVolumeClaim, pods: readonly Pod[]): Pod[] {
  const owners = new Set((pvc.metadata.ownerReferences ?? []).filter((o) => o.kind === "Pod").map((o) => o.uid));
  return pods.filter((p) => claimNamesOf(p).includes(pvc.metadata.name ?? "") || owners.has(p.metadata.uid ?? ""));
}

export function describePersistentVolumeClaim(pvc: PersistentVolumeClaim, pods: readonly Pod[], events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  const spec = pvc.spec ?? {};
  commonMeta(w, pvc);
  w.line(0, "StorageClass:", persistentVolumeClaimClass(pvc));
  w.line(0, "Status:", phaseLine(pvc, pvc.status?.phase, now));
  w.line(0, "Volume:", spec.volumeName ?? "");
  w.map(0, "Labels", pvc.metadata.labels);
  w.map(0, "Annotations", pvc.metadata.annotations, ": ");
  w.line(0, "Finalizers:", goList(pvc.metadata.finalizers));
  // Capacity and access modes are the bound volume's, so an unbound claim shows neither.
  const bound = (spec.volumeName ?? "") !== "";
  w.line(0, "Capacity:", bound ? String(pvc.status?.capacity?.storage ?? "0") : "");
  w.line(0, "Access Modes:", bound ? accessModesText(pvc.status?.accessModes) : "");
  if (spec.volumeMode !== undefined) w.line(0, "VolumeMode:", spec.volumeMode);
  w.list(0, "Used By", claimUsers(pvc, pods).map((p) => p.metadata.name ?? "").sort());
  const conditions = pvc.status?.conditions ?? [];
  if (conditions.length > 0) {
    w.line(0, "Conditions:");
    w.line(1, "Type", "Status", "LastProbeTime", "LastTransitionTime", "Reason", "Message");
    w.line(1, "----", "------", "-----------------", "------------------", "------", "-------");
    for (const c of conditions) {
      w.line(1, `${c.type} `, `${c.status} `, `${describeTime(c.lastProbeTime)} `, `${describeTime(c.lastTransitionTime)} `, `${c.reason ?? ""} `, c.message ?? "");
    }
  }
  return withEvents(w, events, now);
}

export function describeStorageClass(sc: StorageClass, events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  w.line(0, "Name:", sc.metadata.name ?? "");
  w.line(0, "IsDefaultClass:", isDefaultStorageClass(sc) ? "Yes" : "No");
  w.line(0, "Annotations:", labelsText(sc.metadata.annotations));
  w.line(0, "Provisioner:", sc.provisioner);
  w.line(0, "Parameters:", labelsText(sc.parameters));
  w.line(0, "AllowVolumeExpansion:", boolText(sc.allowVolumeExpansion));
  const options = sc.mountOptions ?? [];
  if (options.length === 0) w.line(0, "MountOptions:", none);
  else {
    w.line(0, "MountOptions:");
    for (const option of options) w.line(1, option);
  }
  if (sc.reclaimPolicy !== undefined) w.line(0, "ReclaimPolicy:", sc.reclaimPolicy);
  if (sc.volumeBindingMode !== undefined) w.line(0, "VolumeBindingMode:", sc.volumeBindingMode);
  return withEvents(w, events, now);
}
