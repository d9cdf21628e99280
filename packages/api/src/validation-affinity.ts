// A pod's scheduling constraints as Kubernetes' pkg/apis/core/validation checks
// them: affinity (validateAffinity: node selector terms, weights 1-100, inter-pod
// terms with their selectors, namespaces and topology keys, matchLabelKeys and
// mismatchLabelKeys), topologySpreadConstraints (validateTopologySpreadConstraints)
// and schedulingGates (qualified names, no duplicates; on update they may only be
// removed, and while a pod is gated its nodeSelector and required node affinity
// may only be narrowed, as Kubernetes' mutable scheduling directives allow).
import { child, duplicate, forbidden, index, invalidValue, notSupported, required } from "./field-errors.js";
import { isDNS1123Label, isQualifiedName } from "./naming.js";
import type {
  Affinity,
  NodeAffinity,
  NodeSelectorRequirement,
  PodAffinityTerm,
  PodSchedulingGate,
  TopologySpreadConstraint,
  WeightedPodAffinityTerm,
} from "./types/affinity.js";
import type { PodSpec } from "./types/core.js";
import type { LabelSelectorSpec, StatusCause } from "./types/meta.js";
import { semanticEqual } from "./equality.js";
import { validateNodeSelector, validateNodeSelectorTerm } from "./validation-node-selector.js";
import { checkSelector } from "./validation-workloads.js";

const isNotPositive = "must be greater than zero";
const weightRange = "must be in the range 1-100";
const whenUnsatisfiableValues = ["DoNotSchedule", "ScheduleAnyway"];
const nodeInclusionPolicies = ["Honor", "Ignore"];

/** The scheduling fields of a pod spec (or a pod template's spec) at `path`. */
export function validatePodSpecScheduling(spec: PodSpec, path: string): StatusCause[] {
  return [
    ...validateAffinity(spec.affinity, child(path, "affinity")),
    ...validateTopologySpreadConstraints(spec.topologySpreadConstraints, child(path, "topologySpreadConstraints")),
    ...validateSchedulingGates(spec.schedulingGates, child(path, "schedulingGates")),
  ];
}

/** What only a new pod is checked for: it cannot be bound while it is gated (ValidatePodCreate). */
export function validateGatedPodCreate(spec: PodSpec, path: string): StatusCause[] {
  if (!spec.nodeName || (spec.schedulingGates ?? []).length === 0) return [];
  return [forbidden(child(path, "nodeName"), "cannot be set until all schedulingGates have been cleared")];
}

function labelName(key: string, path: string): StatusCause[] {
  return isQualifiedName(key).map((msg) => invalidValue(path, key, msg));
}

function weight(value: number, path: string): StatusCause[] {
  return value <= 0 || value > 100 ? [invalidValue(path, value, weightRange)] : [];
}

export function validateAffinity(affinity: Affinity | undefined, path: string): StatusCause[] {
  if (affinity === undefined) return [];
  const causes: StatusCause[] = [];
  if (affinity.nodeAffinity) causes.push(...validateNodeAffinity(affinity.nodeAffinity, child(path, "nodeAffinity")));
  for (const kind of ["podAffinity", "podAntiAffinity"] as const) {
    const terms = affinity[kind];
    if (!terms) continue;
    const p = child(path, kind);
    const requiredPath = child(p, "requiredDuringSchedulingIgnoredDuringExecution");
    (terms.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => causes.push(...podAffinityTerm(t, index(requiredPath, i))));
    const preferredPath = child(p, "preferredDuringSchedulingIgnoredDuringExecution");
    (terms.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => causes.push(...weightedPodAffinityTerm(t, index(preferredPath, i))));
  }
  return causes;
}

