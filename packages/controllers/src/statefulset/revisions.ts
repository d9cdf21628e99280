// The revisions of a StatefulSet: the update revision names the current template
// ("<set>-<hash>", as a ControllerRevision name would); the current revision is
// what status.currentRevision says until a rolling update completes. Bosun keeps no
// ControllerRevision objects, so the template of the current revision, needed to
// recreate a pod below the partition, is read back from a live pod of that revision.
import type { Pod, PodTemplateSpec, StatefulSet } from "@bosun/api";
import { templateHash } from "../common/index.js";
import { podIndexLabel, podNameLabel, revisionLabel } from "./identity.js";

export function updateRevisionOf(set: StatefulSet): string {
  return `${set.metadata.name}-${templateHash(set.spec.template, set.status?.collisionCount)}`;
}

export function currentRevisionOf(set: StatefulSet, updateRevision: string): string {
  return set.status?.currentRevision || updateRevision;
}

export function revisionOf(pod: Pod): string {
  return pod.metadata.labels?.[revisionLabel] ?? "";
}

/**
 * The template a pod was stamped from: its labels and annotations without what the
 * controller added, its spec without the node it was bound to and its identity.
 */
export function templateOfPod(pod: Pod): PodTemplateSpec {
  const labels = { ...(pod.metadata.labels ?? {}) };
  for (const key of [podNameLabel, podIndexLabel, revisionLabel]) delete labels[key];
  const spec = structuredClone(pod.spec);
  delete spec.nodeName;
  delete spec.hostname;
  delete spec.subdomain;
  return {
    metadata: { labels, ...(pod.metadata.annotations ? { annotations: { ...pod.metadata.annotations } } : {}) },
    spec,
  };
}

/** The template of `revision`: the set's own when it is the update revision, else one read from a live pod. */
export function templateOfRevision(set: StatefulSet, revision: string, updateRevision: string, pods: readonly Pod[]): PodTemplateSpec | undefined {
  if (revision === updateRevision) return set.spec.template;
  const source = pods.find((p) => revisionOf(p) === revision);
  return source ? templateOfPod(source) : undefined;
}
