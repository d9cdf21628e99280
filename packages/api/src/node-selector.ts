// Whether a node satisfies a core/v1 NodeSelector, as Kubernetes'
// component-helpers/scheduling/corev1/nodeaffinity does: the terms are ORed, the
// requirements of a term ANDed, and a term with no requirements matches nothing.
// matchExpressions test the node's labels (In, NotIn, Exists, DoesNotExist, Gt, Lt);
// matchFields test the one field Kubernetes supports, metadata.name. Used by the
// scheduler for volume and pod node affinity (nodeSelector included).
import { matchesLabels, type LabelOperator } from "./labels.js";
import type { Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod } from "./types/core.js";

const operators: Record<NodeSelectorRequirement["operator"], LabelOperator> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
  Gt: "gt",
  Lt: "lt",
};

function matchesRequirements(requirements: readonly NodeSelectorRequirement[], values: Record<string, string>): boolean {
  return matchesLabels(
    { requirements: requirements.map((r) => ({ key: r.key, operator: operators[r.operator], values: r.values ?? [] })) },
    values,
  );
}

function matchesTerm(term: NodeSelectorTerm, node: Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  return (
    matchesRequirements(expressions, node.metadata.labels ?? {}) &&
    matchesRequirements(fields, { "metadata.name": node.metadata.name ?? "" })
  );
}

/** Whether the node satisfies at least one of the selector's terms. */
export function nodeMatchesSelector(node: Node, selector: NodeSelector): boolean {
  return selector.nodeSelectorTerms.some((term) => matchesTerm(term, node));
}

/**
 * Whether the node satisfies what the pod requires of it: every nodeSelector entry
 * and the required node affinity (component-helpers' GetRequiredNodeAffinity(pod).Match).
 */
export function podRequiredNodeAffinityMatches(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [key, value] of Object.entries(pod.spec.nodeSelector ?? {})) {
    if (labels[key] !== value) return false;
  }
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return required === undefined || nodeMatchesSelector(node, required);
}
