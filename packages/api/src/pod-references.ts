// The Secrets and ConfigMaps a pod uses, after Kubernetes' VisitPodSecretNames and
// VisitPodConfigmapNames (pkg/api/v1/pod): what the Node authorizer lets the
// pod's node read. Today a pod names them in its containers' env and envFrom;
// volumes and imagePullSecrets belong here too once the PodSpec has them.
import type { Container, Pod } from "./types/core.js";

export type PodReferenceKind = "Secret" | "ConfigMap";

function containerReferences(c: Container, kind: PodReferenceKind, out: Set<string>): void {
  for (const from of c.envFrom ?? []) {
    const ref = kind === "Secret" ? from.secretRef : from.configMapRef;
    if (ref?.name) out.add(ref.name);
  }
  for (const ev of c.env ?? []) {
    const ref = kind === "Secret" ? ev.valueFrom?.secretKeyRef : ev.valueFrom?.configMapKeyRef;
    if (ref?.name) out.add(ref.name);
  }
}

/** The names of the objects of `kind`, in the pod's namespace, that the pod uses. */
export function podReferencedNames(pod: Pod, kind: PodReferenceKind): Set<string> {
  const out = new Set<string>();
  for (const c of pod.spec?.containers ?? []) containerReferences(c, kind, out);
  return out;
}
