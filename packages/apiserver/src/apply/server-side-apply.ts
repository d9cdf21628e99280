// Server-side apply (PATCH with application/apply-patch+yaml), after Kubernetes'
// field manager and structured-merge-diff's Updater.Apply: the applied
// configuration is merged onto the live object; the applier comes to own exactly
// the fields it applied; fields it applied last time and no longer does are
// removed when nobody else owns them; and changing a field another manager owns
// is a conflict (409) unless forced, in which case the field changes hands.
import {
  apiVersionOf,
  isPlainObject,
  rfc3339,
  statusError,
  type KubeObject,
  type ResourceInfo,
  type StatusCause,
} from "@bosun/api";
import { StatusError } from "../errors.js";
import { FieldSet, pathString, type FieldPath } from "./field-set.js";
import {
  beforeFirstApply,
  decodeManagedFields,
  encodeManagedFields,
  managerIdentifier,
  ownableFields,
  printManager,
  shapeOf,
  stripMeta,
  withoutManagedFields,
  type Manager,
  type Managers,
} from "./managed-fields.js";
import { compare, jsonEqual, mergeApplied, removeItems, toFieldSet, type Shape } from "./typed-value.js";

export const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

/** kubectl's own field manager for `apply --server-side`, which takes over client-side apply. */
const kubectlManager = "kubectl";

export interface ApplyRequest {
  info: ResourceInfo;
  /** The stored object, or undefined when the apply creates it. */
  live: KubeObject | undefined;
  /** The applied configuration, already checked to be of the right kind and name. */
  config: Record<string, unknown>;
  manager: string;
  force: boolean;
  subresource?: "status";
}

interface Conflict {
  /** The identifier of the manager that owns the field (see managerIdentifier). */
  managerId: string;
  path: FieldPath;
}

/** The object the apply leaves, with its metadata.managedFields; throws a 409 on conflicts. */
export function serverSideApply(req: ApplyRequest): KubeObject {
  const { info, live, config, manager } = req;
  const shape = shapeOf(info);
  const liveValue = withoutManagedFields(live);
  const decoded = decodeManagedFields(live?.metadata.managedFields);
  let managers: Managers = decoded instanceof Error ? new Map() : decoded;
  if (live !== undefined && managers.size === 0) managers = beforeFirstApply(info, live);
  // Checks the configuration's lists (duplicates, missing keys) before anything merges.
  const applied = ownableFields(info, req.subresource)(toFieldSet(config, shape, true));

  let result = attempt(req, managers, liveValue, applied, req.force);
  if (Array.isArray(result)) {
    if (manager !== kubectlManager) throw conflictError(result);
    // kubectl moving from client-side to server-side apply: fields its
    // last-applied annotation set, and that still hold that value, were its own.
    const allowed = fieldsOfLastApplied(info, live, liveValue, shape);
    const remaining = result.filter((c) => !allowed.has(c.path));
    if (remaining.length > 0) throw conflictError(remaining);
    result = attempt(req, managers, liveValue, applied, true) as KubeObject;
  }
  if (manager === kubectlManager && result.metadata.annotations?.[lastAppliedAnnotation] !== undefined) {
    result.metadata.annotations[lastAppliedAnnotation] = lastAppliedOf(config);
  }
  return result;
}

function attempt(
  req: ApplyRequest,
  original: Managers,
  liveValue: Record<string, unknown>,
  applied: FieldSet,
  force: boolean,
): KubeObject | Conflict[] {
  const { info, manager } = req;
  const shape = shapeOf(info);
  const ownable = ownableFields(info, req.subresource);
  const managers: Managers = new Map([...original].map(([id, m]) => [id, { ...m }]));
  const self: Manager = { manager, operation: "Apply", apiVersion: apiVersionOf(info), set: applied };
  if (req.subresource) self.subresource = req.subresource;
  const id = managerIdentifier(self);
  const last = managers.get(id);
  if (last?.time !== undefined) self.time = last.time;
  managers.set(id, self);

  let merged = mergeApplied(liveValue, req.config, shape) as Record<string, unknown>;
  if (last !== undefined) merged = prune(merged, managers, last.set, shape);

  const diff = compare(liveValue, merged, shape);
  const changed = ownable(diff.modified.union(diff.added));
  const removed = ownable(diff.removed);
  const conflicts: Conflict[] = [];
  for (const [otherId, m] of managers) {
    if (otherId === id) continue;
    for (const path of m.set.intersection(changed).members()) conflicts.push({ managerId: otherId, path });
  }
  if (conflicts.length > 0 && !force) return conflicts;
  for (const [otherId, m] of managers) {
    if (otherId === id) continue;
    m.set = m.set.difference(changed).difference(removed);
    if (m.set.isEmpty()) managers.delete(otherId);
  }
  self.set = stripMeta(self.set);
  if (self.set.isEmpty()) managers.delete(id);
  if (!jsonEqual(liveValue, merged)) self.time = rfc3339();

  // The merge shares values with the live object and the configuration; the result is the caller's own.
  const object = structuredClone(merged) as unknown as KubeObject;
  if (!isPlainObject(object.metadata)) object.metadata = {};
  object.metadata.managedFields = encodeManagedFields(managers);
  return object;
}

