// Objects seen through their schema, as structured-merge-diff's typed values:
// which field paths a value sets (toFieldSet), what changed between two values
// (compare), a value without some paths (removeItems), and an applied
// configuration merged onto a live object (mergeApplied). How lists and objects
// behave comes from the kind's schema and @bosun/api's merge-keys table: a list
// is atomic unless its listType is "set" (items are values) or "map" (items are
// identified by their listMapKeys); an object is granular unless Kubernetes marks
// it atomic.
import { isPlainObject, statusError, typePatchMetaOf, type FieldPatchMeta } from "@bosun/api";
import { StatusError } from "../errors.js";
import { fieldSchema, itemSchema, resolveSchema, type Schema } from "../patch/schema-lookup.js";
import { FieldSet, pathString, type FieldPath, type PathElement } from "./field-set.js";

/** Where a value sits: its schema and, for a field, how Kubernetes merges it. */
export interface Shape {
  schema?: Schema;
  meta?: FieldPatchMeta;
}

export function childShape(parent: Shape, parentValue: unknown, key: string): Shape {
  const field = fieldSchema(resolveSchema(parent.schema, parentValue), key);
  return { schema: field.schema, meta: field.meta };
}

function itemShape(list: Shape, listValue: unknown): Shape {
  return { schema: itemSchema(resolveSchema(list.schema, listValue)) };
}

/** Replaced and owned as one value: the field is +mapType=atomic or its type +structType=atomic. */
function isAtomicObject(shape: Shape, value: unknown): boolean {
  if (shape.meta?.mapType === "atomic") return true;
  const schema = resolveSchema(shape.schema, value);
  return schema !== undefined && typePatchMetaOf(schema)?.mapType === "atomic";
}

function listType(shape: Shape): "atomic" | "set" | "map" {
  return shape.meta?.listType ?? "atomic";
}

type Kind = "object" | "array" | "scalar";

function kindOf(value: unknown): Kind {
  if (Array.isArray(value)) return "array";
  return isPlainObject(value) ? "object" : "scalar";
}

/** A problem with an applied configuration's lists, which live objects are spared (see itemElement). */
function invalidValue(path: FieldPath, message: string): StatusError {
  return new StatusError(statusError(400, "BadRequest", `the applied configuration is invalid at ${pathString(path) || "."}: ${message}`));
}

/**
 * The path element of one item of a set or keyed list. Items of a live object
 * that cannot be keyed (lenient) fall back to their index; in an applied
 * configuration that is an error.
 */
function itemElement(item: unknown, list: Shape, listValue: unknown, index: number, path: FieldPath, lenient: boolean): PathElement {
  const type = listType(list);
  if (type === "set") {
    if (kindOf(item) === "scalar") return `v:${JSON.stringify(item)}`;
    if (lenient) return `i:${index}`;
    throw invalidValue(path, "the items of this list are a set of values, not objects or lists");
  }
  const keys = list.meta?.listMapKeys ?? [];
  if (!isPlainObject(item)) {
    if (lenient) return `i:${index}`;
    throw invalidValue(path, "the items of this list are objects identified by " + keys.join(", "));
  }
  const items = resolveSchema(itemShape(list, listValue).schema, item);
  const defaults = items === undefined ? undefined : typePatchMetaOf(items)?.keyDefaults;
  const key: Record<string, unknown> = {};
  for (const name of [...keys].sort()) {
    const value = item[name] ?? defaults?.[name];
    if (value === undefined || kindOf(value) !== "scalar") {
      if (lenient) return `i:${index}`;
      throw invalidValue(path, `associative list with keys has an element that omits key field "${name}" (and doesn't have default value)`);
    }
    key[name] = value;
  }
  return `k:${JSON.stringify(key)}`;
}

/**
 * The fields `value` sets: its scalars, its atomic lists and objects, each item
 * of its sets and keyed lists, and its empty or null fields. With strict, a
 * duplicated or unkeyable list item is a 400 (an applied configuration);
 * otherwise duplicates count once (a live object).
 */
