// Matching a failed pod against a Job's podFailurePolicy, after Kubernetes'
// pkg/controller/job/pod_failure_policy.go: the first rule that matches decides.
// Ignore leaves the failure out of backoffLimit, Count counts it, FailJob fails the
// Job with a message naming the pod and rule, FailIndex fails the pod's index.
import type { ContainerStatus, Pod, PodCondition, PodFailurePolicy, PodFailurePolicyAction, PodFailurePolicyOnExitCodesRequirement, PodFailurePolicyOnPodConditionsPattern } from "@bosun/api";

export interface PolicyMatch {
  /** The action of the rule that matched; none when no rule did. */
  action?: PodFailurePolicyAction;
  /** Whether the failure counts toward backoffLimit (and backoffLimitPerIndex). */
  counts: boolean;
  /** For FailJob, the Job's Failed message, as Kubernetes words it. */
  message?: string;
}

const noMatch: PolicyMatch = { counts: true };

export interface MatchOptions {
  /**
   * Match only onPodConditions rules: for a pod being deleted, which Bosun removes
   * without writing its final phase, so its conditions (DisruptionTarget) are all
   * there is to go by; its exit codes may be those of the stop itself.
   */
  conditionsOnly?: boolean;
}

export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod, opts: MatchOptions = {}): PolicyMatch {
  if (!policy) return noMatch;
  const where = `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
  for (const [i, rule] of policy.rules.entries()) {
    const action = rule.action as PodFailurePolicyAction;
    if (rule.onExitCodes) {
      if (opts.conditionsOnly) continue;
      const container = matchOnExitCodes(pod, rule.onExitCodes);
      if (!container) continue;
      const exitCode = container.state?.terminated?.exitCode ?? 0;
      return decide(action, `Container ${container.name} for pod ${where} failed with exit code ${exitCode} matching ${action} rule at index ${i}`);
    }
    if (rule.onPodConditions && rule.onPodConditions.length > 0) {
      const condition = matchOnPodConditions(pod, rule.onPodConditions);
      if (!condition) continue;
      return decide(action, `Pod ${where} has condition ${condition.type} matching ${action} rule at index ${i}`);
    }
  }
  return noMatch;
}

function decide(action: PodFailurePolicyAction, failJobMessage: string): PolicyMatch {
  switch (action) {
    case "Ignore":
      return { action, counts: false };
    case "FailJob":
      return { action, counts: true, message: failJobMessage };
    default:
      return { action, counts: true };
  }
}

/** The first terminated container, app containers before init containers, whose non-zero exit code the requirement matches. */
function matchOnExitCodes(pod: Pod, req: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  const lists = [pod.status?.containerStatuses ?? [], pod.status?.initContainerStatuses ?? []];
  for (const list of lists) {
    for (const status of list) {
      const terminated = status.state?.terminated;
      // Still running or stopping: there is no exit code to match yet.
      if (!terminated) continue;
      if (req.containerName !== undefined && req.containerName !== status.name) continue;
      if (terminated.exitCode !== 0 && exitCodeMatches(terminated.exitCode, req)) return status;
    }
  }
  return undefined;
}

function exitCodeMatches(exitCode: number, req: PodFailurePolicyOnExitCodesRequirement): boolean {
  if (req.operator === "In") return req.values.includes(exitCode);
  if (req.operator === "NotIn") return !req.values.includes(exitCode);
  return false;
}

function matchOnPodConditions(pod: Pod, patterns: readonly PodFailurePolicyOnPodConditionsPattern[]): PodCondition | undefined {
  for (const condition of pod.status?.conditions ?? []) {
    if (patterns.some((p) => p.type === condition.type && (p.status ?? "True") === condition.status)) return condition;
  }
  return undefined;
}
