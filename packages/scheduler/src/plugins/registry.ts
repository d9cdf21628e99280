// The plugins built into Bosun, by the names configuration uses.
import type { Registry } from "../framework/registry.js";
import { LeastAllocated, leastAllocatedName } from "./least-allocated.js";
import { NodeReady, nodeReadyName } from "./node-ready.js";
import { NodeSelector, nodeSelectorName } from "./node-selector.js";
import { NodeUnschedulable, nodeUnschedulableName } from "./node-unschedulable.js";
import { ResourceFit, resourceFitName } from "./resource-fit.js";
import { Spread, spreadName } from "./spread.js";
import { TaintToleration, taintTolerationName } from "./taint-toleration.js";
import { VolumeBinding, volumeBindingName } from "./volume-binding.js";

export const inTreeRegistry: Registry = {
  [nodeReadyName]: () => new NodeReady(),
  [nodeUnschedulableName]: () => new NodeUnschedulable(),
  [taintTolerationName]: () => new TaintToleration(),
  [nodeSelectorName]: () => new NodeSelector(),
  [resourceFitName]: () => new ResourceFit(),
  [leastAllocatedName]: () => new LeastAllocated(),
  [spreadName]: () => new Spread(),
  [volumeBindingName]: (handle) => new VolumeBinding(handle),
};