export function toFieldSet(value: unknown, shape: Shape, strict = false): FieldSet {
  const set = new FieldSet();
  collect(value, shape, [], set, strict);
  return set;
}

function collect(value: unknown, shape: Shape, path: PathElement[], set: FieldSet, strict: boolean): void {
  if (Array.isArray(value)) {
    if (listType(shape) === "atomic") {
      set.insert(path);
      return;
    }
    const items = itemShape(shape, value);
    const seen = new Set<PathElement>();
    value.forEach((item, i) => {
      const pe = itemElement(item, shape, value, i, path, !strict);
      if (seen.has(pe)) {
        if (strict) throw invalidValue(path, `duplicate entries for key ${pathString([pe])}`);
        return;
      }
      seen.add(pe);
      const child = [...path, pe];
      collect(item, items, child, set, strict);
      set.insert(child);
    });
    return;
  }
  if (isPlainObject(value)) {
    if (isAtomicObject(shape, value)) {
      set.insert(path);
      return;
    }
    for (const [key, v] of Object.entries(value)) {
      const child = [...path, `f:${key}`];
      collect(v, childShape(shape, value, key), child, set, strict);
      if (v === null || (isPlainObject(v) && Object.keys(v).length === 0)) set.insert(child);
    }
    return;
  }
  set.insert(path);
}

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

/** What changed from `lhs` to `rhs`, as structured-merge-diff's Compare. */
export function compare(lhs: unknown, rhs: unknown, shape: Shape): Comparison {
  const out: Comparison = { added: new FieldSet(), removed: new FieldSet(), modified: new FieldSet() };
  compareAt(lhs, rhs, shape, [], out);
  return out;
}

function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

function compareAt(lhs: unknown, rhs: unknown, shape: Shape, path: PathElement[], out: Comparison): void {
  const leaf = () => {
    if (lhs === undefined) out.added.insert(path);
    else if (rhs === undefined) out.removed.insert(path);
    else if (!jsonEqual(lhs, rhs)) out.modified.insert(path);
  };
  const lk = lhs === undefined ? undefined : kindOf(lhs);
  const rk = rhs === undefined ? undefined : kindOf(rhs);
  if (lk !== undefined && rk !== undefined && lk !== rk) return leaf();
  const kind = lk ?? rk;
  const value = lhs ?? rhs;
  if (kind === "scalar") return leaf();
  if (!(isEmptyValue(lhs) && isEmptyValue(rhs))) {
    if (kind === "array") {
      if (listType(shape) === "atomic") return leaf();
      const items = itemShape(shape, value);
      const left = indexItems((lhs as unknown[] | undefined) ?? [], shape, path);
      const right = indexItems((rhs as unknown[] | undefined) ?? [], shape, path);
      for (const [pe, l] of left) compareAt(l, right.get(pe), items, [...path, pe], out);
      for (const [pe, r] of right) if (!left.has(pe)) compareAt(undefined, r, items, [...path, pe], out);
    } else {
      if (isAtomicObject(shape, value)) return leaf();
      const l = (lhs as Record<string, unknown> | undefined) ?? {};
      const r = (rhs as Record<string, unknown> | undefined) ?? {};
      for (const key of new Set([...Object.keys(l), ...Object.keys(r)])) {
        compareAt(l[key], r[key], childShape(shape, value, key), [...path, `f:${key}`], out);
      }
    }
  }
  if (path.length === 0) return;
  if (lhs === undefined) out.added.insert(path);
  else if (rhs === undefined) out.removed.insert(path);
}

/** The items of a list by path element; a repeated element keeps its first item. */
function indexItems(list: unknown[], shape: Shape, path: FieldPath): Map<PathElement, unknown> {
  const byElement = new Map<PathElement, unknown>();
  list.forEach((item, i) => {
    const pe = itemElement(item, shape, list, i, path, true);
    if (!byElement.has(pe)) byElement.set(pe, item);
  });
  return byElement;
}

