// PATCH bodies. Merge patch (RFC 7386) is applied by json-merge-patch. Strategic
// merge patch, what kubectl sends for label/annotate/edit, is treated as a merge
// patch: maps merge the same way, but lists are replaced whole rather than merged
// by their key (a strategic patch of one container replaces the container list).
// JSON patch (RFC 6902) supports add, remove, replace and test.
import mergePatch from "json-merge-patch";
import { isPlainObject, badRequest } from "@bosun/api";
import { StatusError } from "../errors.js";

export function applyPatch(target: unknown, patch: unknown, mediaType: string): unknown {
  if (mediaType === "application/json-patch+json") return applyJsonPatch(target, patch);
  if (!isPlainObject(patch)) throw new StatusError(badRequest("a merge patch must be a JSON object"));
  return mergePatch.apply(structuredClone(target), patch);
}

interface Operation {
  op: string;
  path: string;
  value?: unknown;
}

function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new StatusError(badRequest("a JSON patch must be an array of operations"));
  let doc = structuredClone(target);
  for (const raw of patch as unknown[]) {
    if (!isPlainObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
      throw new StatusError(badRequest(`invalid JSON patch operation ${JSON.stringify(raw)}: it needs "op" and "path"`));
    }
    doc = applyOperation(doc, raw as unknown as Operation);
  }
  return doc;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new StatusError(badRequest(`invalid JSON pointer "${path}": it must start with "/"`));
  return path.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function applyOperation(doc: unknown, op: Operation): unknown {
  const parts = pointer(op.path);
  if (parts.length === 0) {
    if (op.op === "test") return assertEqual(doc, op);
    if (op.op === "add" || op.op === "replace") return structuredClone(op.value);
    throw new StatusError(badRequest(`JSON patch operation "${op.op}" cannot apply to the whole document`));
  }
  const last = parts[parts.length - 1];
  let parent: unknown = doc;
  for (const part of parts.slice(0, -1)) {
    parent = child(parent, part, op.path);
  }
  if (Array.isArray(parent)) {
    const index = last === "-" ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw new StatusError(badRequest(`JSON patch path "${op.path}": index ${last} is out of range`));
    }
    switch (op.op) {
      case "add": parent.splice(index, 0, structuredClone(op.value)); return doc;
      case "remove": requireIndex(parent, index, op.path); parent.splice(index, 1); return doc;
      case "replace": requireIndex(parent, index, op.path); parent[index] = structuredClone(op.value); return doc;
      case "test": assertEqual(parent[index], op); return doc;
    }
  } else if (isPlainObject(parent)) {
    switch (op.op) {
      case "add": parent[last] = structuredClone(op.value); return doc;
      case "remove": requireKey(parent, last, op.path); delete parent[last]; return doc;
      case "replace": requireKey(parent, last, op.path); parent[last] = structuredClone(op.value); return doc;
      case "test": assertEqual(parent[last], op); return doc;
    }
  } else {
    throw new StatusError(badRequest(`JSON patch path "${op.path}" does not point into an object or array`));
  }
  throw new StatusError(badRequest(`JSON patch operation "${op.op}" is not supported: use add, remove, replace or test`));
}

function child(node: unknown, part: string, path: string): unknown {
  if (Array.isArray(node) && /^\d+$/.test(part) && Number(part) < node.length) return node[Number(part)];
  if (isPlainObject(node) && part in node) return node[part];
  throw new StatusError(badRequest(`JSON patch path "${path}" does not exist in the object`));
}

function requireIndex(list: unknown[], index: number, path: string): void {
  if (index >= list.length) throw new StatusError(badRequest(`JSON patch path "${path}" does not exist in the object`));
}

function requireKey(map: Record<string, unknown>, key: string, path: string): void {
  if (!(key in map)) throw new StatusError(badRequest(`JSON patch path "${path}" does not exist in the object`));
}

function assertEqual(actual: unknown, op: Operation): unknown {
  if (JSON.stringify(actual) !== JSON.stringify(op.value)) {
    throw new StatusError(badRequest(`JSON patch test failed at "${op.path}": the value differs`));
  }
  return actual;
}