function validateNodeAffinity(na: NodeAffinity, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const requiredTerms = na.requiredDuringSchedulingIgnoredDuringExecution;
  if (requiredTerms) causes.push(...validateNodeSelector(requiredTerms, child(path, "requiredDuringSchedulingIgnoredDuringExecution")));
  const preferredPath = child(path, "preferredDuringSchedulingIgnoredDuringExecution");
  (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((term, i) => {
    const p = index(preferredPath, i);
    causes.push(...weight(term.weight, child(p, "weight")), ...validateNodeSelectorTerm(term.preference, child(p, "preference")));
  });
  return causes;
}

function weightedPodAffinityTerm(term: WeightedPodAffinityTerm, path: string): StatusCause[] {
  return [...weight(term.weight, child(path, "weight")), ...podAffinityTerm(term.podAffinityTerm, child(path, "podAffinityTerm"))];
}

function selector(sel: LabelSelectorSpec | undefined, path: string): StatusCause[] {
  return sel === undefined ? [] : checkSelector(sel, path).causes;
}

function podAffinityTerm(term: PodAffinityTerm, path: string): StatusCause[] {
  const causes = [...selector(term.labelSelector, child(path, "labelSelector")), ...selector(term.namespaceSelector, child(path, "namespaceSelector"))];
  // Kubernetes reports a bad namespace at "namespace", not at its index.
  for (const name of term.namespaces ?? []) {
    for (const msg of isDNS1123Label(name)) causes.push(invalidValue(child(path, "namespace"), name, msg));
  }
  causes.push(...matchAndMismatchLabelKeys(term, path));
  if (term.topologyKey === "") causes.push(required(child(path, "topologyKey"), "can not be empty"));
  causes.push(...labelName(term.topologyKey, child(path, "topologyKey")));
  return causes;
}

function matchAndMismatchLabelKeys(term: PodAffinityTerm, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const field of ["matchLabelKeys", "mismatchLabelKeys"] as const) {
    const keys = term[field] ?? [];
    if (keys.length === 0) continue;
    const p = child(path, field);
    if (term.labelSelector === undefined) {
      causes.push(forbidden(p, "must not be specified when labelSelector is not set"));
      continue;
    }
    keys.forEach((k, i) => causes.push(...labelName(k, index(p, i))));
  }
  const mismatch = new Set(term.mismatchLabelKeys ?? []);
  (term.matchLabelKeys ?? []).forEach((k, i) => {
    if (mismatch.has(k)) causes.push(invalidValue(index(child(path, "matchLabelKeys"), i), k, "exists in both matchLabelKeys and mismatchLabelKeys"));
  });
  return causes;
}

