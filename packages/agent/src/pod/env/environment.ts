// A container's environment as the kubelet makes it (makeEnvironmentVariables in
// pkg/kubelet/kubelet_pods.go): envFrom first, each ConfigMap's or Secret's keys
// under the prefix; then env in order, each value either expanded against what is
// defined so far or read from its source, a later definition replacing an earlier
// one; then the Services' variables (service-links.ts) the container does not
// define itself, which $(VAR) references also see. A missing ConfigMap, Secret or
// key that is not optional is an error, which keeps the container waiting with
// CreateContainerConfigError; an optional one is skipped. Command and args are
// expanded against the result.
import { containerResourceValue, isEnvVarName, type ConfigMap, type Container, type EnvFromSource, type EnvVar, type Pod, type ResourceList, type Secret } from "@bosun/api";
import { expand, lookupIn } from "./expansion.js";
import { podFieldValue, type PodRuntimeAddresses } from "./field-ref.js";
import { serviceLinkVariables, type ServiceLister } from "./service-links.js";
import type { EnvObjectSource } from "./source.js";

export interface EnvironmentInput extends PodRuntimeAddresses {
  pod: Pod;
  container: Container;
  /** The node's allocatable resources: limits a container does not set, for resourceFieldRef. */
  nodeAllocatable: ResourceList;
  /** Undefined when the agent has no API client: then no ConfigMap or Secret can be read. */
  objects: EnvObjectSource | undefined;
  /** The cluster's Services, for their variables; undefined when the agent has no API client: then there are none. */
  services?: ServiceLister | undefined;
}

/** A pod event worth telling, such as keys skipped from an envFrom source. */
export interface EnvironmentWarning {
  reason: string;
  message: string;
}

export interface ContainerEnvironment {
  /** NAME=value, in the order the variables were first defined. */
  env: string[];
  /** The container's command and args with $(VAR) expanded; undefined where the spec sets none. */
  command?: string[];
  args?: string[];
  warnings: EnvironmentWarning[];
}

type ObjectKind = "configMap" | "secret";

/** A Secret's values are base64; a ConfigMap's data is text already. */
function dataOf(kind: ObjectKind, obj: ConfigMap | Secret): Map<string, string> {
  const data = obj.data ?? {};
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(data)) out.set(k, kind === "secret" ? Buffer.from(v, "base64").toString("utf8") : v);
  return out;
}

/** The ConfigMaps and Secrets one container names, each read once. */
class ObjectCache {
  private readonly read = new Map<string, Map<string, string> | undefined>();

  constructor(
    private readonly objects: EnvObjectSource | undefined,
    private readonly namespace: string,
  ) {}

  /** The object's data; undefined when it does not exist. */
  async data(kind: ObjectKind, name: string): Promise<Map<string, string> | undefined> {
    const key = `${kind}/${name}`;
    if (this.read.has(key)) return this.read.get(key);
    if (!this.objects) {
      throw new Error(`couldn't get ${kind} ${this.namespace}/${name}, no kubeClient defined`);
    }
    const obj = kind === "configMap" ? await this.objects.configMap(this.namespace, name) : await this.objects.secret(this.namespace, name);
    const data = obj ? dataOf(kind, obj) : undefined;
    this.read.set(key, data);
    return data;
  }

  /** The object's data, or an Error worded as the kubelet's when a required one is missing; undefined for a missing optional one. */
  async required(kind: ObjectKind, name: string, optional: boolean | undefined): Promise<Map<string, string> | undefined> {
    const data = await this.data(kind, name);
    if (data === undefined && !optional) throw new Error(`${kind === "configMap" ? "configmap" : "secret"} "${name}" not found`);
    return data;
  }
}

async function addEnvFrom(from: EnvFromSource, cache: ObjectCache, namespace: string, env: Map<string, string>, warnings: EnvironmentWarning[]): Promise<void> {
  const [kind, ref] = from.configMapRef ? (["configMap", from.configMapRef] as const) : (["secret", from.secretRef] as const);
  if (ref === undefined) return;
  const name = ref.name ?? "";
  const data = await cache.required(kind, name, ref.optional);
  if (data === undefined) return;
  const invalid: string[] = [];
  for (const [key, value] of data) {
    const varName = `${from.prefix ?? ""}${key}`;
    if (isEnvVarName(varName).length > 0) invalid.push(varName);
    else env.set(varName, value);
  }
  if (invalid.length > 0) {
    warnings.push({
      reason: "InvalidEnvironmentVariableNames",
      message: `Keys [${invalid.sort().join(", ")}] from the EnvFrom ${kind} ${namespace}/${name} were skipped since they are considered invalid environment variable names.`,
    });
  }
}

/** One variable's value from its source; undefined when an optional source is missing (the variable is then left out). */
async function sourcedValue(ev: EnvVar, input: EnvironmentInput, cache: ObjectCache): Promise<string | undefined> {
  const from = ev.valueFrom;
  if (from === undefined) return "";
  if (from.fieldRef) return podFieldValue(from.fieldRef, input.pod, input);
  if (from.resourceFieldRef) return containerResourceValue(from.resourceFieldRef, input.pod.spec.containers, input.container, input.nodeAllocatable);
  const [kind, ref] = from.configMapKeyRef ? (["configMap", from.configMapKeyRef] as const) : (["secret", from.secretKeyRef] as const);
  if (ref === undefined) return "";
  const name = ref.name ?? "";
  const data = await cache.required(kind, name, ref.optional);
  if (data === undefined) return undefined;
  const value = data.get(ref.key);
  if (value === undefined && !ref.optional) {
    throw new Error(`couldn't find key ${ref.key} in ${kind === "configMap" ? "ConfigMap" : "Secret"} ${input.pod.metadata.namespace ?? ""}/${name}`);
  }
  return value;
}

/** Throws an Error whose message says what is missing; the caller reports it as CreateContainerConfigError. */
export async function makeEnvironment(input: EnvironmentInput): Promise<ContainerEnvironment> {
  const { pod, container } = input;
  const namespace = pod.metadata.namespace ?? "";
  const serviceEnv = serviceLinkVariables(namespace, pod.spec.enableServiceLinks ?? true, input.services);
  const cache = new ObjectCache(input.objects, namespace);
  const env = new Map<string, string>();
  const warnings: EnvironmentWarning[] = [];
  for (const from of container.envFrom ?? []) await addEnvFrom(from, cache, namespace, env, warnings);
  const defined = lookupIn(env, serviceEnv);
  for (const ev of container.env ?? []) {
    const literal = ev.value ?? "";
    const value = literal !== "" ? expand(literal, defined) : await sourcedValue(ev, input, cache);
    if (value !== undefined) env.set(ev.name, value);
  }
  // The Services' variables come after the container's own, which win.
  for (const [name, value] of serviceEnv) if (!env.has(name)) env.set(name, value);
  const all = lookupIn(env);
  return {
    env: [...env].map(([name, value]) => `${name}=${value}`),
    ...(container.command ? { command: container.command.map((c) => expand(c, all)) } : {}),
    ...(container.args ? { args: container.args.map((a) => expand(a, all)) } : {}),
    warnings,
  };
}
