// metadata.managedFields: who set which fields. Decoded into one field set per
// manager (keyed as Kubernetes keys them: manager, operation, subresource, and the
// apiVersion of an Update), and encoded back in Kubernetes' order. Every write
// that is not an apply records an Update entry for the writer here, the way the
// Kubernetes apiserver's field manager does: the fields the write added or
// changed become the writer's, and are taken from whoever owned them before.
import { apiVersionOf, isPlainObject, rfc3339, type KubeObject, type ManagedFieldsEntry, type ResourceInfo } from "@bosun/api";
import { FieldSet, type FieldPath } from "./field-set.js";
import { compare, type Shape } from "./typed-value.js";

export interface Manager {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** Managers by identifier. */
export type Managers = Map<string, Manager>;

/** Who writes: the field manager of the request, and the subresource written through. */
export interface FieldManagerRef {
  manager: string;
  subresource?: string;
}

/** Kubernetes keeps at most this many Update entries; older ones merge into one. */
const maxUpdateManagers = 10;
const ancientChangesManager = "ancient-changes";
const beforeFirstApplyManager = "before-first-apply";

/** As Kubernetes' BuildManagerIdentifier: the entry without fields and time, and without the apiVersion of an applier. */
export function managerIdentifier(m: Pick<Manager, "manager" | "operation" | "apiVersion" | "subresource">): string {
  const id: Record<string, string> = {};
  if (m.manager !== "") id.manager = m.manager;
  id.operation = m.operation;
  if (m.operation === "Update" && m.apiVersion !== "") id.apiVersion = m.apiVersion;
  if (m.subresource) id.subresource = m.subresource;
  return JSON.stringify(id);
}

/** A manager as Kubernetes names it in conflict messages: `"kubectl-client-side-apply" using apps/v1`. */
export function printManager(id: string): string {
  const m = JSON.parse(id) as { manager?: string; operation?: string; apiVersion?: string; subresource?: string };
  let out = JSON.stringify(m.manager ?? "");
  if (m.subresource) out += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === "Update") out += ` using ${m.apiVersion ?? ""}`;
  return out;
}

/** The managers of `entries`, or an Error saying which entry is malformed. */
export function decodeManagedFields(entries: unknown): Managers | Error {
  const managers: Managers = new Map();
  if (entries === undefined || entries === null) return managers;
  if (!Array.isArray(entries)) return new Error("metadata.managedFields must be a list");
  for (const [i, raw] of entries.entries()) {
    const at = `metadata.managedFields[${i}]`;
    if (!isPlainObject(raw)) return new Error(`${at} must be an object`);
    const e = raw as ManagedFieldsEntry;
    if (e.operation !== "Apply" && e.operation !== "Update") return new Error(`${at}.operation must be Apply or Update`);
    if (typeof e.apiVersion !== "string" || e.apiVersion === "") return new Error(`${at}.apiVersion must not be empty`);
    if (e.fieldsType !== "FieldsV1") return new Error(`${at}.fieldsType must be FieldsV1`);
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {}, `${at}.fieldsV1`);
    } catch (err) {
      return err as Error;
    }
    const m: Manager = { manager: e.manager ?? "", operation: e.operation, apiVersion: e.apiVersion, set };
    if (e.subresource) m.subresource = e.subresource;
    if (e.time) m.time = e.time;
    managers.set(managerIdentifier(m), m);
  }
  return managers;
}

function seconds(time: string | undefined): number {
  return time === undefined ? 0 : Math.floor(Date.parse(time) / 1000);
}

/** The entries of `managers`, in Kubernetes' order: appliers first, then by time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const list = [...managers.values()].sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? "", q.subresource ?? ""),
  );
  return list.map((m) => {
    const entry: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time !== undefined) entry.time = m.time;
    entry.fieldsType = "FieldsV1";
    entry.fieldsV1 = m.set.toFieldsV1();
    if (m.subresource) entry.subresource = m.subresource;
    return entry;
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A list of one empty entry, or an empty list, asks to clear managedFields. */
function isReset(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  return entries.length === 0 || (entries.length === 1 && isPlainObject(entries[0]) && Object.keys(entries[0]).length === 0);
}

// What no manager owns, as Kubernetes' stripMeta: identity and server-set metadata.
const strippedPaths: FieldPath[] = [
  ["f:apiVersion"],
  ["f:kind"],
  ["f:metadata"],
  ...["name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion"].map(
    (f) => ["f:metadata", `f:${f}`],
  ),
];
const stripped = strippedPaths.reduce((set, path) => set.insert(path), new FieldSet());

export function stripMeta(set: FieldSet): FieldSet {
  return set.difference(stripped);
}

/**
 * The fields a write through `subresource` may own (Kubernetes' reset fields):
 * the main resource of a kind with a status subresource does not own status,
 * and the status subresource owns nothing else.
 */
export function ownableFields(info: ResourceInfo, subresource: string | undefined): (set: FieldSet) => FieldSet {
  if (subresource === "status") return (set) => set.only("f:status");
  if (info.subresources.includes("status")) return (set) => set.without("f:status");
  return (set) => set;
}