export function validateTopologySpreadConstraints(constraints: readonly TopologySpreadConstraint[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (constraints ?? []).forEach((c, i) => {
    const p = index(path, i);
    if (c.maxSkew <= 0) causes.push(invalidValue(child(p, "maxSkew"), c.maxSkew, isNotPositive));
    if (c.topologyKey === "") causes.push(required(child(p, "topologyKey"), "can not be empty"));
    if (!whenUnsatisfiableValues.includes(c.whenUnsatisfiable)) {
      causes.push(notSupported(child(p, "whenUnsatisfiable"), c.whenUnsatisfiable, whenUnsatisfiableValues));
    }
    // {topologyKey, whenUnsatisfiable} names one constraint; a later one may not repeat it.
    if (constraints!.slice(i + 1).some((o) => o.topologyKey === c.topologyKey && o.whenUnsatisfiable === c.whenUnsatisfiable)) {
      causes.push(duplicate(child(p, "{topologyKey, whenUnsatisfiable}"), `{${c.topologyKey}, ${c.whenUnsatisfiable}}`));
    }
    if (c.minDomains !== undefined) {
      if (c.minDomains <= 0) causes.push(invalidValue(child(p, "minDomains"), c.minDomains, isNotPositive));
      if (c.whenUnsatisfiable !== "DoNotSchedule") {
        causes.push(
          invalidValue(child(p, "minDomains"), c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${c.whenUnsatisfiable}`),
        );
      }
    }
    for (const field of ["nodeAffinityPolicy", "nodeTaintsPolicy"] as const) {
      const policy = c[field];
      if (policy !== undefined && !nodeInclusionPolicies.includes(policy)) causes.push(notSupported(child(p, field), policy, nodeInclusionPolicies));
    }
    causes.push(...spreadMatchLabelKeys(c, child(p, "matchLabelKeys")));
    causes.push(...selector(c.labelSelector, child(p, "labelSelector")));
  });
  return causes;
}

/** Valid label keys, not already in the selector (the scheduler adds them to it). */
function spreadMatchLabelKeys(c: TopologySpreadConstraint, path: string): StatusCause[] {
  const keys = c.matchLabelKeys ?? [];
  if (keys.length === 0) return [];
  const causes: StatusCause[] = [];
  const selectorKeys = new Set<string>();
  if (c.labelSelector) {
    for (const k of Object.keys(c.labelSelector.matchLabels ?? {})) selectorKeys.add(k);
    for (const e of c.labelSelector.matchExpressions ?? []) selectorKeys.add(e.key);
  } else {
    causes.push(forbidden(path, "must not be specified when labelSelector is not set"));
  }
  keys.forEach((k, i) => {
    causes.push(...labelName(k, index(path, i)));
    if (selectorKeys.has(k)) causes.push(invalidValue(index(path, i), k, "exists in both matchLabelKeys and labelSelector"));
  });
  return causes;
}

function validateSchedulingGates(gates: readonly PodSchedulingGate[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  (gates ?? []).forEach((gate, i) => {
    causes.push(...labelName(gate.name, index(path, i)));
    if (seen.has(gate.name)) causes.push(duplicate(index(path, i), gate.name));
    seen.add(gate.name);
  });
  return causes;
}

/**
 * The scheduling rules of a pod update. Gates may only be removed. While the old pod
 * is gated, nodeSelector entries may be added and the required node affinity's
 * terms may gain requirements (narrowing where the pod may go, never widening it).
 * The fields so allowed are set back to the old pod's in `munged`, the copy of the
 * new spec the caller compares with the old one to find forbidden changes.
 */
export function mungeSchedulingUpdate(munged: PodSpec, old: PodSpec): StatusCause[] {
  const causes = onlyDeletedGates(munged.schedulingGates, old.schedulingGates, "spec.schedulingGates");
  const wasGated = (old.schedulingGates ?? []).length > 0;
  setOrDelete(munged, "schedulingGates", old.schedulingGates);
  if (!wasGated) return causes;
  if (!semanticEqual(munged.nodeSelector, old.nodeSelector)) {
    causes.push(...nodeSelectorMutation(munged.nodeSelector, old.nodeSelector, "spec.nodeSelector"));
    setOrDelete(munged, "nodeSelector", old.nodeSelector);
  }
  const oldNodeAffinity = old.affinity?.nodeAffinity;
  const newNodeAffinity = munged.affinity?.nodeAffinity;
  if (!semanticEqual(oldNodeAffinity, newNodeAffinity)) {
    causes.push(...nodeAffinityMutation(newNodeAffinity, oldNodeAffinity, "spec.affinity.nodeAffinity"));
    const affinity = { ...munged.affinity };
    setOrDelete(affinity, "nodeAffinity", oldNodeAffinity);
    // Node affinity added to a pod that had no affinity leaves nothing behind.
    setOrDelete(munged, "affinity", old.affinity === undefined && Object.keys(affinity).length === 0 ? undefined : affinity);
  }
  return causes;
}

function setOrDelete<T extends object, K extends keyof T>(target: T, field: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[field];
  else target[field] = value;
}

function onlyDeletedGates(gates: readonly PodSchedulingGate[] | undefined, old: readonly PodSchedulingGate[] | undefined, path: string): StatusCause[] {
  const had = new Set((old ?? []).map((g) => g.name));
  const causes: StatusCause[] = [];
  (gates ?? []).forEach((gate, i) => {
    if (!had.has(gate.name)) {
      causes.push(forbidden(child(index(path, i), "name"), `only deletion is allowed, but found new scheduling gate '${gate.name}'`));
    }
  });
  return causes;
}

function nodeSelectorMutation(selector: Record<string, string> | undefined, old: Record<string, string> | undefined, path: string): StatusCause[] {
  for (const [k, v] of Object.entries(old ?? {})) {
    if (selector?.[k] !== v) return [invalidValue(path, selector ?? null, "only additions to spec.nodeSelector are allowed (no mutations or deletions)")];
  }
  return [];
}

function nodeAffinityMutation(affinity: NodeAffinity | undefined, old: NodeAffinity | undefined, path: string): StatusCause[] {
  const oldTerms = old?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  // Without required terms before, anything may be set.
  if (oldTerms.length === 0) return [];
  const termsPath = child(child(path, "requiredDuringSchedulingIgnoredDuringExecution"), "nodeSelectorTerms");
  const terms = affinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length !== oldTerms.length) return [invalidValue(termsPath, terms, "number of terms cannot change")];
  const causes: StatusCause[] = [];
  oldTerms.forEach((oldTerm, i) => {
    const term = terms[i]!;
    for (const field of ["matchExpressions", "matchFields"] as const) {
      if (!isSubset(oldTerm[field] ?? [], term[field] ?? [])) {
        causes.push(invalidValue(child(index(termsPath, i), field), term, "only additions are allowed (no mutations or deletions)"));
      }
    }
  });
  return causes;
}

function isSubset(old: readonly NodeSelectorRequirement[], now: readonly NodeSelectorRequirement[]): boolean {
  return old.every((o) => now.some((n) => semanticEqual(o, n)));
}
