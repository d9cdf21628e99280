// JSON patch (RFC 6902, application/json-patch+json): add, remove, replace, move,
// copy and test, applied in order to a copy of the object; one failing operation
// fails the whole patch. As in Kubernetes, a patch that is not a list of
// operations is a 400, and an operation that cannot apply to the object (a
// missing path, a failed test) is a 422 naming the operation and the path.
import { badRequest, isPlainObject, statusError } from "@bosun/api";
import { StatusError } from "../errors.js";
import { jsonEqual } from "../apply/typed-value.js";

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
  hasValue: boolean;
}

/** Kubernetes' limit on the operations of one JSON patch. */
const maxOperations = 10000;

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new StatusError(badRequest("a JSON patch must be a list of operations"));
  if (patch.length > maxOperations) {
    throw new StatusError(badRequest(`the JSON patch has ${patch.length} operations, more than the ${maxOperations} allowed`));
  }
  const ops = patch.map(parseOperation);
  let doc = structuredClone(target);
  for (const op of ops) doc = applyOperation(doc, op);
  return doc;
}

function parseOperation(raw: unknown): Operation {
  if (!isPlainObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
    throw new StatusError(badRequest(`invalid JSON patch operation ${JSON.stringify(raw)}: it needs "op" and "path"`));
  }
  const op: Operation = { op: raw.op, path: raw.path, value: raw.value, hasValue: "value" in raw };
  if (["add", "replace", "test"].includes(op.op) && !op.hasValue) {
    throw new StatusError(badRequest(`invalid JSON patch operation ${JSON.stringify(raw)}: "${op.op}" needs a "value"`));
  }
  if (op.op === "move" || op.op === "copy") {
    if (typeof raw.from !== "string") throw new StatusError(badRequest(`invalid JSON patch operation ${JSON.stringify(raw)}: "${op.op}" needs "from"`));
    op.from = raw.from;
  }
  if (!["add", "remove", "replace", "move", "copy", "test"].includes(op.op)) {
    throw new StatusError(badRequest(`JSON patch operation "${op.op}" is not supported: use add, remove, replace, move, copy or test`));
  }
  return op;
}

/** A failure to apply a well-formed operation to this object. */
function cannotApply(op: Operation, why: string): StatusError {
  return new StatusError(statusError(422, "Invalid", `JSON patch ${op.op} operation on "${op.path}" failed: ${why}`));
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new StatusError(badRequest(`invalid JSON pointer "${path}": it must start with "/"`));
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function arrayIndex(list: unknown[], part: string, forAdd: boolean, op: Operation): number {
  if (forAdd && part === "-") return list.length;
  if (!/^(0|[1-9]\d*)$/.test(part)) throw cannotApply(op, `"${part}" is not an index of the list`);
  const index = Number(part);
  if (index > list.length || (!forAdd && index === list.length)) throw cannotApply(op, `index ${index} is out of range (the list has ${list.length} items)`);
  return index;
}

/** The container that holds the last segment of `parts`, and that segment. */
function locate(doc: unknown, parts: string[], op: Operation): { parent: unknown; last: string } {
  let node = doc;
  for (const part of parts.slice(0, -1)) {
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(part) && Number(part) < node.length) node = node[Number(part)];
    else if (isPlainObject(node) && Object.hasOwn(node, part)) node = node[part];
    else throw cannotApply(op, "the path does not exist in the object");
  }
  return { parent: node, last: parts[parts.length - 1]! };
}

function read(doc: unknown, path: string, op: Operation): unknown {
  const parts = pointer(path);
  if (parts.length === 0) return doc;
  const { parent, last } = locate(doc, parts, op);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, last, false, op)];
  if (isPlainObject(parent) && Object.hasOwn(parent, last)) return parent[last];
  throw cannotApply(op, `"${path}" does not exist in the object`);
}

function add(doc: unknown, path: string, value: unknown, op: Operation): unknown {
  const parts = pointer(path);
  if (parts.length === 0) return value;
  const { parent, last } = locate(doc, parts, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, op), 0, value);
  else if (isPlainObject(parent)) parent[last] = value;
  else throw cannotApply(op, "the path does not point into an object or a list");
  return doc;
}

function remove(doc: unknown, path: string, op: Operation): unknown {
  const parts = pointer(path);
  if (parts.length === 0) throw cannotApply(op, "the whole document cannot be removed");
  const { parent, last } = locate(doc, parts, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false, op), 1);
  else if (isPlainObject(parent) && Object.hasOwn(parent, last)) delete parent[last];
  else throw cannotApply(op, `"${path}" does not exist in the object`);
  return doc;
}

function replace(doc: unknown, path: string, value: unknown, op: Operation): unknown {
  const parts = pointer(path);
  if (parts.length === 0) return value;
  const { parent, last } = locate(doc, parts, op);
  if (Array.isArray(parent)) parent[arrayIndex(parent, last, false, op)] = value;
  else if (isPlainObject(parent) && Object.hasOwn(parent, last)) parent[last] = value;
  else throw cannotApply(op, `"${path}" does not exist in the object`);
  return doc;
}

function applyOperation(doc: unknown, op: Operation): unknown {
  switch (op.op) {
    case "add":
      return add(doc, op.path, structuredClone(op.value), op);
    case "remove":
      return remove(doc, op.path, op);
    case "replace":
      return replace(doc, op.path, structuredClone(op.value), op);
    case "move": {
      const from = op.from!;
      if (op.path !== from && op.path.startsWith(`${from}/`)) throw cannotApply(op, `"${from}" cannot be moved into one of its own children`);
      const value = read(doc, from, op);
      return add(remove(doc, from, op), op.path, value, op);
    }
    case "copy":
      return add(doc, op.path, structuredClone(read(doc, op.from!, op)), op);
    default: {
      const actual = read(doc, op.path, op);
      if (!jsonEqual(actual, op.value)) throw cannotApply(op, `the value is ${JSON.stringify(actual)}, not ${JSON.stringify(op.value)}`);
      return doc;
    }
  }
}
