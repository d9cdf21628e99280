// What the scheduler runs with: which plugins filter, which score and how much each
// score weighs. Data, not code, after KubeSchedulerConfiguration, so a deployment
// changes behaviour by configuration.
import type { ProfileConfig } from "./framework/registry.js";
import { leastAllocatedName } from "./plugins/least-allocated.js";
import { nodeReadyName } from "./plugins/node-ready.js";
import { nodeSelectorName } from "./plugins/node-selector.js";
import { nodeUnschedulableName } from "./plugins/node-unschedulable.js";
import { resourceFitName } from "./plugins/resource-fit.js";
import { spreadName } from "./plugins/spread.js";
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
  // Cheap and decisive checks first: the first failing filter names the reason.
  filters: [nodeReadyName, nodeUnschedulableName, taintTolerationName, nodeSelectorName, resourceFitName, volumeBindingName],
  // kube-scheduler's default weights: taint preferences outweigh balance.
  scores: [
    { name: taintTolerationName, weight: 3 },
    { name: leastAllocatedName, weight: 1 },
    { name: spreadName, weight: 1 },
  ],
  unschedulableRetryMs: 30_000,
};

/** The defaults with the given fields replaced. */
export function resolveConfig(config: Partial<SchedulerConfig> = {}): SchedulerConfig {
  return { ...defaultSchedulerConfig, ...config };
}
