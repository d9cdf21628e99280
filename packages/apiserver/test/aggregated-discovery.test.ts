import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { resources } from "@bosun/api";
import { apiServerForSuite, call } from "../src/testing/index.js";

const v2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
const v2beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

type GVK = { group: string; version: string; kind: string };
type Resource = {
  resource: string;
  responseKind: GVK;
  scope: string;
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: { subresource: string; responseKind: GVK; verbs: string[] }[];
};
type DiscoveryList = {
  kind: string;
  apiVersion: string;
  items: { metadata: { name?: string }; versions: { version: string; freshness: string; resources: Resource[] }[] }[];
};

describe("aggregated discovery", () => {
  const api = apiServerForSuite();

  const get = <T = unknown>(path: string, headers: Record<string, string> = {}) => call<T>(api.url, "GET", path, undefined, undefined, headers);

  test("/apis answers an APIGroupDiscoveryList with the Content-Type that names it", async () => {
    const res = await get("/apis", { accept: `${v2},${v2beta1},application/json` });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
    assert.equal(res.headers.get("vary"), "Accept");
    const list = res.body as DiscoveryList;
    assert.deepEqual([list.kind, list.apiVersion], ["APIGroupDiscoveryList", "apidiscovery.k8s.io/v2"]);
    assert.deepEqual(list.items.map((g) => g.metadata.name), ["apps", "batch", "discovery.k8s.io", "networking.k8s.io", "policy", "scheduling.k8s.io", "storage.k8s.io"]);
    const apps = list.items[0]!.versions;
    assert.deepEqual(apps.map((v) => [v.version, v.freshness]), [["v1", "Current"]]);
    const deployments = apps[0]!.resources.find((r) => r.resource === "deployments")!;
    assert.deepEqual(
      { ...deployments, subresources: undefined },
      {
        resource: "deployments",
        responseKind: { group: "", version: "", kind: "Deployment" },
        scope: "Namespaced",
        singularResource: "deployment",
        verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
        shortNames: ["deploy"],
        categories: ["all"],
        subresources: undefined,
      },
    );
    assert.deepEqual(deployments.subresources, [
      { subresource: "status", responseKind: { group: "", version: "", kind: "Deployment" }, verbs: ["get", "patch", "update"] },
      { subresource: "scale", responseKind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] },
    ]);
    const jobs = list.items[1]!.versions[0]!.resources.find((r) => r.resource === "jobs")!;
    assert.equal(jobs.shortNames, undefined, "no empty shortNames");
    const served = resources.filter((r) => r.group !== "").map((r) => r.resource).sort();
    assert.deepEqual(list.items.flatMap((g) => g.versions[0]!.resources.map((r) => r.resource)).sort(), served, "every served resource, subresources nested");
  });

  test("/api in v2beta1: the core group with pods' subresources and cluster-scoped nodes", async () => {
    const res = await get("/api", { accept: `${v2beta1},application/json` });
    assert.equal(res.headers.get("content-type"), "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
    const list = res.body as DiscoveryList;
    assert.equal(list.apiVersion, "apidiscovery.k8s.io/v2beta1");
    assert.equal(list.items.length, 1);
    assert.deepEqual(list.items[0]!.metadata, {}, "the core group has no name");
    const core = new Map(list.items[0]!.versions[0]!.resources.map((r) => [r.resource, r]));
    assert.equal(core.get("nodes")?.scope, "Cluster");
    const pods = core.get("pods")!;
    assert.deepEqual([pods.singularResource, pods.shortNames, pods.categories], ["pod", ["po"], ["all"]]);
    const subresources = new Map(pods.subresources?.map((s) => [s.subresource, [s.responseKind.group, s.responseKind.kind, s.verbs.join(",")]]));
    assert.deepEqual(subresources.get("status"), ["", "Pod", "get,patch,update"]);
    assert.deepEqual(subresources.get("binding"), ["", "Binding", "create"]);
    assert.deepEqual(subresources.get("log"), ["", "Pod", "get"]);
    assert.deepEqual(subresources.get("eviction"), ["policy", "Eviction", "create"]);
    assert.equal(core.get("events")?.categories, undefined, "events are not in the all category");
  });

  test("an unchanged document is revalidated with its ETag", async () => {
    const first = await get("/apis", { accept: v2 });
    const etag = first.headers.get("etag");
    assert.match(etag ?? "", /^"[0-9A-F]{128}"$/);
    const again = await get("/apis", { accept: v2, "if-none-match": etag! });
    assert.equal(again.status, 304);
    assert.equal(again.body, "");
  });

  test("clients that do not ask get the legacy documents; unknown formats fall back or answer 406", async () => {
    const plain = await get("/apis");
    assert.match(plain.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal((plain.body as { kind: string }).kind, "APIGroupList");
    const versions = await get<{ kind: string }>("/api", { accept: "application/json" });
    assert.equal(versions.body.kind, "APIVersions");
    const unknownThenJson = await get("/apis", { accept: "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json" });
    assert.equal((unknownThenJson.body as { kind: string }).kind, "APIGroupList");
    const refused = await get("/apis", { accept: "application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList" });
    assert.equal(refused.status, 406);
    const status = refused.body as { kind: string; reason: string; message: string };
    assert.deepEqual([status.kind, status.reason], ["Status", "NotAcceptable"]);
    assert.match(status.message, /v=v2;as=APIGroupDiscoveryList/);
  });

  test("legacy group-version lists carry singularName and the all category", async () => {
    const res = await get("/api/v1");
    const list = res.body as { resources: { name: string; singularName: string; categories?: string[] }[] };
    const pods = list.resources.find((r) => r.name === "pods")!;
    assert.deepEqual([pods.singularName, pods.categories], ["pod", ["all"]]);
    assert.equal(list.resources.find((r) => r.name === "pods/log")?.singularName, "");
    const apps = (await get("/apis/apps/v1")).body as { resources: { name: string; singularName: string; categories?: string[] }[] };
    for (const name of ["deployments", "replicasets", "daemonsets", "statefulsets"]) {
      const entry = apps.resources.find((r) => r.name === name)!;
      assert.deepEqual([entry.singularName, entry.categories], [name.slice(0, -1), ["all"]], name);
    }
  });
});
