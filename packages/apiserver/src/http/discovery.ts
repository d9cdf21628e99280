// Discovery documents, generated from the resources table so a new kind appears
// in kubectl's discovery the moment it is served.
import { apiVersionOf, resources, type ResourceInfo } from "@bosun/api";

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
};

/** Kinds `kubectl get all` lists, as Kubernetes puts them in the "all" category. */
const categoryAll = new Set(["Pod", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob"]);

export function apiVersions(): unknown {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "" }] };
}

export function apiGroupList(): unknown {
  const groups = new Map<string, Set<string>>();
  for (const r of resources) {
    if (r.group === "") continue;
    const versions = groups.get(r.group) ?? new Set<string>();
    versions.add(r.version);
    groups.set(r.group, versions);
  }
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groups].map(([name, versions]) => {
      const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
      return { name, versions: list, preferredVersion: list[0] };
    }),
  };
}

/** The APIResourceList of one group version, or undefined when nothing is served there. */
export function apiResourceList(group: string, version: string): unknown {
  const served = resources.filter((r) => r.group === group && r.version === version);
  if (served.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOf(served[0]),
    resources: served.flatMap((r) => [resourceEntry(r), ...r.subresources.map((sub) => subresourceEntry(r, sub))]),
  };
}

function resourceEntry(r: ResourceInfo): unknown {
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

function subresourceEntry(r: ResourceInfo, sub: string): unknown {
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
