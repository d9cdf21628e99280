// Whether an Indexed Job's succeeded indexes meet its successPolicy, after
// Kubernetes' pkg/controller/job/success_policy.go: the first rule met wins. A rule
// with succeededIndexes is met when all of them succeeded, or succeededCount of
// them; a rule with only succeededCount when that many indexes succeeded.
import { countIndexes, overlapCount, parseIndexes, type IndexIntervals, type SuccessPolicy } from "@bosun/api";

/** The SuccessCriteriaMet message ("Matched rules at index 0"), or undefined when no rule is met. */
export function matchSuccessPolicy(policy: SuccessPolicy | undefined, completions: number, succeeded: IndexIntervals): string | undefined {
  if (!policy || succeeded.length === 0) return undefined;
  for (const [i, rule] of policy.rules.entries()) {
    if (rule.succeededIndexes !== undefined) {
      const wanted = parseIndexes(rule.succeededIndexes, completions);
      // Validation refuses a malformed list; one that names nothing can never be met.
      if (wanted.length === 0) continue;
      const have = overlapCount(wanted, succeeded);
      if (have === countIndexes(wanted) || (rule.succeededCount !== undefined && have >= rule.succeededCount)) return `Matched rules at index ${i}`;
    } else if (rule.succeededCount !== undefined && countIndexes(succeeded) >= rule.succeededCount) {
      return `Matched rules at index ${i}`;
    }
  }
  return undefined;
}
