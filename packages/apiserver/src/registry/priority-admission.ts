// Kubernetes' Priority admission (plugin/pkg/admission/priority) and the
// PriorityClass registry's delete rule. A new pod gets the value (and preemption
// policy) of the class it names, or of the global default class, or 0 and
// PreemptLowerPriority; naming a missing class, or setting a priority or policy
// the class disagrees with, is a 403. At most one class is the global default.
// The system classes cannot be deleted. An update of a pod keeps the priority
// it was admitted with, whatever the update says.
import {
  defaultPriorityWhenNoDefaultClassExists,
  isPlainObject,
  isSystemPriorityClassName,
  preemptLowerPriority,
  statusError,
  type KubeObject,
  type PreemptionPolicy,
  type PriorityClass,
} from "@bosun/api";
import { StatusError } from "../errors.js";

/** How admission reads PriorityClasses (Kubernetes reads them through a lister). */
export interface PriorityClassLister {
  /** The class, or undefined when it does not exist. */
  get(name: string): Promise<PriorityClass | undefined>;
  list(): Promise<PriorityClass[]>;
}

const priorityClassesResource = "priorityclasses.scheduling.k8s.io";

function forbidden(resource: string, name: string, reason: string): StatusError {
  return new StatusError(statusError(403, "Forbidden", `${resource} "${name}" is forbidden: ${reason}`, { name, kind: resource.split(".")[0] ?? resource }));
}

/** The global default class; with several, the lowest value, as Kubernetes' getDefaultPriorityClass. */
export function defaultPriorityClass(classes: readonly PriorityClass[]): PriorityClass | undefined {
  let found: PriorityClass | undefined;
  for (const pc of classes) if (pc.globalDefault === true && (found === undefined || pc.value < found.value)) found = pc;
  return found;
}

interface PodPriorityFields {
  priorityClassName?: unknown;
  priority?: unknown;
  preemptionPolicy?: unknown;
}

/**
 * Resolves the new pod's priority: a 403 StatusError when its class is missing or
 * it says otherwise than its class. Answers what admission does to the pod, done in
 * place when the registry says. A body of the wrong shape is left for validation.
 */
export async function admitPodPriority(sent: KubeObject, classes: PriorityClassLister): Promise<(pod: KubeObject) => void> {
  const spec = (sent as { spec?: unknown }).spec;
  if (!isPlainObject(spec)) return () => undefined;
  const fields = spec as PodPriorityFields;
  const podName = sent.metadata.name ?? "";
  let className: string | undefined;
  let priority: number;
  let policy: PreemptionPolicy | undefined;
  if (typeof fields.priorityClassName === "string" && fields.priorityClassName !== "") {
    const pc = await classes.get(fields.priorityClassName);
    if (pc === undefined) throw forbidden("pods", podName, `no PriorityClass with name ${fields.priorityClassName} was found`);
    priority = pc.value;
    policy = pc.preemptionPolicy;
  } else {
    const pc = defaultPriorityClass(await classes.list());
    className = pc?.metadata.name;
    priority = pc?.value ?? defaultPriorityWhenNoDefaultClassExists;
    policy = pc === undefined ? preemptLowerPriority : pc.preemptionPolicy;
  }
  if (typeof fields.priority === "number" && fields.priority !== priority) {
    throw forbidden(
      "pods",
      podName,
      `the integer value of priority (${fields.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`,
    );
  }
  if (policy !== undefined && typeof fields.preemptionPolicy === "string" && fields.preemptionPolicy !== policy) {
    throw forbidden(
      "pods",
      podName,
      `the string value of PreemptionPolicy (${fields.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
    );
  }
  return (pod) => {
    const target = (pod as { spec?: unknown }).spec;
    if (!isPlainObject(target)) return;
    const t = target as PodPriorityFields;
    if (className !== undefined) t.priorityClassName = className;
    t.priority = priority;
    if (policy !== undefined) t.preemptionPolicy = policy;
  };
}

/** On update a pod that leaves out its priority or policy keeps the ones it was admitted with. */
export function keepPodPriority(object: KubeObject, old: KubeObject): void {
  const spec = (object as { spec?: unknown }).spec;
  const before = (old as { spec?: unknown }).spec;
  if (!isPlainObject(spec) || !isPlainObject(before)) return;
  // Filled in where the update leaves them out (an update is not admitted again);
  // a different value is the pod update validation's to refuse, as on Kubernetes.
  for (const field of ["priority", "preemptionPolicy"] as const) {
    if (spec[field] === undefined && before[field] !== undefined) spec[field] = before[field];
  }
}

/** A class may become the global default only while no other class is. */
export async function admitPriorityClass(pc: KubeObject, classes: PriorityClassLister): Promise<void> {
  if ((pc as { globalDefault?: unknown }).globalDefault !== true) return;
  const name = pc.metadata.name ?? "";
  const existing = defaultPriorityClass(await classes.list());
  if (existing !== undefined && existing.metadata.name !== name) {
    throw forbidden(priorityClassesResource, name, `PriorityClass ${existing.metadata.name ?? ""} is already marked as default. Only one default can exist`);
  }
}

/** The system classes cannot be deleted, as Kubernetes' PriorityClass REST Delete refuses. */
export function refuseSystemPriorityClassDelete(name: string): void {
  if (isSystemPriorityClassName(name)) throw forbidden(priorityClassesResource, name, "this is a system priority class and cannot be deleted");
}
