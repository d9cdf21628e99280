// Server-owned metadata: what the apiserver sets on create and keeps on update,
// whatever the client sent.
import { randomUUID } from "node:crypto";
import { rfc3339, semanticEqual, type KubeObject, type ResourceInfo } from "@bosun/api";

// Kinds whose metadata.generation Kubernetes leaves alone: their strategies never
// set it. (Pods have one since Kubernetes 1.33, the version Bosun reports.)
const withoutGeneration = new Set([
  "Node",
  "Namespace",
  "Event",
  "Secret",
  "ConfigMap",
  "ServiceAccount",
  "Service",
  "Endpoints",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "StorageClass",
  "PriorityClass",
  "ControllerRevision",
]);

function tracksGeneration(info: ResourceInfo): boolean {
  return !withoutGeneration.has(info.kind);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The part of an object that counts as its spec for metadata.generation. */
function specOf(object: KubeObject): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object as KubeObject & { status?: unknown };
  return rest;
}

export function initCreateMeta(info: ResourceInfo, object: KubeObject): void {
  const meta = object.metadata;
  meta.uid = randomUUID();
  meta.creationTimestamp = rfc3339();
  if (tracksGeneration(info)) meta.generation = 1;
  else delete meta.generation;
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.selfLink;
}

/**
 * Carries the server-owned fields of old into next and bumps generation when the
 * spec changed: not for changes to metadata or status alone.
 */
export function carryUpdateMeta(info: ResourceInfo, old: KubeObject, next: KubeObject): void {
  const meta = next.metadata;
  const was = old.metadata;
  meta.name = was.name;
  meta.uid = was.uid;
  meta.creationTimestamp = was.creationTimestamp;
  meta.resourceVersion = was.resourceVersion;
  if (was.namespace !== undefined) meta.namespace = was.namespace;
  if (was.generateName !== undefined) meta.generateName = was.generateName;
  else delete meta.generateName;
  setOrDelete(meta, "deletionTimestamp", was.deletionTimestamp);
  setOrDelete(meta, "deletionGracePeriodSeconds", was.deletionGracePeriodSeconds);
  delete meta.selfLink;
  if (!tracksGeneration(info)) {
    setOrDelete(meta, "generation", was.generation);
    return;
  }
  const generation = was.generation ?? 1;
  meta.generation = semanticEqual(specOf(old), specOf(next)) ? generation : generation + 1;
}

/**
 * Marks an object as being deleted. The first mark bumps a tracked generation, as
 * Kubernetes does, because its controllers must now act differently.
 */
export function markDeleting(object: KubeObject, graceSeconds: number): void {
  const meta = object.metadata;
  if (!meta.deletionTimestamp && meta.generation !== undefined && meta.generation > 0) meta.generation++;
  meta.deletionGracePeriodSeconds = graceSeconds;
  meta.deletionTimestamp = rfc3339(new Date(Date.now() + graceSeconds * 1000));
}

function setOrDelete<K extends "deletionTimestamp" | "deletionGracePeriodSeconds" | "generation">(
  meta: KubeObject["metadata"],
  key: K,
  value: KubeObject["metadata"][K],
): void {
  if (value === undefined) delete meta[key];
  else meta[key] = value;
}

/**
 * Whether an object marked for deletion may now be removed: no finalizers left and
 * no graceful termination still running (a bound pod waits for its node).
 */
export function readyToRemove(object: KubeObject): boolean {
  const meta = object.metadata;
  return (
    meta.deletionTimestamp !== undefined &&
    meta.deletionTimestamp !== null &&
    (meta.finalizers ?? []).length === 0 &&
    (meta.deletionGracePeriodSeconds ?? 0) === 0
  );
}