export function shapeOf(info: ResourceInfo): Shape {
  return { schema: info.schema };
}

/** The object as field sets see it: without its managedFields. */
export function withoutManagedFields(object: KubeObject | undefined): Record<string, unknown> {
  if (object === undefined) return {};
  const copy = { ...object, metadata: { ...object.metadata } } as KubeObject;
  delete copy.metadata.managedFields;
  return copy as unknown as Record<string, unknown>;
}

/**
 * The effect of a write by `writer` on everyone's fields (structured-merge-diff's
 * Updater.Update): others lose what the write changed or removed; the writer's
 * Update entry gains what it added or changed. Returns whether anything changed.
 */
export function recordUpdate(
  info: ResourceInfo,
  managers: Managers,
  live: KubeObject | undefined,
  next: KubeObject,
  writer: FieldManagerRef,
): boolean {
  const ownable = ownableFields(info, writer.subresource);
  const diff = compare(withoutManagedFields(live), withoutManagedFields(next), shapeOf(info));
  const touched = ownable(diff.modified.union(diff.added));
  const removed = ownable(diff.removed);
  let changed = false;
  for (const [id, m] of managers) {
    const left = m.set.difference(touched).difference(removed);
    if (left.equals(m.set)) continue;
    changed = true;
    if (left.isEmpty()) managers.delete(id);
    else m.set = left;
  }
  const owned = stripMeta(touched);
  if (owned.isEmpty()) return changed;
  const apiVersion = apiVersionOf(info);
  const entry: Manager = { manager: writer.manager, operation: "Update", apiVersion, time: rfc3339(), set: owned };
  if (writer.subresource) entry.subresource = writer.subresource;
  const id = managerIdentifier(entry);
  const previous = managers.get(id);
  if (previous !== undefined) entry.set = previous.set.union(owned);
  managers.set(id, entry);
  capUpdateManagers(managers);
  return true;
}

/** More than maxUpdateManagers Update entries: the oldest merge into "ancient-changes", as Kubernetes' capManagers. */
function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers.entries()]
    .filter(([, m]) => m.operation === "Update")
    .sort(([ia, a], [ib, b]) => seconds(a.time) - seconds(b.time) || cmp(ia, ib));
  let first: string | undefined;
  for (let i = 0, length = updaters.length; i < updaters.length && length > maxUpdateManagers; i++) {
    const [id, m] = updaters[i]!;
    if (first === undefined) {
      first = id;
      continue;
    }
    const bucketId = managerIdentifier({ manager: ancientChangesManager, operation: "Update", apiVersion: m.apiVersion });
    if (id === bucketId) continue;
    let bucket = managers.get(bucketId);
    if (bucket === undefined) {
      const oldest = managers.get(first)!;
      managers.delete(first);
      bucket = { ...oldest, manager: ancientChangesManager };
      delete bucket.subresource;
      managers.set(bucketId, bucket);
    }
    bucket.set = m.set.union(bucket.set);
    bucket.time = m.time;
    managers.delete(id);
    length--;
  }
}

/** The entries the write starts from: the request's own unless it leaves them out, and never a subresource's. */
function baseEntries(live: KubeObject | undefined, next: KubeObject, subresource: string | undefined): { raw: unknown; managers: Managers } {
  const fromLive = (): { raw: unknown; managers: Managers } => {
    const decoded = decodeManagedFields(live?.metadata.managedFields);
    return decoded instanceof Error ? { raw: undefined, managers: new Map() } : { raw: live?.metadata.managedFields, managers: decoded };
  };
  if (subresource !== undefined) return fromLive();
  const requested = next.metadata.managedFields;
  if (isReset(requested)) return { raw: undefined, managers: new Map() };
  const decoded = decodeManagedFields(requested);
  if (decoded instanceof Error || decoded.size === 0) return fromLive();
  return { raw: requested, managers: decoded };
}

/**
 * The managedFields a create (no live object) or an update leaves on `next`,
 * written by `writer`; without a writer the entries are only carried over.
 * Undefined when the object keeps none.
 */
export function managedFieldsAfterWrite(
  info: ResourceInfo,
  live: KubeObject | undefined,
  next: KubeObject,
  writer: FieldManagerRef | undefined,
): ManagedFieldsEntry[] | undefined {
  const base = baseEntries(live, next, writer?.subresource);
  // As Kubernetes: tracking starts when an object is created (or first applied);
  // an existing object that has no entries is not tracked by updates.
  const untracked = live !== undefined && base.managers.size === 0;
  if (writer === undefined || untracked || !recordUpdate(info, base.managers, live, next, writer)) {
    return base.managers.size === 0 ? undefined : (base.raw as ManagedFieldsEntry[]);
  }
  return base.managers.size === 0 ? undefined : encodeManagedFields(base.managers);
}

/** Entries for an object that had none before its first apply: everything it holds is "before-first-apply"'s. */
export function beforeFirstApply(info: ResourceInfo, live: KubeObject): Managers {
  const managers: Managers = new Map();
  recordUpdate(info, managers, undefined, live, { manager: beforeFirstApplyManager });
  return managers;
}

