import { resources, type ResourceInfo } from "@bosun/api";

/**
 * The kinds the garbage collector watches: every namespaced kind the API serves
 * that can be listed, watched and deleted, except Events, which Kubernetes'
 * collector ignores too (many, fast-changing, and they expire on their own).
 */
export function collectedResources(): ResourceInfo[] {
  return resources.filter(
    (r) => r.namespaced && r.resource !== "events" && ["list", "watch", "delete"].every((verb) => r.verbs.includes(verb)),
  );
}