/**
 * Removes what the applier applied last time and no longer applies, unless
 * another manager (or the new configuration) still owns it (structured-merge-diff's
 * prune, addBackOwnedItems and addBackDanglingItems).
 */
function prune(merged: Record<string, unknown>, managers: Managers, lastSet: FieldSet, shape: Shape): Record<string, unknown> {
  if (lastSet.isEmpty()) return merged;
  const named = (set: FieldSet) => set.withNamedFieldsAsMembers();
  const last = named(lastSet);
  const pruned = removeItems(merged, last, shape);
  let owned = new FieldSet();
  for (const m of managers.values()) owned = owned.union(m.set);
  const mergedSet = named(toFieldSet(merged, shape));
  const keep = named(toFieldSet(pruned, shape)).union(named(owned));
  const ownedBack = removeItems(merged, mergedSet.difference(keep), shape);
  const dangling = mergedSet.difference(named(toFieldSet(ownedBack, shape))).intersection(last);
  return removeItems(merged, dangling, shape) as Record<string, unknown>;
}

/** Fields the last-applied annotation sets to the value the live object still has. */
function fieldsOfLastApplied(info: ResourceInfo, live: KubeObject | undefined, liveValue: unknown, shape: Shape): FieldSet {
  const text = live?.metadata.annotations?.[lastAppliedAnnotation];
  if (text === undefined || text === "") return new FieldSet();
  let lastApplied: unknown;
  try {
    lastApplied = JSON.parse(text);
  } catch {
    return new FieldSet();
  }
  if (!isPlainObject(lastApplied) || lastApplied.apiVersion !== apiVersionOf(info)) return new FieldSet();
  const diff = compare(lastApplied, liveValue, shape);
  return toFieldSet(lastApplied, shape).difference(diff.modified).difference(diff.added).difference(diff.removed);
}

/** The configuration as kubectl's last-applied annotation holds it: JSON without the annotation itself. */
function lastAppliedOf(config: Record<string, unknown>): string {
  const copy = structuredClone(config);
  const meta = copy.metadata;
  if (isPlainObject(meta) && isPlainObject(meta.annotations)) delete meta.annotations[lastAppliedAnnotation];
  return `${JSON.stringify(sortKeys(copy))}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys(value[k])]),
  );
}

/** The 409 Kubernetes answers to conflicts: a cause per field, the message grouped by manager. */
export function conflictError(conflicts: Conflict[]): StatusError {
  const sorted = [...conflicts].sort((a, b) => (a.managerId < b.managerId ? -1 : a.managerId > b.managerId ? 1 : 0));
  const causes: StatusCause[] = sorted.map((c) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${printManager(c.managerId)}`,
    field: pathString(c.path),
  }));
  let message: string;
  if (sorted.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(sorted[0]!.managerId)}: ${pathString(sorted[0]!.path)}`;
  } else {
    const lines: string[] = [];
    let current: string | undefined;
    for (const c of sorted) {
      if (c.managerId !== current) {
        current = c.managerId;
        lines.push(`conflicts with ${printManager(c.managerId)}:`);
      }
      lines.push(`- ${pathString(c.path)}`);
    }
    message = `Apply failed with ${sorted.length} conflicts: ${lines.join("\n")}`;
  }
  return new StatusError(statusError(409, "Conflict", message, { causes }));
}
