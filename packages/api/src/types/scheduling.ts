// scheduling.k8s.io/v1 PriorityClass, with k8s.io/api/scheduling/v1 field names:
// a name that pods give in spec.priorityClassName, and the integer priority (and
// preemption policy) the Priority admission writes into them from it.
import { Type, type Static } from "@sinclair/typebox";
import { Int32 } from "./integers.js";
import { kindSchema } from "./meta.js";

/** PreemptLowerPriority: a pod may evict lower-priority pods to fit; Never: it waits. */
export const PreemptionPolicy = Type.Union([Type.Literal("PreemptLowerPriority"), Type.Literal("Never")]);
export type PreemptionPolicy = Static<typeof PreemptionPolicy>;
export const preemptionPolicies: readonly PreemptionPolicy[] = ["Never", "PreemptLowerPriority"];
export const preemptLowerPriority: PreemptionPolicy = "PreemptLowerPriority";

export const PriorityClass = kindSchema("scheduling.k8s.io/v1", "PriorityClass", {
  value: Int32(),
  globalDefault: Type.Optional(Type.Boolean()),
  description: Type.Optional(Type.String()),
  preemptionPolicy: Type.Optional(PreemptionPolicy),
});
export type PriorityClass = Static<typeof PriorityClass>;

/** The highest value a PriorityClass not reserved for the system may have (Kubernetes' HighestUserDefinablePriority). */
export const highestUserDefinablePriority = 1_000_000_000;
/** The floor of the system classes' values (Kubernetes' SystemCriticalPriority). */
export const systemCriticalPriority = 2 * highestUserDefinablePriority;
/** Names with this prefix are reserved for the classes the system makes. */
export const systemPriorityClassPrefix = "system-";
/** A pod's priority when it names no class and no class is the global default. */
export const defaultPriorityWhenNoDefaultClassExists = 0;

export const systemClusterCritical = "system-cluster-critical";
export const systemNodeCritical = "system-node-critical";

/** The classes every cluster has, exactly as Kubernetes' SystemPriorityClasses(). */
export const systemPriorityClasses: readonly PriorityClass[] = [
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: systemNodeCritical },
    value: systemCriticalPriority + 1000,
    description: "Used for system critical pods that must not be moved from their current node.",
  },
  {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: systemClusterCritical },
    value: systemCriticalPriority,
    description: "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
  },
];

/** Kubernetes' IsKnownSystemPriorityClass: undefined when it is one, else why not. */
export function systemPriorityClassMismatch(name: string, value: number, globalDefault: boolean): string | undefined {
  const known = systemPriorityClasses.find((c) => c.metadata.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${known.value}`;
  if ((known.globalDefault ?? false) !== globalDefault) return `globalDefault of ${name} PriorityClass must be ${known.globalDefault ?? false}`;
  return undefined;
}

export function isSystemPriorityClassName(name: string): boolean {
  return systemPriorityClasses.some((c) => c.metadata.name === name);
}
