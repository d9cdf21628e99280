// Discovery documents, generated from the resources table so a new kind appears
// in kubectl's discovery the moment it is served.
import { resources, type ResourceInfo } from "@bosun/api";

export const serverVersion = {
  major: "1",
  minor: "33",
  gitVersion: "v1.33.0-bosun.0.1.0",
  gitCommit: "",
  gitTreeState: "clean",
  buildDate: "2025-01-01T00:00:00Z",
  goVersion: `node${process.versions.node}`,
  compiler: "tsc",
  platform: "linux/amd64",
};

/**
 * How each subresource the table lists is served: its verbs and, when it is not
 * the parent's, the kind it takes (kubectl scale and drain find the Scale and
 * Eviction group versions here).
 */
const subresources: Record<string, { verbs: string[]; kind?: string; group?: string; version?: string }> = {
  status: { verbs: ["get", "patch", "update"] },
  binding: { verbs: ["create"], kind: "Binding" },
  log: { verbs: ["get"], kind: "Pod" },
  scale: { verbs: ["get", "patch", "update"], kind: "Scale", group: "autoscaling", version: "v1" },
  eviction: { verbs: ["create"], kind: "Eviction", group: "policy", version: "v1" },
  token: { verbs: ["create"], kind: "TokenRequest", group: "authentication.k8s.io", version: "v1" },
  exec: { verbs: ["create", "get"], kind: "PodExecOptions" },
  attach: { verbs: ["create", "get"], kind: "PodAttachOptions" },
  portforward: { verbs: ["create", "get"], kind: "PodPortForwardOptions" },
  ephemeralcontainers: { verbs: ["get", "patch", "update"], kind: "Pod" },
};

/** Kinds `kubectl get all` lists, as Kubernetes puts them in the "all" category. */
const categoryAll = new Set(["Pod", "ReplicationController", "Service", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob"]);

/** metav1.APIResource: one entry of a group version's resource list. */
export interface APIResource {
  /** "pods", or "pods/log" for a subresource. */
  name: string;
  singularName: string;
  namespaced: boolean;
  /** Set only when the entry takes another group version's kind (pods/eviction, deployments/scale). */
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

/** The core group's versions, served under /api. */
export const coreVersions = ["v1"];

export function apiVersions(): unknown {
  return { kind: "APIVersions", versions: coreVersions, serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "" }] };
}

/** The named groups served under /apis and their versions, preferred first. */
export function servedGroups(): { name: string; versions: string[] }[] {
  const groups = new Map<string, Set<string>>();
  for (const r of resources) {
    if (r.group === "") continue;
    const versions = groups.get(r.group) ?? new Set<string>();
    versions.add(r.version);
    groups.set(r.group, versions);
  }
  return [...groups].map(([name, versions]) => ({ name, versions: [...versions] }));
}

export function apiGroupList(): unknown {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: servedGroups().map(({ name, versions }) => {
      const list = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
      return { name, versions: list, preferredVersion: list[0] };
    }),
  };
}

/** The resources and subresources of one group version, as legacy discovery lists them. */
export function apiResources(group: string, version: string): APIResource[] {
  return resources
    .filter((r) => r.group === group && r.version === version)
    .flatMap((r) => [resourceEntry(r), ...r.subresources.map((sub) => subresourceEntry(r, sub))]);
}

/** The APIResourceList of one group version, or undefined when nothing is served there. */
export function apiResourceList(group: string, version: string): unknown {
  const served = apiResources(group, version);
  if (served.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources: served,
  };
}

function resourceEntry(r: ResourceInfo): APIResource {
  return {
    name: r.resource,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
    shortNames: r.shortNames,
    ...(categoryAll.has(r.kind) ? { categories: ["all"] } : {}),
    storageVersionHash: "",
  };
}

function subresourceEntry(r: ResourceInfo, sub: string): APIResource {
  const served = subresources[sub];
  if (served === undefined) {
    throw new Error(`the resource table lists subresource ${r.resource}/${sub}, which discovery does not know: add it to discovery.ts`);
  }
  return {
    name: `${r.resource}/${sub}`,
    singularName: "",
    namespaced: r.namespaced,
    ...(served.group !== undefined ? { group: served.group, version: served.version } : {}),
    kind: served.kind ?? r.kind,
    verbs: served.verbs,
  };
}
