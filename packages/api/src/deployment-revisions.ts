// What the Deployment controller records on its ReplicaSets and what `rollout
// history|undo|status` and `describe` read back, in one place so both sides agree
// (Kubernetes shares pkg/controller/deployment/util between the controller and
// kubectl for the same reason): the revision annotations, the pod-template-hash
// label, and pod template equality that ignores that label.
import { semanticEqual } from "./equality.js";
import type { PodTemplateSpec } from "./types/core.js";
import type { KubeObject } from "./types/meta.js";

/** apps.DefaultDeploymentUniqueLabelKey: the label that keeps a Deployment's ReplicaSets apart. */
export const podTemplateHashLabel = "pod-template-hash";
export const revisionAnnotation = "deployment.kubernetes.io/revision";
export const revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
export const desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
export const maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
export const changeCauseAnnotation = "kubernetes.io/change-cause";

/**
 * Annotations that describe the Deployment itself: never copied to its ReplicaSets,
 * and never brought back from a ReplicaSet by a rollback (annotationsToSkip).
 */
export const deploymentOwnAnnotations: ReadonlySet<string> = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  "deprecated.deployment.rollback.to",
]);

/** The revision number (deploymentutil.Revision): 0 without the annotation, undefined when it is not a number. */
export function revisionOf(obj: KubeObject): number | undefined {
  const v = obj.metadata.annotations?.[revisionAnnotation];
  if (v === undefined) return 0;
  return /^-?\d+$/.test(v) ? Number(v) : undefined;
}

/** A copy of the template without the pod-template-hash label (and without labels, when that was the only one). */
export function templateWithoutHash(template: PodTemplateSpec): PodTemplateSpec {
  const copy = structuredClone(template);
  const labels = copy.metadata?.labels;
  if (labels && podTemplateHashLabel in labels) {
    delete labels[podTemplateHashLabel];
    if (Object.keys(labels).length === 0) delete copy.metadata!.labels;
  }
  return copy;
}

/** EqualIgnoreHash: the same pod template but for the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return semanticEqual(a && templateWithoutHash(a), b && templateWithoutHash(b));
}
