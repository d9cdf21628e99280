// Deciding a preemption, after kube-scheduler's preemption.Evaluator and its
// DefaultPreemption plugin: for a pod that fits nowhere, on every node whose
// filters failed in a way removing pods can mend, take away all pods of lower
// priority, check that the pod then fits, and give back as many as possible,
// most important first (those whose eviction would break a PodDisruptionBudget
// before the others); of the nodes where that works, pick one as Kubernetes'
// pickOneNodeForPreemption does. Pure: acting on the decision (deleting the
// victims) is the plugin's.
import {
  labelSelectorOrUndefined,
  matchesLabels,
  type Pod,
  type PodDisruptionBudget,
} from "@bosun/api";
import { fitErrorMessage } from "./fit-error.js";
import { unschedulable, unschedulableAndUnresolvable, type FilterRunner, type Status } from "./interface.js";
import { newNodeInfo, type NodeInfo } from "./node-info.js";

/** Why a node is left out, in kube-scheduler's words. */
export const preemptionNotHelpful = "Preemption is not helpful for scheduling";
export const noPreemptionVictims = "No preemption victims found for incoming pod";
export const ineligibleNever = "not eligible due to preemptionPolicy=Never.";
export const ineligibleTerminating = "not eligible due to a terminating pod on the nominated node.";

/** The DisruptionTarget reason of a pod the scheduler deletes to make room. */
export const preemptionByScheduler = "PreemptionByScheduler";

export function podPriority(pod: Pod): number {
  return pod.spec.priority ?? 0;
}

/** When the pod started; one that has not started yet counts as starting now (Kubernetes' GetPodStartTime). */
function startTimeMs(pod: Pod, now: number): number {
  const started = pod.status?.startTime;
  const ms = started ? Date.parse(started) : NaN;
  return Number.isNaN(ms) ? now : ms;
}

/** Kubernetes' MoreImportantPod: the higher priority, then the one that has run longer. */
export function moreImportantPod(a: Pod, b: Pod, now: number): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return startTimeMs(a, now) < startTimeMs(b, now);
}

function byImportance(now: number): (a: Pod, b: Pod) => number {
  return (a, b) => (moreImportantPod(a, b, now) ? -1 : moreImportantPod(b, a, now) ? 1 : 0);
}

/** Being deleted because the scheduler preempted it. */
export function terminatingByPreemption(pod: Pod): boolean {
  if (!pod.metadata.deletionTimestamp) return false;
  const c = (pod.status?.conditions ?? []).find((cond) => cond.type === "DisruptionTarget");
  return c?.status === "True" && c.reason === preemptionByScheduler;
}

/**
 * Why the pod may not preempt (Kubernetes' PodEligibleToPreemptOthers), or
 * undefined: its policy is Never, or pods it preempted earlier on its nominated
 * node are still going away (preempting again would take more than needed).
 */
export function preemptionIneligibility(pod: Pod, nodes: readonly NodeInfo[], nodeStatuses: ReadonlyMap<string, Status>): string | undefined {
  if (pod.spec.preemptionPolicy === "Never") return ineligibleNever;
  const nominated = pod.status?.nominatedNodeName;
  if (!nominated) return undefined;
  // A nominated node that can no longer take the pod at all does not hold it back.
  if (nodeStatuses.get(nominated)?.code === "UnschedulableAndUnresolvable") return undefined;
  const info = nodes.find((n) => n.name === nominated);
  const priority = podPriority(pod);
  if (info?.pods.some((p) => podPriority(p) < priority && terminatingByPreemption(p))) return ineligibleTerminating;
  return undefined;
}

/**
 * Splits pods (keeping their order) into those whose eviction would break a
 * budget and the others, counting down each budget's disruptionsAllowed as
 * Kubernetes' filterPodsWithPDBViolation does. As there, a budget without a
 * selector or with an empty one covers nothing, and a pod the eviction API already
 * let go (in disruptedPods) does not count again.
 */
export function splitByBudgetViolation(pods: readonly Pod[], budgets: readonly PodDisruptionBudget[]): { violating: Pod[]; nonViolating: Pod[] } {
  const allowed = budgets.map((b) => b.status?.disruptionsAllowed ?? 0);
  const selectors = budgets.map((b) => {
    const spec = b.spec?.selector;
    const empty = spec === undefined || (Object.keys(spec.matchLabels ?? {}).length === 0 && (spec.matchExpressions ?? []).length === 0);
    return empty ? undefined : labelSelectorOrUndefined(spec);
  });
  const violating: Pod[] = [];
  const nonViolating: Pod[] = [];
  for (const pod of pods) {
    let violated = false;
    const labels = pod.metadata.labels ?? {};
    if (Object.keys(labels).length > 0) {
      budgets.forEach((budget, i) => {
        const selector = selectors[i];
        if (budget.metadata.namespace !== pod.metadata.namespace || selector === undefined || !matchesLabels(selector, labels)) return;
        if (budget.status?.disruptedPods?.[pod.metadata.name ?? ""] !== undefined) return;
        allowed[i]!--;
        if (allowed[i]! < 0) violated = true;
      });
    }
    (violated ? violating : nonViolating).push(pod);
  }
  return { violating, nonViolating };
}

export interface Candidate {
  node: string;
  /** Most important first. */
  victims: Pod[];
  numPDBViolations: number;
}

/**
 * The fewest pods of lower priority to remove from `node` for the pod to pass the
 * filters there (Kubernetes' SelectVictimsOnNode), or the status that says why no
 * removal helps.
 */
