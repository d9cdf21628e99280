// The table of kinds the API serves. The apiserver routes and stores by it, the
// client builds paths from it, and the CLI resolves names like "po" or "pods/web"
// through it: one list, so a new kind is added in one place.
import type { TSchema } from "@sinclair/typebox";
import { Binding, Event, Namespace, Node, Pod } from "./types/core.js";

export interface ResourceInfo {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Lower-case plural used in paths: "pods". */
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  /** Subresources served under {resource}/{name}/{sub}. */
  subresources: string[];
  schema: TSchema;
}

const allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export const resources: readonly ResourceInfo[] = [
  {
    group: "", version: "v1", resource: "namespaces", singular: "namespace", kind: "Namespace",
    listKind: "NamespaceList", namespaced: false, shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], subresources: ["status"],
    schema: Namespace,
  },
  {
    group: "", version: "v1", resource: "nodes", singular: "node", kind: "Node",
    listKind: "NodeList", namespaced: false, shortNames: ["no"],
    verbs: allVerbs, subresources: ["status"], schema: Node,
  },
  {
    group: "", version: "v1", resource: "pods", singular: "pod", kind: "Pod",
    listKind: "PodList", namespaced: true, shortNames: ["po"],
    verbs: allVerbs, subresources: ["status", "binding", "log"], schema: Pod,
  },
  {
    group: "", version: "v1", resource: "events", singular: "event", kind: "Event",
    listKind: "EventList", namespaced: true, shortNames: ["ev"],
    verbs: allVerbs, subresources: [], schema: Event,
  },
];

/** Schemas of request bodies that are not stored kinds. */
export const bindingSchema: TSchema = Binding;

export function apiVersionOf(info: ResourceInfo): string {
  return info.group === "" ? info.version : `${info.group}/${info.version}`;
}

export function resourceByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return resources.find((r) => r.kind === kind && apiVersionOf(r) === apiVersion);
}

export function resourceByPath(group: string, version: string, resource: string): ResourceInfo | undefined {
  return resources.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/** Resolves what a user types ("pods", "pod", "po", "Pod") to a resource. */
export function resourceByName(name: string): ResourceInfo | undefined {
  const n = name.toLowerCase();
  return resources.find(
    (r) => r.resource === n || r.singular === n || r.kind.toLowerCase() === n || r.shortNames.includes(n),
  );
}

/** A resource the code itself names ("pods"); its absence is a programming error. */
export function mustResource(name: string): ResourceInfo {
  const res = resourceByName(name);
  if (!res) throw new Error(`the API resource table has no "${name}"; the @bosun packages are out of step, rebuild with 'npm run build'`);
  return res;
}
