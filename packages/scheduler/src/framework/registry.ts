// Plugins are found by name, as in kube-scheduler's registry: configuration lists
// names and weights, the registry turns them into instances. Adding a plugin is one
// file and one registry line; enabling it is configuration. A filter plugin that also
// checks the pod alone (PreFilter) or works before binding (PreBind) runs at those
// points too, as kube-scheduler's multiPoint enables every point a plugin has.
import type { Handle } from "./handle.js";
import type { Plugin } from "./interface.js";
import { isFilterPlugin, isPostFilterPlugin, isPreBindPlugin, isPreEnqueuePlugin, isPreFilterPlugin, isScorePlugin } from "./interface.js";
import type { Profile } from "./schedule-one.js";

export type PluginFactory = (handle: Handle) => Plugin;
export type Registry = Readonly<Record<string, PluginFactory>>;

export interface ProfileConfig {
  /**
   * Plugins that decide whether a pod is tried at all (scheduling gates), in order;
   * none when left out.
   */
  preEnqueue?: readonly string[];
  /** Plugins that run when a pod fits nowhere (preemption), in order; none when left out. */
  postFilter?: readonly string[];
  /** Filter plugin names, in the order they run. */
  filters: readonly string[];
  /** Score plugin names with the weight of each in the total. */
  scores: readonly { name: string; weight: number }[];
}

/** Instantiates each named plugin once, even when it both filters and scores. */
export function buildProfile(config: ProfileConfig, registry: Registry, handle: Handle): Profile {
  const instances = new Map<string, Plugin>();
  const instance = (name: string): Plugin => {
    let p = instances.get(name);
    if (!p) {
      const factory = registry[name];
      if (!factory) {
        throw new Error(
          `scheduler configuration names plugin "${name}", which does not exist; known plugins: ${Object.keys(registry).sort().join(", ")}`,
        );
      }
      p = factory(handle);
      instances.set(name, p);
    }
    return p;
  };
  const filterPlugins: Plugin[] = config.filters.map((name) => instance(name));
  const filters = filterPlugins.map((p) => {
    if (!isFilterPlugin(p)) throw new Error(`plugin "${p.name}" is configured as a filter but does not filter; remove it from filters`);
    return p;
  });
  const scores = config.scores.map(({ name, weight }) => {
    const p = instance(name);
    if (!isScorePlugin(p)) throw new Error(`plugin "${name}" is configured as a score plugin but does not score; remove it from scores`);
    if (!(Number.isInteger(weight) && weight > 0)) {
      throw new Error(`score plugin "${name}" has weight ${weight}; weights are positive integers`);
    }
    return { plugin: p, weight };
  });
  const preEnqueues = (config.preEnqueue ?? []).map((name) => {
    const p = instance(name);
    if (!isPreEnqueuePlugin(p)) throw new Error(`plugin "${name}" is configured for preEnqueue but has no such check; remove it from preEnqueue`);
    return p;
  });
  const postFilters = (config.postFilter ?? []).map((name) => {
    const p = instance(name);
    if (!isPostFilterPlugin(p)) throw new Error(`plugin "${name}" is configured for postFilter but has no such step; remove it from postFilter`);
    return p;
  });
  return {
    preEnqueues,
    preFilters: filterPlugins.filter(isPreFilterPlugin),
    filters,
    postFilters,
    scores,
    preBinds: filterPlugins.filter(isPreBindPlugin),
  };
}
