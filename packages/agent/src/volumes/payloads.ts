// The files of configMap, secret and downwardAPI volumes (and of the same sources of
// a projected volume) as the kubelet makes them (MakePayload of its configmap and
// secret plugins, downwardapi.CollectData): every key, or the listed items at their
// paths, each with its mode or the volume's default. A listed key that is missing
// fails the volume unless it is optional. Pure functions: reading the objects is the
// callers' job.
import { posix } from "node:path";
import { containerResourceValue, metadataFieldValue, type ConfigMap, type DownwardAPIVolumeFile, type KeyToPath, type Pod, type ResourceList, type Secret } from "@bosun/api";
import type { FileProjection, Payload } from "./atomic-writer.js";
import { aggregateError } from "../aggregate-error.js";

/** The key's bytes, by key. */
type KeyedData = ReadonlyMap<string, Uint8Array>;

function fromKeys(data: KeyedData, items: readonly KeyToPath[] | undefined, defaultMode: number, optional: boolean, missing: (key: string) => string): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>();
  if (!items || items.length === 0) {
    for (const [key, bytes] of data) out.set(key, { data: bytes, mode: defaultMode });
    return out;
  }
  for (const item of items) {
    const bytes = data.get(item.key);
    if (bytes === undefined) {
      if (optional) continue;
      throw new Error(missing(item.key));
    }
    out.set(item.path, { data: bytes, mode: item.mode ?? defaultMode });
  }
  return out;
}

/** A ConfigMap's data (text) and binaryData (base64) by key; undefined (a missing optional ConfigMap) has none. */
function configMapData(cm: ConfigMap | undefined): KeyedData {
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(cm?.data ?? {})) out.set(k, Buffer.from(v, "utf8"));
  for (const [k, v] of Object.entries(cm?.binaryData ?? {})) out.set(k, Buffer.from(v, "base64"));
  return out;
}

function secretData(secret: Secret | undefined): KeyedData {
  return new Map(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64")]));
}

export function configMapPayload(cm: ConfigMap | undefined, items: readonly KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  return fromKeys(configMapData(cm), items, defaultMode, optional, (key) => `configmap references non-existent config key: ${key}`);
}

export function secretPayload(secret: Secret | undefined, items: readonly KeyToPath[] | undefined, defaultMode: number, optional: boolean): Payload {
  return fromKeys(secretData(secret), items, defaultMode, optional, (key) => `references non-existent secret key: ${key}`);
}

/** The pod's fields and its containers' resources as files; throws with every item that could not be read. */
export function downwardApiPayload(pod: Pod, items: readonly DownwardAPIVolumeFile[] | undefined, defaultMode: number, nodeAllocatable: ResourceList): Payload {
  const out = new Map<string, FileProjection>();
  const problems: string[] = [];
  for (const item of items ?? []) {
    let value = "";
    try {
      value = downwardApiValue(pod, item, nodeAllocatable);
    } catch (err) {
      problems.push((err as Error).message);
    }
    out.set(posix.normalize(item.path), { data: Buffer.from(value, "utf8"), mode: item.mode ?? defaultMode });
  }
  if (problems.length > 0) throw aggregateError(problems);
  return out;
}

function downwardApiValue(pod: Pod, item: DownwardAPIVolumeFile, nodeAllocatable: ResourceList): string {
  if (item.fieldRef) {
    const value = metadataFieldValue(pod.metadata, item.fieldRef.fieldPath);
    if (value === undefined) throw new Error(`unsupported fieldPath: ${item.fieldRef.fieldPath}`);
    return value;
  }
  if (item.resourceFieldRef) {
    const containers = pod.spec.containers;
    return containerResourceValue(item.resourceFieldRef, containers, containers[0]!, nodeAllocatable);
  }
  return "";
}

/** Several payloads in one; where two write one path the later wins, as in the kubelet's projected volumes. */
export function mergePayloads(parts: readonly Payload[]): Payload {
  const out = new Map<string, FileProjection>();
  for (const part of parts) for (const [path, file] of part) out.set(path, file);
  return out;
}
