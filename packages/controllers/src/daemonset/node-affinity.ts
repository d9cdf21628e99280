// How a daemon pod names its node without being bound to it (pkg/controller/daemon/util
// ReplaceDaemonSetPodNodeNameNodeAffinity and GetTargetNodeName): a required node
// affinity term on metadata.name, which the scheduler's NodeAffinity filter honours
// when it places the pod. The template's own required terms are replaced: the
// controller already checked them when it chose the node.
import type { Affinity, NodeSelectorTerm, Pod } from "@bosun/api";

const nodeNameField = "metadata.name";

/** The affinity with its required node terms replaced by one matching only `nodeName`. */
export function withNodeNameAffinity(affinity: Affinity | undefined, nodeName: string): Affinity {
  const term: NodeSelectorTerm = { matchFields: [{ key: nodeNameField, operator: "In", values: [nodeName] }] };
  const nodeAffinity = affinity?.nodeAffinity;
  return {
    ...(affinity ?? {}),
    nodeAffinity: {
      ...(nodeAffinity ?? {}),
      requiredDuringSchedulingIgnoredDuringExecution: {
        ...(nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? {}),
        nodeSelectorTerms: [term],
      },
    },
  };
}

/** The node a daemon pod is for: its spec.nodeName once bound, else its metadata.name affinity; undefined for neither. */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  const terms = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const req of term.matchFields ?? []) {
      if (req.key === nodeNameField && req.operator === "In") return req.values?.length === 1 ? req.values[0] : undefined;
    }
  }
  return undefined;
}
