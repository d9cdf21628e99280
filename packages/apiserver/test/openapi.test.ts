import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { encodeSwaggerDocument } from "../src/http/openapi-v2-proto.js";
import { call, startTestApiServer, type TestApiServer } from "../src/testing/index.js";

type Schema = Record<string, unknown>;
interface V3Document {
  openapi: string;
  paths: Record<string, Record<string, Schema>>;
  components: { schemas: Record<string, Schema> };
}

/** Protobuf fields of one message: field number -> values (numbers for varints and doubles, bytes otherwise). */
function decode(bytes: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const fields = new Map<number, (number | Uint8Array)[]>();
  let i = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 1;
    for (;;) {
      const b = bytes[i++];
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
  };
  while (i < bytes.length) {
    const tag = varint();
    const [field, wire] = [Math.floor(tag / 8), tag % 8];
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 1) {
      value = Buffer.from(bytes.subarray(i, i + 8)).readDoubleLE();
      i += 8;
    } else if (wire === 2) {
      const len = varint();
      value = bytes.subarray(i, i + len);
      i += len;
    } else throw new Error(`unexpected wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const text = (v: number | Uint8Array | undefined): string => Buffer.from(v as Uint8Array).toString("utf8");

/** name -> Schema message of the Definitions of a Document. */
function definitionsOf(doc: Uint8Array): Map<string, Map<number, (number | Uint8Array)[]>> {
  const definitions = decode(decode(doc).get(9)![0] as Uint8Array);
  const out = new Map<string, Map<number, (number | Uint8Array)[]>>();
  for (const named of definitions.get(1) ?? []) {
    const pair = decode(named as Uint8Array);
    out.set(text(pair.get(1)![0]), decode(pair.get(2)![0] as Uint8Array));
  }
  return out;
}

/** The vendor extensions of a Schema message: name -> YAML text. */
function extensionsOf(schema: Map<number, (number | Uint8Array)[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const named of schema.get(31) ?? []) {
    const pair = decode(named as Uint8Array);
    out.set(text(pair.get(1)![0]), text(decode(pair.get(2)![0] as Uint8Array).get(2)![0]));
  }
  return out;
}

test("the Swagger protobuf encoding carries each field under gnostic's field number", () => {
  const bytes = encodeSwaggerDocument({
    swagger: "2.0",
    info: { title: "T", version: "v" },
    paths: {},
    definitions: {
      "a.B": {
        description: "B things",
        type: "object",
        required: ["x"],
        properties: {
          x: { type: "integer", minimum: 1.5 },
          m: { type: "object", additionalProperties: { $ref: "#/definitions/a.C" } },
          l: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "atomic" },
        },
        "x-kubernetes-group-version-kind": [{ group: "", kind: "B", version: "v1" }],
      },
    },
  });
  const doc = decode(bytes);
  assert.equal(text(doc.get(1)![0]), "2.0");
  assert.equal(text(decode(doc.get(2)![0] as Uint8Array).get(1)![0]), "T");
  const b = definitionsOf(bytes).get("a.B")!;
  assert.equal(text(b.get(4)![0]), "B things");
  assert.equal(text(decode(b.get(22)![0] as Uint8Array).get(1)![0]), "object");
  assert.deepEqual(b.get(19)!.map(text), ["x"]);
  assert.deepEqual(JSON.parse(extensionsOf(b).get("x-kubernetes-group-version-kind")!), [{ group: "", kind: "B", version: "v1" }]);
  const props = new Map(
    (decode(b.get(25)![0] as Uint8Array).get(1) ?? []).map((named) => {
      const pair = decode(named as Uint8Array);
      return [text(pair.get(1)![0]), decode(pair.get(2)![0] as Uint8Array)] as const;
    }),
  );
  assert.equal(props.get("x")!.get(9)![0], 1.5);
  const additional = decode(props.get("m")!.get(21)![0] as Uint8Array);
  assert.equal(text(decode(additional.get(1)![0] as Uint8Array).get(1)![0]), "#/definitions/a.C");
  const items = decode(props.get("l")!.get(23)![0] as Uint8Array);
  assert.equal(text(decode(decode(items.get(1)![0] as Uint8Array).get(22)![0] as Uint8Array).get(1)![0]), "string");
  assert.equal(extensionsOf(props.get("l")!).get("x-kubernetes-list-type"), '"atomic"');
});

describe("OpenAPI documents over HTTP", () => {
  let server: TestApiServer;
  let url: string;
  before(async () => {
    server = await startTestApiServer();
    url = server.url;
  });
  after(async () => {
    await server.stop();
  });

  test("/openapi/v3 lists one document per group-version, addressed by a hash of its content", async () => {
    const root = await call<{ paths: Record<string, { serverRelativeURL: string }> }>(url, "GET", "/openapi/v3");
    assert.equal(root.status, 200);
    assert.deepEqual(Object.keys(root.body.paths).sort(), ["api/v1", "apis/apps/v1", "apis/authentication.k8s.io/v1", "apis/autoscaling/v1", "apis/batch/v1", "apis/discovery.k8s.io/v1", "apis/networking.k8s.io/v1", "apis/policy/v1", "apis/scheduling.k8s.io/v1", "apis/storage.k8s.io/v1"]);
    for (const [gv, { serverRelativeURL }] of Object.entries(root.body.paths)) {
      const [path, hash] = serverRelativeURL.split("?hash=");
      assert.equal(path, `/openapi/v3/${gv}`);
      const res = await fetch(url + serverRelativeURL);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200);
      assert.equal(hash, createHash("sha512").update(body).digest("hex").toUpperCase(), gv);
      assert.equal(res.headers.get("etag"), `"${hash}"`);
      assert.equal(res.headers.get("cache-control"), "public, immutable");
      const again = await fetch(url + path, { headers: { "if-none-match": `"${hash}"` } });
      assert.equal(again.status, 304);
      assert.equal((await fetch(url + path)).headers.get("cache-control"), "no-cache, private", "without the hash it may change");
    }
    assert.equal((await call(url, "GET", "/openapi/v3/apis/nothing/v1")).status, 404);
    assert.equal((await call(url, "GET", "/openapi/v4")).status, 404);
  });

  test("a group-version document: operations kubectl reads, schemas of every kind it serves", async () => {
    const apps = (await call<V3Document>(url, "GET", "/openapi/v3/apis/apps/v1")).body;
    assert.equal(apps.openapi, "3.0.0");
    const item = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
    assert.deepEqual(Object.keys(item).sort(), ["delete", "get", "parameters", "patch", "put"]);
    assert.equal(item.patch.operationId, "patchAppsV1NamespacedDeployment");
    assert.deepEqual(item.patch["x-kubernetes-group-version-kind"], { group: "apps", version: "v1", kind: "Deployment" });
    const patchParams = (item.patch.parameters as { name: string; in: string }[]).map((p) => `${p.in}:${p.name}`);
    assert.ok(patchParams.includes("query:fieldValidation"));
    const patchTypes = Object.keys((item.patch.requestBody as { content: Record<string, unknown> }).content);
    assert.ok(patchTypes.includes("application/strategic-merge-patch+json"));
    assert.ok(patchTypes.includes("application/json-patch+json"));
    const collection = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments"];
    assert.equal(collection.get["x-kubernetes-action"], "list");
    assert.ok((collection.get.parameters as { name: string }[]).some((p) => p.name === "watch"));
    assert.equal(collection.post.operationId, "createAppsV1NamespacedDeployment");
    assert.ok(apps.paths["/apis/apps/v1/deployments"].get, "the all-namespaces list");
    const scale = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
    assert.deepEqual(scale.put["x-kubernetes-group-version-kind"], { group: "autoscaling", version: "v1", kind: "Scale" });
    assert.equal(apps.paths["/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}/scale"], undefined, "DaemonSets have no scale");
    const schemas = apps.components.schemas;
    for (const kind of ["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"]) {
      assert.deepEqual(schemas[`io.k8s.api.apps.v1.${kind}`]["x-kubernetes-group-version-kind"], [{ group: "apps", version: "v1", kind }]);
      assert.deepEqual(schemas[`io.k8s.api.apps.v1.${kind}List`]["x-kubernetes-group-version-kind"], [{ group: "apps", version: "v1", kind: `${kind}List` }]);
    }
    assert.ok(schemas["io.k8s.api.autoscaling.v1.Scale"]);
    assert.ok(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Status"]);
    assert.ok(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"]);
    for (const ref of JSON.stringify(apps).match(/#\/components\/schemas\/[^"]+/g) ?? []) {
      assert.ok(schemas[ref.slice("#/components/schemas/".length)], `dangling ${ref}`);
    }

    const core = (await call<V3Document>(url, "GET", "/openapi/v3/api/v1")).body;
    assert.ok(core.paths["/api/v1/nodes/{name}"].patch, "cluster-scoped objects have no namespace in their path");
    const podLog = core.paths["/api/v1/namespaces/{namespace}/pods/{name}/log"].get;
    assert.equal(podLog.operationId, "readCoreV1NamespacedPodLog");
    // Every query parameter logOptions reads, and nothing else.
    assert.deepEqual(
      (podLog.parameters as Array<{ name: string; schema: { type: string } }>).map((p) => [p.name, p.schema.type]),
      [
        ["container", "string"],
        ["follow", "boolean"],
        ["limitBytes", "integer"],
        ["previous", "boolean"],
        ["sinceSeconds", "integer"],
        ["sinceTime", "string"],
        ["tailLines", "integer"],
        ["timestamps", "boolean"],
      ],
    );
    assert.deepEqual(core.paths["/api/v1/namespaces/{namespace}/pods/{name}/eviction"].post["x-kubernetes-group-version-kind"], {
      group: "policy",
      version: "v1",
      kind: "Eviction",
    });
    assert.ok(core.components.schemas["io.k8s.api.core.v1.Binding"]);
    const batch = (await call<V3Document>(url, "GET", "/openapi/v3/apis/batch/v1")).body;
    assert.ok(batch.components.schemas["io.k8s.api.batch.v1.CronJob"]);
    assert.ok(batch.components.schemas["io.k8s.api.batch.v1.JobTemplateSpec"]);
    const autoscaling = (await call<V3Document>(url, "GET", "/openapi/v3/apis/autoscaling/v1")).body;
    assert.deepEqual(autoscaling.paths, {});
    assert.ok(autoscaling.components.schemas["io.k8s.api.autoscaling.v1.Scale"]);
  });

  test("/openapi/v2: the same schemas as Swagger definitions, in JSON or in kubectl's protobuf", async () => {
    const json = await call<{ swagger: string; definitions: Record<string, Schema> }>(url, "GET", "/openapi/v2");
    assert.equal(json.body.swagger, "2.0");
    const spec = json.body.definitions["io.k8s.api.core.v1.PodSpec"].properties as Record<string, Schema>;
    assert.deepEqual(spec.containers.items, { $ref: "#/definitions/io.k8s.api.core.v1.Container" });
    assert.equal(spec.containers["x-kubernetes-patch-merge-key"], "name");
    assert.deepEqual(json.body.definitions["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"], [
      { group: "apps", version: "v1", kind: "Deployment" },
    ]);
    const res = await fetch(`${url}/openapi/v2`, { headers: { accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf" } });
    assert.equal(res.headers.get("content-type"), "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
    const definitions = definitionsOf(new Uint8Array(await res.arrayBuffer()));
    assert.deepEqual([...definitions.keys()].sort(), Object.keys(json.body.definitions).sort());
    const deployment = definitions.get("io.k8s.api.apps.v1.Deployment")!;
    assert.deepEqual(JSON.parse(extensionsOf(deployment).get("x-kubernetes-group-version-kind")!), [{ group: "apps", version: "v1", kind: "Deployment" }]);
  });
});
