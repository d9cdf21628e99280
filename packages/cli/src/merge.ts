// How apply folds a manifest into the live object. Without kubectl's
// last-applied annotation and three-way merge, Bosun does the two-way part:
// fields in the manifest win, fields only the server set (defaults, nodeName,
// status) are kept, and lists of named items (containers, env, ports) are
// matched by name so server defaults inside them survive. Removing a field
// from a manifest therefore does not remove it from the object.
import { isPlainObject } from "@bosun/api";

function isNamedList(v: unknown): v is Record<string, unknown>[] {
  return Array.isArray(v) && v.length > 0 && v.every((e) => isPlainObject(e) && typeof e.name === "string");
}

/** True when every field the manifest sets already has that value in the live object. */
export function isSubset(desired: unknown, live: unknown): boolean {
  if (isPlainObject(desired)) {
    if (!isPlainObject(live)) return false;
    return Object.entries(desired).every(([k, v]) => isSubset(v, live[k]));
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || desired.length !== live.length) return false;
    return desired.every((v, i) => isSubset(v, live[i]));
  }
  if (typeof desired === "number" && typeof live === "string") return String(desired) === live;
  return desired === live;
}

/** The live object with the manifest's fields laid over it. */
export function mergeOver(live: unknown, desired: unknown): unknown {
  if (isPlainObject(desired) && isPlainObject(live)) {
    const out: Record<string, unknown> = { ...live };
    for (const [k, v] of Object.entries(desired)) out[k] = mergeOver(live[k], v);
    return out;
  }
  if (isNamedList(desired) && isNamedList(live)) {
    return desired.map((item) => {
      const match = live.find((l) => l.name === item.name);
      return match ? mergeOver(match, item) : item;
    });
  }
  return desired;
}
