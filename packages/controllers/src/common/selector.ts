// The label selector a workload controller finds its objects with. An empty
// selector would select every object of the namespace, and an invalid one cannot
// say which the owner means, so neither claims or adopts anything. The apiserver
// refuses both for Deployments, ReplicaSets, DaemonSets and StatefulSets; a Job's
// may still be empty.
import { labelSelectorOrUndefined, type LabelSelector, type LabelSelectorSpec } from "@bosun/api";

/** Whether the selector has no requirement at all, and so selects everything. */
export function selectsAll(spec: LabelSelectorSpec | undefined): boolean {
  return Object.keys(spec?.matchLabels ?? {}).length === 0 && (spec?.matchExpressions ?? []).length === 0;
}

/** The selector, or undefined when it is empty or invalid. */
export function labelSelectorOf(spec: LabelSelectorSpec | undefined): LabelSelector | undefined {
  return selectsAll(spec) ? undefined : labelSelectorOrUndefined(spec);
}
