// Equality as apimachinery's Semantic.DeepEqual sees API objects: key order does not
// matter, and an absent field, null, an empty map and an empty list are the same
// thing (JSON round trips and defaulting drop or add empty ones freely). Scalars
// compare strictly, and list order matters.
import { isPlainObject } from "./objects.js";

function deepEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.values(value).every(deepEmpty);
  return false;
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (deepEmpty(a) && deepEmpty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return false;
    return a.length === b.length && a.every((item, i) => semanticEqual(item, b[i]));
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    const ra = isPlainObject(a) ? a : deepEmpty(a) ? {} : undefined;
    const rb = isPlainObject(b) ? b : deepEmpty(b) ? {} : undefined;
    if (!ra || !rb) return false;
    for (const k of new Set([...Object.keys(ra), ...Object.keys(rb)])) if (!semanticEqual(ra[k], rb[k])) return false;
    return true;
  }
  return false;
}
