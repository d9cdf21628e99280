// Strategic merge patch (application/strategic-merge-patch+json) as Kubernetes
// applies it on the server (apimachinery's strategicpatch.StrategicMergeMapPatch):
// maps merge key by key and null deletes a key; a list whose field has the
// "merge" patch strategy merges its items by the field's merge key (containers by
// name, ports by containerPort), or as a set when its items are scalars; every
// other list is replaced. The directives kubectl sends are honoured:
// `$patch: replace|merge|delete` in a map or a list item, `$retainKeys`,
// `$setElementOrder/<list>` and `$deleteFromPrimitiveList/<list>`.
//
// Where Kubernetes is lenient by accident this is strict on purpose: a directive
// inside a value that has nothing to merge with is still applied rather than
// stored, `$deleteFromPrimitiveList` on an absent list removes nothing rather than
// adding, and `$patch: merge` is accepted as the default it names. Every problem
// is a 400 naming the field path.
import { badRequest, isPlainObject } from "@bosun/api";
import { StatusError } from "../errors.js";
import { fieldSchema, itemSchema, resolveSchema, type FieldSchema, type Schema } from "./schema-lookup.js";

type Obj = Record<string, unknown>;
type ElementKind = "object" | "scalar";

const directiveMarker = "$patch";
const retainKeysDirective = "$retainKeys";
const deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";
const setElementOrderPrefix = "$setElementOrder/";

/** `patch` applied to `original` (neither is modified), for an object described by `schema`. */
export function strategicMergePatch(original: Obj, patch: Obj, schema: Schema | undefined): Obj {
  return mergeMap(structuredClone(original), structuredClone(patch), schema, "");
}

function fail(path: string, message: string): never {
  throw new StatusError(badRequest(`invalid strategic merge patch${path === "" ? "" : ` at ${path}`}: ${message}`));
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function valueKind(value: unknown): "object" | "array" | "scalar" {
  if (Array.isArray(value)) return "array";
  return isPlainObject(value) ? "object" : "scalar";
}

function mergeMap(original: Obj, patch: Obj, schema: Schema | undefined, path: string): Obj {
  if (directiveMarker in patch) {
    const directive = patch[directiveMarker];
    delete patch[directiveMarker];
    if (directive === "replace") return mergeMap({}, patch, schema, path);
    if (directive === "delete") return {};
    if (directive !== "merge") {
      fail(path, `unknown ${directiveMarker} directive ${JSON.stringify(directive)} in a map: use "replace", "merge" or "delete"`);
    }
  }
  applyRetainKeys(original, patch, path);
  mergeOrderedLists(original, patch, schema, path);
  for (const [patchKey, value] of Object.entries(patch)) {
    if (patchKey.startsWith(deleteFromPrimitiveListPrefix)) {
      const key = patchKey.slice(deleteFromPrimitiveListPrefix.length);
      deleteFromPrimitiveList(original, key, value, join(path, key));
      continue;
    }
    if (patchKey.startsWith("$")) {
      fail(path, `unknown directive "${patchKey}": the directives are $patch, $retainKeys, $setElementOrder/<list> and $deleteFromPrimitiveList/<list>`);
    }
    const at = join(path, patchKey);
    if (value === null) {
      delete original[patchKey];
      continue;
    }
    const field = fieldSchema(schema, patchKey);
    const current = original[patchKey];
    if (current === undefined || valueKind(current) !== valueKind(value)) {
      original[patchKey] = fresh(value, field, at);
    } else if (isPlainObject(value)) {
      original[patchKey] = mergeMap(current as Obj, value, resolveSchema(field.schema, value), at);
    } else if (Array.isArray(value)) {
      original[patchKey] = mergeList(current as unknown[], value, field, at);
    } else {
      original[patchKey] = value;
    }
  }
  return original;
}

/** A patch value with nothing to merge into: its directives still apply, to an empty value. */
function fresh(value: unknown, field: FieldSchema, path: string): unknown {
  if (isPlainObject(value)) return mergeMap({}, value, resolveSchema(field.schema, value), path);
  if (Array.isArray(value)) return mergeList([], value, field, path);
  return value;
}

function freshItem(item: unknown, items: Schema | undefined, path: string): unknown {
  return isPlainObject(item) ? mergeMap({}, item, resolveSchema(items, item), path) : item;
}

/** `$retainKeys`: keys of the original not listed are cleared; the patch may set only listed keys. */
function applyRetainKeys(original: Obj, patch: Obj, path: string): void {
  if (!(retainKeysDirective in patch)) return;
  const retain = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(retain)) fail(path, `${retainKeysDirective} must be a list of the keys to keep`);
  const keep = new Set(retain);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith(deleteFromPrimitiveListPrefix) || key.startsWith(setElementOrderPrefix)) continue;
    if (!keep.has(key)) fail(path, `the patch sets "${key}" but ${retainKeysDirective} does not list it`);
  }
  for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
}