export function selectVictimsOnNode(
  pod: Pod,
  node: NodeInfo,
  nodes: readonly NodeInfo[],
  filter: FilterRunner,
  budgets: readonly PodDisruptionBudget[],
  now: number,
): { victims: Pod[]; numPDBViolations: number } | { status: Status } {
  const priority = podPriority(pod);
  const potential = node.pods.filter((p) => podPriority(p) < priority);
  if (potential.length === 0) return { status: unschedulableAndUnresolvable(noPreemptionVictims) };
  const potentialSet = new Set(potential);
  let kept = node.pods.filter((p) => !potentialSet.has(p));
  const fitsWith = (pods: readonly Pod[]): Status => filter(pod, newNodeInfo(node.node, pods), nodes);
  const withoutAll = fitsWith(kept);
  if (withoutAll.code !== "Success") return { status: withoutAll };
  const order = byImportance(now);
  const { violating, nonViolating } = splitByBudgetViolation([...potential].sort(order), budgets);
  const victims: Pod[] = [];
  const reprieve = (p: Pod): boolean => {
    const withIt = [...kept, p];
    if (fitsWith(withIt).code === "Success") {
      kept = withIt;
      return true;
    }
    victims.push(p);
    return false;
  };
  let numPDBViolations = 0;
  for (const p of violating) if (!reprieve(p)) numPDBViolations++;
  for (const p of nonViolating) reprieve(p);
  if (violating.length > 0 && nonViolating.length > 0) victims.sort(order);
  return { victims, numPDBViolations };
}

/**
 * A dry run on every node whose filters said Unschedulable (not
 * UnschedulableAndUnresolvable: no removal of pods mends those). Kubernetes looks
 * at a sample of at least 100 nodes (10%) from a random offset; Bosun's clusters
 * are small enough to look at all.
 */
export function findCandidates(
  pod: Pod,
  nodes: readonly NodeInfo[],
  nodeStatuses: ReadonlyMap<string, Status>,
  filter: FilterRunner,
  budgets: readonly PodDisruptionBudget[],
  now: number,
): { candidates: Candidate[]; statuses: Map<string, Status> } {
  const candidates: Candidate[] = [];
  const statuses = new Map<string, Status>();
  for (const node of nodes) {
    if (nodeStatuses.get(node.name)?.code !== "Unschedulable") {
      statuses.set(node.name, unschedulableAndUnresolvable(preemptionNotHelpful));
      continue;
    }
    const selection = selectVictimsOnNode(pod, node, nodes, filter, budgets, now);
    if ("status" in selection) statuses.set(node.name, selection.status);
    else if (selection.victims.length === 0) statuses.set(node.name, unschedulable(`expected at least one victim pod on node "${node.name}"`));
    else candidates.push({ node: node.name, ...selection });
  }
  return { candidates, statuses };
}

/** The earliest start among the highest-priority victims (Kubernetes' GetEarliestPodStartTime). */
function earliestStartOfHighest(victims: readonly Pod[], now: number): number {
  let highest = -Infinity;
  let earliest = now;
  for (const p of victims) {
    const priority = podPriority(p);
    const start = startTimeMs(p, now);
    if (priority > highest) {
      highest = priority;
      earliest = start;
    } else if (priority === highest && start < earliest) {
      earliest = start;
    }
  }
  return earliest;
}

/**
 * Kubernetes' pickOneNodeForPreemption: fewest budget violations, then the lowest
 * highest-priority victim, the smallest sum of priorities, the fewest victims, the
 * latest start of the highest-priority victims; then the first.
 */
export function pickOneNodeForPreemption(candidates: readonly Candidate[], now: number): Candidate | undefined {
  const scores: ((c: Candidate) => number)[] = [
    (c) => -c.numPDBViolations,
    (c) => -podPriority(c.victims[0]!),
    // Each priority shifted by 2^31 so that negative priorities do not make more victims look cheaper.
    (c) => -c.victims.reduce((sum, p) => sum + podPriority(p) + 2 ** 31, 0),
    (c) => -c.victims.length,
    (c) => earliestStartOfHighest(c.victims, now),
  ];
  let remaining = candidates.filter((c) => c.victims.length > 0);
  for (const score of scores) {
    if (remaining.length <= 1) break;
    const best = Math.max(...remaining.map(score));
    remaining = remaining.filter((c) => score(c) === best);
  }
  return remaining[0];
}

export type PreemptionDecision =
  | { candidate: Candidate }
  /** No preemption: why, and whether an earlier nomination no longer holds. */
  | { message: string; clearNomination: boolean };

/** The whole decision (Kubernetes' Evaluator.Preempt, without the acting). */
export function decidePreemption(
  pod: Pod,
  nodes: readonly NodeInfo[],
  nodeStatuses: ReadonlyMap<string, Status>,
  filter: FilterRunner,
  budgets: readonly PodDisruptionBudget[],
  now: number,
): PreemptionDecision {
  const ineligible = preemptionIneligibility(pod, nodes, nodeStatuses);
  if (ineligible !== undefined) return { message: ineligible, clearNomination: false };
  const { candidates, statuses } = findCandidates(pod, nodes, nodeStatuses, filter, budgets, now);
  const best = pickOneNodeForPreemption(candidates, now);
  if (best === undefined) return { message: fitErrorMessage(nodes.length, statuses.values()), clearNomination: true };
  return { candidate: best };
}
