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

const subresourceVerbs: Record<string, string[]> = {
  status: ["get", "patch", "update"],
  binding: ["create"],
  log: ["get"],
};

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
    storageVersionHash: "",
  };
}

function subresourceEntry(r: ResourceInfo, sub: string): unknown {
  const kinds: Record<string, string> = { binding: "Binding", log: "Pod" };
  return {
    name: `${r.resource}/${sub}`,
    singularName: "",
    namespaced: r.namespaced,
    kind: kinds[sub] ?? r.kind,
    verbs: subresourceVerbs[sub] ?? ["get"],
  };
}
