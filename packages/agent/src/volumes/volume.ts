// What the set-up of each kind of volume (one module per source) is given and
// answers: the pod and the node's means, and the directory of the node that
// containers bind. A set-up is idempotent (the pod worker runs it at every sync)
// and throws an Error worded as the kubelet's when the volume cannot be had.
import { mkdir } from "node:fs/promises";
import type { ConfigMap, Pod, ResourceList, Secret } from "@bosun/api";
import type { HostMounts } from "./host-mounts.js";
import type { PodVolumeDirs } from "./paths.js";
import type { ServiceAccountTokenManager } from "./service-account-tokens.js";
import type { VolumeObjectSource } from "./source.js";

export interface VolumeSetUpContext {
  pod: Pod;
  dirs: PodVolumeDirs;
  mounts: HostMounts;
  /** Undefined when the agent knows no API server: then no ConfigMap, Secret or claim can be read. */
  objects: VolumeObjectSource | undefined;
  /** The node's allocatable resources: the memory a tmpfs may use at most. */
  nodeAllocatable: ResourceList;
  /** The service-account tokens of projected volumes; undefined, as objects, without an API server. */
  tokens: ServiceAccountTokenManager | undefined;
}

/** A volume as containers mount it. */
export interface MountableVolume {
  /** The node's directory (or file) bound into the containers. */
  hostPath: string;
  /** Mounted read-only whatever the mount says (the files the agent writes; a claim mounted readOnly). */
  readOnly: boolean;
  /** Its contents come from the API and are written again when they change (not through subPath mounts). */
  refreshable: boolean;
}

export function podUid(pod: Pod): string {
  return pod.metadata.uid ?? "";
}

/** The objects of the cluster, or the kubelet's error when the agent has no API client. */
export function objectsOf(ctx: VolumeSetUpContext, what: string): VolumeObjectSource {
  if (!ctx.objects) throw new Error(`couldn't get ${what}, no kubeClient defined`);
  return ctx.objects;
}

/** What a configMap or secret source reads, by kind. */
interface SourceObjects {
  configMap: ConfigMap;
  secret: Secret;
}

/**
 * The ConfigMap or Secret `name` of the pod's namespace; undefined when it is
 * missing and `optional` (the volume is then empty); throws the kubelet's error
 * (`configmap "x" not found`) when it is missing and required.
 */
export async function readSourceObject<K extends keyof SourceObjects>(ctx: VolumeSetUpContext, kind: K, name: string, optional: boolean | undefined): Promise<SourceObjects[K] | undefined> {
  const namespace = ctx.pod.metadata.namespace ?? "";
  const word = kind === "configMap" ? "configmap" : "secret";
  const objects = objectsOf(ctx, `${word} ${namespace}/${name}`);
  const found = (kind === "configMap" ? await objects.configMap(namespace, name) : await objects.secret(namespace, name)) as SourceObjects[K] | undefined;
  if (found === undefined && !optional) throw new Error(`${word} "${name}" not found`);
  return found;
}

/** Makes a directory (and those above it) with `mode`, which mkdir's umask would narrow. */
/** Makes `dir` and its parents; true when `dir` did not exist before. */
export async function makeDir(dir: string, mode: number): Promise<boolean> {
  return (await mkdir(dir, { recursive: true, mode })) !== undefined;
}