function deleteFromPrimitiveList(original: Obj, key: string, toDelete: unknown, path: string): void {
  if (!Array.isArray(toDelete)) fail(path, `${deleteFromPrimitiveListPrefix}${key} must be a list of the values to remove`);
  if (toDelete.some((v) => valueKind(v) !== "scalar")) fail(path, `${deleteFromPrimitiveListPrefix}${key} applies to lists of scalars only`);
  const current = original[key];
  if (current === undefined) return;
  if (!Array.isArray(current)) fail(path, `${deleteFromPrimitiveListPrefix}${key} applies to a list, but the object holds another value here`);
  original[key] = current.filter((v) => !toDelete.includes(v));
}

/** A list of the patch merged into the original one, by the field's patch strategy. */
function mergeList(original: unknown[], patch: unknown[], field: FieldSchema, path: string): unknown[] {
  const items = itemSchema(resolveSchema(field.schema, patch));
  if (!field.meta?.patchStrategy?.split(",").includes("merge")) return patch.map((item, i) => freshItem(item, items, `${path}[${i}]`));
  return mergeSlice(original, patch, field.meta.patchMergeKey ?? "", items, path);
}

function elementKind(lists: unknown[][], path: string): ElementKind {
  let kind: ElementKind | undefined;
  for (const list of lists) {
    for (const item of list) {
      const k = valueKind(item);
      if (k === "array") fail(path, "lists of lists are not supported");
      if (kind !== undefined && kind !== k) fail(path, "the list mixes objects and scalars");
      kind = k;
    }
  }
  return kind ?? "scalar";
}

function mergeSlice(original: unknown[], patch: unknown[], mergeKey: string, items: Schema | undefined, path: string): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind([original, patch], path);
  let serverOrder = original;
  let patchItems = patch;
  let merged: unknown[];
  if (kind === "scalar") {
    merged = [...new Set([...original, ...patch])];
  } else {
    if (mergeKey === "") fail(path, "the list's items are objects, but the list has no merge key to merge them by");
    const split = withoutSpecialElements(original, patch, mergeKey, items, path);
    serverOrder = split.original;
    patchItems = split.patch;
    merged = mergeByKey(split.original.slice(), split.patch, mergeKey, items, path);
  }
  const [inPatch, serverOnly] = partition(merged, patchItems, mergeKey, kind, path);
  return normalizeElementOrder(inPatch, serverOnly, patchItems, serverOrder, mergeKey, kind, path);
}

/** Applies the items that carry `$patch` (delete one item, replace the list) and returns the rest. */
function withoutSpecialElements(
  original: unknown[],
  patch: unknown[],
  mergeKey: string,
  items: Schema | undefined,
  path: string,
): { original: unknown[]; patch: unknown[] } {
  const rest: unknown[] = [];
  let replace = false;
  let kept = original;
  patch.forEach((item, i) => {
    const obj = item as Obj;
    if (!(directiveMarker in obj)) {
      rest.push(item);
      return;
    }
    const directive = obj[directiveMarker];
    const at = `${path}[${i}]`;
    if (directive === "delete") {
      if (!(mergeKey in obj)) fail(at, `an item with "${directiveMarker}": "delete" needs "${mergeKey}", the merge key, to say which item to delete`);
      kept = kept.filter((o) => !(isPlainObject(o) && o[mergeKey] === obj[mergeKey]));
    } else if (directive === "replace") {
      replace = true;
    } else if (directive === "merge") {
      const { [directiveMarker]: _merge, ...rest2 } = obj;
      if (Object.keys(rest2).length > 0) rest.push(rest2);
    } else {
      fail(at, `unknown ${directiveMarker} directive ${JSON.stringify(directive)} in a list item: use "replace", "merge" or "delete"`);
    }
  });
  if (replace) return { original: rest.map((item, i) => freshItem(item, items, `${path}[${i}]`)), patch: [] };
  return { original: kept, patch: rest };
}

function mergeByKey(original: unknown[], patch: unknown[], mergeKey: string, items: Schema | undefined, path: string): unknown[] {
  patch.forEach((item, i) => {
    const obj = item as Obj;
    const at = `${path}[${i}]`;
    if (!(mergeKey in obj)) fail(at, `the item has no "${mergeKey}", the merge key of this list`);
    const index = original.findIndex((o) => isPlainObject(o) && o[mergeKey] === obj[mergeKey]);
    const schema = resolveSchema(items, obj);
    if (index >= 0) original[index] = mergeMap(original[index] as Obj, obj, schema, at);
    else original.push(mergeMap({}, obj, schema, at));
  });
  return original;
}

