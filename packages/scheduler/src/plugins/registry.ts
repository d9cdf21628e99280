// The plugins built into Bosun, by the names configuration uses.
import type { Registry } from "../framework/registry.js";
import { DefaultPreemption, defaultPreemptionName } from "./default-preemption.js";
import { InterPodAffinity, interPodAffinityName } from "./inter-pod-affinity.js";
import { LeastAllocated, leastAllocatedName } from "./least-allocated.js";
import { NodeAffinity, nodeAffinityName } from "./node-affinity.js";
import { NodeReady, nodeReadyName } from "./node-ready.js";
import { NodeUnschedulable, nodeUnschedulableName } from "./node-unschedulable.js";
import { PodTopologySpread, podTopologySpreadName } from "./pod-topology-spread.js";
import { ResourceFit, resourceFitName } from "./resource-fit.js";
import { SchedulingGates, schedulingGatesName } from "./scheduling-gates.js";
import { TaintToleration, taintTolerationName } from "./taint-toleration.js";
import { VolumeBinding, volumeBindingName } from "./volume-binding.js";

export const inTreeRegistry: Registry = {
  [schedulingGatesName]: () => new SchedulingGates(),
  [nodeReadyName]: () => new NodeReady(),
  [nodeUnschedulableName]: () => new NodeUnschedulable(),
  [taintTolerationName]: () => new TaintToleration(),
  [nodeAffinityName]: () => new NodeAffinity(),
  [resourceFitName]: () => new ResourceFit(),
  [volumeBindingName]: (handle) => new VolumeBinding(handle),
  [podTopologySpreadName]: (handle) => new PodTopologySpread(handle),
  [interPodAffinityName]: (handle) => new InterPodAffinity(handle),
  [leastAllocatedName]: () => new LeastAllocated(),
  [defaultPreemptionName]: (handle) => new DefaultPreemption(handle),
};
