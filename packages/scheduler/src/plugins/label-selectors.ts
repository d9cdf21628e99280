// metav1.LabelSelectorAsSelector as the scheduler's plugins read selectors: an
// absent selector selects nothing, an empty one everything. A selector that does
// not parse selects nothing (validation keeps such selectors out of the API).
import { matchesLabels, type LabelSelector } from "@bosun/api";

export function selects(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  return selector !== undefined && matchesLabels(selector, labels ?? {});
}