function keyOf(item: unknown, mergeKey: string, kind: ElementKind): unknown {
  return kind === "object" ? (item as Obj)[mergeKey] : item;
}

function indexIn(list: unknown[], item: unknown, mergeKey: string, kind: ElementKind): number {
  const key = keyOf(item, mergeKey, kind);
  return list.findIndex((o) => keyOf(o, mergeKey, kind) === key);
}

function requireMergeKeys(lists: unknown[][], mergeKey: string, path: string): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isPlainObject(item)) fail(path, "the list mixes objects and scalars");
      if (!(mergeKey in item)) fail(path, `an item has no "${mergeKey}", the merge key of this list: ${JSON.stringify(item)}`);
    }
  }
}

/** Items of `merged` that `order` names, and the others. */
function partition(merged: unknown[], order: unknown[], mergeKey: string, kind: ElementKind, path: string): [unknown[], unknown[]] {
  if (kind === "object") requireMergeKeys([merged, order], mergeKey, path);
  const named: unknown[] = [];
  const others: unknown[] = [];
  for (const item of merged) (indexIn(order, item, mergeKey, kind) >= 0 ? named : others).push(item);
  return [named, others];
}

/**
 * The patch's items in the patch's order and the server's other items in the
 * server's order, interleaved so both relative orders hold (Kubernetes'
 * normalizeElementOrder and mergeSortedSlice).
 */
function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ElementKind,
  path: string,
): unknown[] {
  if (kind === "object") requireMergeKeys([patchItems, serverOnly, patchOrder], mergeKey, path);
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind);
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function sortByOrder(items: unknown[], order: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  const rank = (item: unknown) => {
    const at = indexIn(order, item, mergeKey, kind);
    return at < 0 ? Number.POSITIVE_INFINITY : at;
  };
  return items
    .map((item, i) => ({ item, i, rank: rank(item) }))
    .sort((a, b) => (a.rank === b.rank ? a.i - b.i : a.rank - b.rank))
    .map((e) => e.item);
}

/**
 * `$setElementOrder/<list>`: merges the patch's list (if any) into the original's
 * and orders the result: the listed items as listed, the server's others where
 * they were relative to them.
 */
function mergeOrderedLists(original: Obj, patch: Obj, schema: Schema | undefined, path: string): void {
  for (const directive of Object.keys(patch)) {
    if (!directive.startsWith(setElementOrderPrefix)) continue;
    const order = patch[directive];
    delete patch[directive];
    const key = directive.slice(setElementOrderPrefix.length);
    const at = join(path, key);
    if (!Array.isArray(order)) fail(at, `${directive} must be a list`);
    const field = fieldSchema(schema, key);
    const mergeKey = field.meta?.patchMergeKey ?? "";
    const originalList = original[key];
    const patchList = patch[key];
    if (originalList !== undefined && !Array.isArray(originalList)) fail(at, `${directive} applies to a list, but the object holds another value here`);
    if (patchList !== undefined && !Array.isArray(patchList)) fail(at, `${directive} comes with a value that is not a list`);
    if (originalList === undefined && patchList === undefined) continue;
    checkPatchOrder(patchList ?? [], order, mergeKey, at);
    const merged = patchList === undefined ? (originalList as unknown[]) : mergeList((originalList as unknown[] | undefined) ?? [], patchList, field, at);
    delete patch[key];
    if (merged.length === 0) {
      original[key] = merged;
      continue;
    }
    const kind = elementKind([merged], at);
    const [listed, serverOnly] = partition(merged, order, mergeKey, kind, at);
    original[key] = normalizeElementOrder(listed, serverOnly, order, (originalList as unknown[] | undefined) ?? [], mergeKey, kind, at);
  }
}

/** Every item of the patch's list (but deletions) must appear in the order list, in the same order. */
function checkPatchOrder(patchList: unknown[], order: unknown[], mergeKey: string, path: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey === "" ? patchList : patchList.filter((i) => !(isPlainObject(i) && i[directiveMarker] === "delete"));
  const keyEqual = (a: unknown, b: unknown) => {
    if (mergeKey === "") return a === b;
    if (!isPlainObject(a) || !isPlainObject(b) || !(mergeKey in a) || !(mergeKey in b)) {
      fail(path, `every item of the list and of its $setElementOrder list needs "${mergeKey}", the merge key`);
    }
    return a[mergeKey] === b[mergeKey];
  };
  let p = 0;
  let s = 0;
  while (p < items.length && s < order.length) {
    const item = items[p];
    if (isPlainObject(item) && directiveMarker in item) {
      p++;
      continue;
    }
    if (keyEqual(item, order[s])) p++;
    s++;
  }
  if (p < items.length) {
    fail(path, `the list's items do not match its $setElementOrder list: each item of the patch must appear there, in the same order`);
  }
}
