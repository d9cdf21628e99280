// /api and /apis in both discovery formats. A client that asks with
// `Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`
// (kubectl 1.26+, client-go) gets every group, version and resource in one
// APIGroupDiscoveryList, built from the same entries as the legacy per-group-version
// lists, the way Kubernetes converts them (endpoints/discovery/aggregated); others
// get the legacy APIVersions or APIGroupList.
import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { negotiate } from "./accept.js";
import { apiGroupList, apiResources, apiVersions, coreVersions, servedGroups, type APIResource } from "./discovery.js";

const discoveryGroup = "apidiscovery.k8s.io";
const discoveryVersions = ["v2", "v2beta1"] as const;
type DiscoveryVersion = (typeof discoveryVersions)[number];

const offered = [
  "application/json",
  `application/json;g=${discoveryGroup};v=v2;as=APIGroupDiscoveryList`,
  `application/json;g=${discoveryGroup};v=v2beta1;as=APIGroupDiscoveryList`,
];

interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

interface APISubresourceDiscovery {
  subresource: string;
  responseKind: GroupVersionKind;
  verbs: string[];
}

interface APIResourceDiscovery {
  resource: string;
  responseKind: GroupVersionKind;
  scope: "Namespaced" | "Cluster";
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
}

/** Answers GET /api or /apis in the format the client asked for. */
export function serveDiscoveryRoot(req: FastifyRequest, reply: FastifyReply, root: "/api" | "/apis"): void {
  const version = negotiate<DiscoveryVersion | "legacy">(
    req.headers.accept,
    "legacy",
    (t) => (t.group === discoveryGroup && t.kind === "APIGroupDiscoveryList" ? discoveryVersions.find((v) => v === t.version) : undefined),
    offered,
  );
  if (version === "legacy") return void reply.send(root === "/api" ? apiVersions() : apiGroupList());
  const body = JSON.stringify(aggregatedDiscovery(root, version));
  // As Kubernetes: an ETag over the document, so clients revalidate instead of refetching.
  const etag = JSON.stringify(createHash("sha512").update(body).digest("hex").toUpperCase());
  reply.header("ETag", etag).header("Vary", "Accept").header("Cache-Control", "public");
  if (req.headers["if-none-match"] === etag) return void reply.code(304).send();
  // client-go reads the document's format from the Content-Type, so it names it; a
  // Buffer keeps fastify from rewriting the header (quoting, adding a charset).
  void reply.header("Content-Type", `application/json;g=${discoveryGroup};v=${version};as=APIGroupDiscoveryList`).send(Buffer.from(body));
}

/** The APIGroupDiscoveryList of /api (the core group) or /apis (the named groups). */
export function aggregatedDiscovery(root: "/api" | "/apis", version: DiscoveryVersion): unknown {
  const groups = root === "/api" ? [{ name: "", versions: coreVersions }] : servedGroups();
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: `${discoveryGroup}/${version}`,
    metadata: {},
    items: groups.map(({ name, versions }) => ({
      metadata: name === "" ? {} : { name },
      versions: versions.map((v) => ({ version: v, resources: toDiscovery(apiResources(name, v)), freshness: "Current" })),
    })),
  };
}

/**
 * ConvertGroupVersionIntoToDiscovery: each resource with its subresources nested.
 * A responseKind names a group and version only where the legacy entry does (a
 * subresource of another group's kind), exactly as Kubernetes fills it.
 */
function toDiscovery(entries: readonly APIResource[]): APIResourceDiscovery[] {
  const byName = new Map<string, APIResourceDiscovery>();
  for (const r of entries) {
    if (r.name.includes("/")) continue;
    byName.set(r.name, {
      resource: r.name,
      responseKind: responseKind(r),
      scope: r.namespaced ? "Namespaced" : "Cluster",
      singularResource: r.singularName,
      verbs: r.verbs,
      ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories?.length ? { categories: r.categories } : {}),
    });
  }
  for (const r of entries) {
    const [parent, subresource] = r.name.split("/", 2);
    if (subresource === undefined) continue;
    const owner = byName.get(parent!);
    if (owner === undefined) throw new Error(`discovery lists ${r.name} without its resource ${parent}: list ${parent} in the resource table`);
    (owner.subresources ??= []).push({ subresource, responseKind: responseKind(r), verbs: r.verbs });
  }
  return [...byName.values()];
}

function responseKind(r: APIResource): GroupVersionKind {
  return { group: r.group ?? "", version: r.version ?? "", kind: r.kind };
}
