// A pod stamped out of a controller's template, owned by the controller
// (k8s.io/kubernetes/pkg/controller GetPodFromTemplate).
import type { KubeObject, Pod, PodTemplateSpec } from "@bosun/api";
import { newControllerRef } from "./controller-ref.js";

export interface PodNaming {
  /** A fixed name (StatefulSet ordinals); otherwise generateName "<owner>-". */
  name?: string;
  generateName?: string;
  /** Labels added to the template's (pod-template-hash, controller-revision-hash...). */
  extraLabels?: Record<string, string>;
}

export function podFromTemplate(template: PodTemplateSpec, owner: KubeObject, naming: PodNaming = {}): Pod {
  const meta = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      namespace: owner.metadata.namespace,
      labels: { ...(meta.labels ?? {}), ...(naming.extraLabels ?? {}) },
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [newControllerRef(owner)],
    },
    spec: structuredClone(template.spec),
  };
  if (naming.name) pod.metadata.name = naming.name;
  else pod.metadata.generateName = naming.generateName ?? `${owner.metadata.name ?? "pod"}-`;
  return pod;
}
