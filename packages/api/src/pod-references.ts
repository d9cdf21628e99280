// The Secrets, ConfigMaps and PersistentVolumeClaims a pod uses, after Kubernetes'
// VisitPodSecretNames and VisitPodConfigmapNames (pkg/api/v1/pod) and the Node
// authorizer's pod -> pvc edges: what the pod's node may read. A pod names them in
// its containers' and init containers' env and envFrom, its configMap, secret, projected and
// persistentVolumeClaim volumes, and (Secrets) its imagePullSecrets.
import type { Container, Pod } from "./types/core.js";
import type { Volume } from "./types/volumes.js";

export type PodReferenceKind = "Secret" | "ConfigMap" | "PersistentVolumeClaim";

function containerReferences(c: Container, kind: PodReferenceKind, out: Set<string>): void {
  for (const from of c.envFrom ?? []) {
    const ref = kind === "Secret" ? from.secretRef : kind === "ConfigMap" ? from.configMapRef : undefined;
    if (ref?.name) out.add(ref.name);
  }
  for (const ev of c.env ?? []) {
    const ref = kind === "Secret" ? ev.valueFrom?.secretKeyRef : kind === "ConfigMap" ? ev.valueFrom?.configMapKeyRef : undefined;
    if (ref?.name) out.add(ref.name);
  }
}

/** The names of the objects of `kind` one volume uses. */
function volumeReferences(v: Volume, kind: PodReferenceKind): (string | undefined)[] {
  switch (kind) {
    case "Secret":
      return [v.secret?.secretName, ...(v.projected?.sources ?? []).map((s) => s.secret?.name)];
    case "ConfigMap":
      return [v.configMap?.name, ...(v.projected?.sources ?? []).map((s) => s.configMap?.name)];
    case "PersistentVolumeClaim":
      return [v.persistentVolumeClaim?.claimName];
  }
}

/** The names of the objects of `kind`, in the pod's namespace, that the pod uses. */
export function podReferencedNames(pod: Pod, kind: PodReferenceKind): Set<string> {
  const out = new Set<string>();
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) containerReferences(c, kind, out);
  for (const v of pod.spec?.volumes ?? []) for (const name of volumeReferences(v, kind)) if (name) out.add(name);
  if (kind === "Secret") for (const ref of pod.spec?.imagePullSecrets ?? []) if (ref.name) out.add(ref.name);
  return out;
}
