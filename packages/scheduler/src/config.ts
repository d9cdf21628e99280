// What the scheduler runs with: which plugins filter, which score and how much each
// score weighs. Data, not code, after KubeSchedulerConfiguration, so a deployment
// changes behaviour by configuration.
import type { ProfileConfig } from "./framework/registry.js";
import { defaultPreemptionName } from "./plugins/default-preemption.js";
import { interPodAffinityName } from "./plugins/inter-pod-affinity.js";
import { leastAllocatedName } from "./plugins/least-allocated.js";
import { nodeAffinityName } from "./plugins/node-affinity.js";
import { nodeReadyName } from "./plugins/node-ready.js";
import { nodeUnschedulableName } from "./plugins/node-unschedulable.js";
import { podTopologySpreadName } from "./plugins/pod-topology-spread.js";
import { resourceFitName } from "./plugins/resource-fit.js";
import { schedulingGatesName } from "./plugins/scheduling-gates.js";
import { taintTolerationName } from "./plugins/taint-toleration.js";
import { volumeBindingName } from "./plugins/volume-binding.js";

export interface SchedulerConfig extends ProfileConfig {
  /** Pods whose spec.schedulerName is this (or empty) are ours. */
  schedulerName: string;
  /**
   * How often pods parked as unschedulable are retried even when no node or pod
   * event suggested they might fit now: a safety net for missed events.
   */
  unschedulableRetryMs: number;
}

export const defaultSchedulerName = "default-scheduler";

export const defaultSchedulerConfig: SchedulerConfig = {
  schedulerName: defaultSchedulerName,
  preEnqueue: [schedulingGatesName],
  // kube-scheduler's order: cheap and decisive checks first, the first failing filter names the reason.
  filters: [
    nodeReadyName,
    nodeUnschedulableName,
    taintTolerationName,
    nodeAffinityName,
    resourceFitName,
    volumeBindingName,
    podTopologySpreadName,
    interPodAffinityName,
  ],
  // What runs when a pod fits nowhere: kube-scheduler's only default PostFilter.
  postFilter: [defaultPreemptionName],
  // kube-scheduler's default weights (its NodeResourcesFit scores as LeastAllocated). Its
  // PodTopologySpread, with the system default constraints, is the default spreading.
  scores: [
    { name: taintTolerationName, weight: 3 },
    { name: nodeAffinityName, weight: 2 },
    { name: leastAllocatedName, weight: 1 },
    { name: podTopologySpreadName, weight: 2 },
    { name: interPodAffinityName, weight: 2 },
  ],
  unschedulableRetryMs: 30_000,
};

/** The defaults with the given fields replaced. */
export function resolveConfig(config: Partial<SchedulerConfig> = {}): SchedulerConfig {
  return { ...defaultSchedulerConfig, ...config };
}
