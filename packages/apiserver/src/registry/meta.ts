// Server-owned metadata: what the apiserver sets on create and keeps on update,
// whatever the client sent.
import { randomUUID } from "node:crypto";
import { rfc3339, type KubeObject } from "@bosun/api";


export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The part of an object that counts as its spec for metadata.generation. */
function specOf(object: KubeObject): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object as KubeObject & { status?: unknown };
  return rest;
}

export function initCreateMeta(object: KubeObject): void {
  const meta = object.metadata;
  meta.uid = randomUUID();
  meta.creationTimestamp = rfc3339();
  meta.generation = 1;
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.selfLink;
}

/** Carries the server-owned fields of old into next and bumps generation when the spec changed. */
export function carryUpdateMeta(old: KubeObject, next: KubeObject): void {
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
  const generation = was.generation ?? 1;
  meta.generation = JSON.stringify(specOf(old)) === JSON.stringify(specOf(next)) ? generation : generation + 1;
}

function setOrDelete<K extends "deletionTimestamp" | "deletionGracePeriodSeconds">(
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