/** `value` without the fields and items that are members of `set` (each with all it holds). */
export function removeItems(value: unknown, set: FieldSet, shape: Shape): unknown {
  if (Array.isArray(value)) {
    if (listType(shape) === "atomic") return value;
    const items = itemShape(shape, value);
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const node = set.child(itemElement(item, shape, value, i, [], true));
      if (node?.isMember) return;
      out.push(node === undefined ? item : removeItems(item, node, items));
    });
    return out;
  }
  if (isPlainObject(value)) {
    if (isAtomicObject(shape, value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const node = set.child(`f:${key}`);
      if (node?.isMember) continue;
      out[key] = node === undefined ? v : removeItems(v, node, childShape(shape, value, key));
    }
    return out;
  }
  return value;
}

/**
 * An applied configuration merged onto a live value (structured-merge-diff's
 * merge): the configuration's scalars, atomic lists and atomic objects replace the
 * live ones; objects merge field by field; keyed lists and sets merge item by item,
 * the configuration's items in its order with the live object's others kept where
 * they were. A null in the configuration removes the field.
 */
export function mergeApplied(live: unknown, config: unknown, shape: Shape): unknown {
  if (config === undefined) return live;
  if (live === undefined) return config;
  const kind = kindOf(config);
  if (kind !== kindOf(live) || kind === "scalar") return config;
  if (kind === "array") return listType(shape) === "atomic" ? config : mergeListItems(live as unknown[], config as unknown[], shape);
  if (isAtomicObject(shape, config)) return config;
  const out: Record<string, unknown> = { ...(live as Record<string, unknown>) };
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (value === null) delete out[key];
    else out[key] = mergeApplied(out[key], value, childShape(shape, config, key));
  }
  return out;
}

const duplicated = Symbol("duplicated");

function mergeListItems(lhs: unknown[], rhs: unknown[], shape: Shape): unknown[] {
  const items = itemShape(shape, rhs);
  const lPEs = lhs.map((item, i) => itemElement(item, shape, lhs, i, [], true));
  const rPEs = rhs.map((item, i) => itemElement(item, shape, rhs, i, [], true));
  const observedL = new Map<PathElement, unknown>();
  lPEs.forEach((pe, i) => observedL.set(pe, observedL.has(pe) ? duplicated : lhs[i]));
  const observedR = new Map<PathElement, unknown>(rPEs.map((pe, i) => [pe, rhs[i]]));
  const shared = rPEs.filter((pe) => observedL.has(pe));
  let nextShared = shared.shift();
  const mergedR = new Set<PathElement>();
  const mergeItem = (pe: PathElement) => {
    const l = observedL.get(pe);
    return mergeApplied(l === duplicated ? undefined : l, observedR.get(pe), items);
  };
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  while (li < lPEs.length || ri < rPEs.length) {
    if (li < lPEs.length && ri < rPEs.length) {
      const pe = lPEs[li]!;
      if (pe === rPEs[ri]) {
        mergedR.add(pe);
        out.push(mergeItem(pe));
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      // A shared item, but not the next one the configuration orders: it comes later.
      if (observedR.has(pe) && nextShared !== undefined && nextShared !== pe) {
        li++;
        continue;
      }
    }
    if (li < lPEs.length) {
      const pe = lPEs[li]!;
      if (!observedR.has(pe)) {
        out.push(lhs[li]);
        li++;
        continue;
      }
      if (mergedR.has(pe)) {
        li++;
        continue;
      }
    }
    if (ri < rPEs.length) {
      const pe = rPEs[ri]!;
      mergedR.add(pe);
      out.push(mergeItem(pe));
      ri++;
      if (nextShared !== undefined && nextShared === pe) nextShared = shared.shift();
    }
  }
  return out;
}
