// Objects sent as Kubernetes protobuf over HTTP against a real etcd: stored exactly
// as the same objects sent as JSON, answered in JSON, refused with nothing stored
// when the body is bad; and real kubectl 1.33, which sends protobuf from its create
// generators, makes the same objects kubectl 1.27 makes with JSON.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { apps, core } from "@bosun/proto/k8s";
import { apiServerForSuite, call, protobufBody, protobufMediaType, runKubectl, startedTestPki } from "../src/testing/index.js";

type Obj = { apiVersion: string; kind: string; metadata: Record<string, unknown> & { name: string; resourceVersion: string } } & Record<string, unknown>;
type StatusBody = { kind: string; code: number; reason: string; message: string; details?: { causes?: { field?: string }[] } };

const namespaces = "/api/v1/namespaces";
const secrets = "/api/v1/namespaces/default/secrets";
const services = "/api/v1/namespaces/default/services";
const deployments = "/apis/apps/v1/namespaces/default/deployments";

/**
 * An object as stored, without what differs between two creations of the same
 * object: its name and namespace, identity, times, and what the server allocates.
 */
function comparable(object: Obj, uidLabels = false): Obj {
  const copy = structuredClone(object);
  for (const key of ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"]) delete copy.metadata[key];
  const labels = copy.metadata.labels as Record<string, string> | undefined;
  delete labels?.["kubernetes.io/metadata.name"];
  for (const entry of (copy.metadata.managedFields ?? []) as Record<string, unknown>[]) delete entry.time;
  // kubectl's JSON (up to 1.33) holds "creationTimestamp": null, kept as sent and recorded by the
  // field manager; its protobuf, like the JSON of kubectl 1.34 and later, leaves the zero time out.
  dropNullCreationTimestamps(copy);
  const spec = copy.spec as Record<string, unknown> | undefined;
  if (copy.kind === "Service" && spec) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    for (const port of (spec.ports ?? []) as Record<string, unknown>[]) delete port.nodePort;
  }
  // A Job's generated selector and pod labels hold its uid.
  if (uidLabels) return JSON.parse(JSON.stringify(copy).replace(/"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"/g, '"<uid>"')) as Obj;
  return copy;
}

function dropNullCreationTimestamps(value: unknown): void {
  if (typeof value !== "object" || value === null) return;
  const object = value as Record<string, unknown>;
  if (object.creationTimestamp === null) delete object.creationTimestamp;
  if ("f:creationTimestamp" in object) {
    delete object["f:creationTimestamp"];
    // A field set that held only the timestamp is then empty: no "." for itself either.
    if (Object.keys(object).join() === ".") delete object["."];
  }
  for (const child of Object.values(object)) dropNullCreationTimestamps(child);
}

describe("protobuf request bodies", () => {
  const api = apiServerForSuite();
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bosun-protobuf-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  /** The keys etcd holds for namespaces, secrets, services, deployments and pods. */
  async function storedKeys(): Promise<string[]> {
    const etcd = new Etcd3({ hosts: api.server.etcd.endpoint });
    try {
      const keys = await etcd.getAll().prefix("/registry/").keys();
      return keys.filter((k) => /\/(namespaces|secrets|services|deployments|pods)\//.test(k)).sort();
    } finally {
      etcd.close();
    }
  }

  test("a namespace, a secret, a service and a deployment sent as protobuf are stored as the same objects sent as JSON", async () => {
    const labels = new Map([["app", "web"]]);
    const cases: { path: string; protobuf: Buffer; json: (name: string) => Record<string, unknown> }[] = [
      {
        path: namespaces,
        protobuf: protobufBody("v1", "Namespace", core.Namespace.encode(core.Namespace.fromPartial({ metadata: { name: "pb", labels } })).finish()),
        json: (name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { app: "web" } } }),
      },
      {
        path: secrets,
        protobuf: protobufBody(
          "v1",
          "Secret",
          core.Secret.encode(core.Secret.fromPartial({ metadata: { name: "pb" }, data: new Map([["key", Buffer.from("värde")]]), stringData: new Map([["user", "admin"]]) })).finish(),
        ),
        json: (name) => ({ apiVersion: "v1", kind: "Secret", metadata: { name }, data: { key: Buffer.from("värde").toString("base64") }, stringData: { user: "admin" } }),
      },
      {
        path: services,
        protobuf: protobufBody(
          "v1",
          "Service",
          core.Service.encode(
            core.Service.fromPartial({
              metadata: { name: "pb" },
              spec: { type: "NodePort", selector: labels, ports: [{ name: "http", port: 80, targetPort: { type: 1, strVal: "http" } }, { name: "alt", port: 81, targetPort: { intVal: 8081 } }] },
            }),
          ).finish(),
        ),
        json: (name) => ({
          apiVersion: "v1",
          kind: "Service",
          metadata: { name },
          spec: { type: "NodePort", selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }, { name: "alt", port: 81, targetPort: 8081 }] },
        }),
      },
      {
        path: deployments,
        protobuf: protobufBody(
          "apps/v1",
          "Deployment",
          apps.Deployment.encode(
            apps.Deployment.fromPartial({
              metadata: { name: "pb" },
              spec: {
                replicas: 0,
                selector: { matchLabels: labels },
                template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "app", image: "bosun.local/busybox:1", ports: [{ name: "http", containerPort: 8080 }] }] } },
              },
            }),
          ).finish(),
        ),
        json: (name) => ({
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name },
          spec: {
            replicas: 0,
            selector: { matchLabels: { app: "web" } },
            template: { metadata: { labels: { app: "web" } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "app", image: "bosun.local/busybox:1", ports: [{ name: "http", containerPort: 8080 }] }] } },
          },
        }),
      },
    ];
    for (const { path, protobuf, json } of cases) {
      const fromProtobuf = await call<Obj>(api.url, "POST", path, protobuf, protobufMediaType, { accept: "application/vnd.kubernetes.protobuf, application/json" });
      assert.equal(fromProtobuf.status, 201, JSON.stringify(fromProtobuf.body));
      // Bosun encodes no protobuf: the answer is JSON, which client-go reads when it also accepts JSON.
      assert.match(fromProtobuf.headers.get("content-type") ?? "", /^application\/json/);
      assert.equal(fromProtobuf.body.metadata.name, "pb");
      const fromJson = await call<Obj>(api.url, "POST", path, json("json"));
      assert.equal(fromJson.status, 201, JSON.stringify(fromJson.body));
      const stored = await call<Obj>(api.url, "GET", `${path}/pb`);
      assert.equal(stored.status, 200);
      assert.deepEqual(comparable(stored.body), comparable((await call<Obj>(api.url, "GET", `${path}/json`)).body), `${path}: the same object both ways`);
    }
    const secret = await call<Obj>(api.url, "GET", `${secrets}/pb`);
    assert.deepEqual(secret.body.data, { key: Buffer.from("värde").toString("base64"), user: Buffer.from("admin").toString("base64") });
  });

  test("an update sent as protobuf, with its resourceVersion", async () => {
    const current = await call<Obj>(api.url, "GET", `${namespaces}/pb`);
    const body = (resourceVersion: string) =>
      protobufBody("v1", "Namespace", core.Namespace.encode(core.Namespace.fromPartial({ metadata: { name: "pb", resourceVersion, labels: new Map([["stage", "two"]]) } })).finish());
    const updated = await call<Obj>(api.url, "PUT", `${namespaces}/pb`, body(current.body.metadata.resourceVersion), protobufMediaType);
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.deepEqual(updated.body.metadata.labels, { stage: "two", "kubernetes.io/metadata.name": "pb" });
    const stale = await call<StatusBody>(api.url, "PUT", `${namespaces}/pb`, body(current.body.metadata.resourceVersion), protobufMediaType);
    assert.deepEqual([stale.status, stale.body.reason], [409, "Conflict"]);
  });

  test("bad bodies are 400 (or 415 for a kind Bosun does not decode, 422 for an invalid object) and store nothing", async () => {
    const before = await storedKeys();
    const namespace = (name: string) => core.Namespace.encode(core.Namespace.fromPartial({ metadata: { name } })).finish();
    const withUnknownField = apps.Deployment.fromPartial({ metadata: { name: "newer" }, spec: { template: { spec: { containers: [{ name: "app", image: "busybox" }] } } } });
    withUnknownField.spec!.template!.spec!.containers[0]._unknownFields = { [(99 << 3) | 0]: [Uint8Array.of(1)] };
    const refused: [string, Buffer | string, number, RegExp][] = [
      [namespaces, '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"json"}}', 400, /not Kubernetes protobuf: it does not begin with the bytes "k8s\\0"/],
      [namespaces, protobufBody("v1", "Namespace", namespace("cut")).subarray(0, 12), 400, /envelope \(runtime\.Unknown\) cannot be decoded/],
      [namespaces, protobufBody("v1", "Namespace", namespace("cut").subarray(0, 5)), 400, /its Namespace cannot be decoded/],
      [namespaces, protobufBody("v1", "Namespace", namespace("zipped"), { contentEncoding: "gzip" }), 400, /encoded as "gzip"/],
      [namespaces, protobufBody("v1", "Secret", core.Secret.encode(core.Secret.fromPartial({ metadata: { name: "wrong-kind" } })).finish()), 400, /holds a Secret \(v1\), but namespaces are Namespace/],
      [deployments, protobufBody("apps/v1", "Deployment", apps.Deployment.encode(withUnknownField).finish()), 400, /sets field 99 of Container at spec\.template\.spec\.containers\[0\]/],
      ["/api/v1/namespaces/default/pods", protobufBody("v1", "Pod", Buffer.alloc(0)), 415, /not for Pod/],
      // Decoded, then validated as any JSON body is.
      [namespaces, protobufBody("v1", "Namespace", namespace("Not_A_Name")), 422, /metadata\.name: Invalid value: "Not_A_Name"/],
    ];
    for (const [path, body, code, message] of refused) {
      const res = await call<StatusBody>(api.url, "POST", path, body, protobufMediaType);
      assert.equal(res.status, code, `${message}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.kind, "Status");
      assert.match(res.body.message, message);
    }
    assert.deepEqual(await storedKeys(), before, "nothing was written");
    for (const name of ["cut", "zipped", "wrong-kind"]) assert.equal((await call(api.url, "GET", `${namespaces}/${name}`)).status, 404, name);
    assert.equal((await call(api.url, "GET", `${deployments}/newer`)).status, 404);
  });

  test("kubectl 1.33's create generators (protobuf) make the objects kubectl 1.27's (JSON) make", async () => {
    const pki = startedTestPki();
    const fromFile = join(dir, "settings.conf");
    await writeFile(fromFile, "mode=fast\n");
    const generators: { args: string[]; created: string; path: (ns: string) => string; uidLabels?: boolean }[] = [
      { args: ["secret", "generic", "opaque", "--from-literal=a=b", "--from-literal=empty="], created: "secret/opaque", path: (ns) => `/api/v1/namespaces/${ns}/secrets/opaque` },
      { args: ["secret", "tls", "tls", `--cert=${pki.files.cert}`, `--key=${pki.files.key}`], created: "secret/tls", path: (ns) => `/api/v1/namespaces/${ns}/secrets/tls` },
      {
        args: ["secret", "docker-registry", "registry", "--docker-server=registry.example", "--docker-username=u", "--docker-password=p"],
        created: "secret/registry",
        path: (ns) => `/api/v1/namespaces/${ns}/secrets/registry`,
      },
      { args: ["configmap", "settings", "--from-literal=a=b", `--from-file=${fromFile}`], created: "configmap/settings", path: (ns) => `/api/v1/namespaces/${ns}/configmaps/settings` },
      { args: ["service", "clusterip", "web", "--tcp=80:8080"], created: "service/web", path: (ns) => `/api/v1/namespaces/${ns}/services/web` },
      { args: ["service", "nodeport", "web-np", "--tcp=81:http"], created: "service/web-np", path: (ns) => `/api/v1/namespaces/${ns}/services/web-np` },
      { args: ["service", "externalname", "db", "--external-name=db.example"], created: "service/db", path: (ns) => `/api/v1/namespaces/${ns}/services/db` },
      {
        args: ["deployment", "app", "--image=bosun.local/busybox:1", "--replicas=0", "--port=80", "--", "sh", "-c", "sleep 1"],
        created: "deployment.apps/app",
        path: (ns) => `/apis/apps/v1/namespaces/${ns}/deployments/app`,
      },
      { args: ["job", "once", "--image=bosun.local/busybox:1", "--", "echo", "hi"], created: "job.batch/once", path: (ns) => `/apis/batch/v1/namespaces/${ns}/jobs/once`, uidLabels: true },
      { args: ["cronjob", "tick", "--image=bosun.local/busybox:1", "--schedule=*/5 * * * *"], created: "cronjob.batch/tick", path: (ns) => `/apis/batch/v1/namespaces/${ns}/cronjobs/tick` },
      { args: ["ingress", "site", "--class=bosun", "--rule=a.example/*=web:80"], created: "ingress.networking.k8s.io/site", path: (ns) => `/apis/networking.k8s.io/v1/namespaces/${ns}/ingresses/site` },
      {
        args: ["poddisruptionbudget", "web", "--selector=app=web", "--min-available=50%"],
        created: "poddisruptionbudget.policy/web",
        path: (ns) => `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/web`,
      },
    ];
    const versions = ["1.33", "1.27"] as const;
    const ns = (version: string) => `via-${version.replace(".", "-")}`;
    const kubectl = (version: string, ...args: string[]) => runKubectl({ server: api.url, dir, version, cache: `cache-${version}` }, ...args);
    // Logged requests (-v=8) show which encoding each version sent: 1.33 protobuf, 1.27 JSON.
    const sent = (version: string, stderr: string, what: string) =>
      assert.equal(/Content-Type: application\/vnd\.kubernetes\.protobuf/.test(stderr), version === "1.33", `kubectl ${version} ${what} sent protobuf: ${stderr}`);
    for (const version of versions) {
      const made = await kubectl(version, "-v=8", "create", "namespace", ns(version));
      assert.equal(made.stdout, `namespace/${ns(version)} created\n`);
      sent(version, made.stderr, "create namespace");
      for (const { args, created } of generators) {
        // Flags before the arguments: some generators end with `-- command`.
        const [what, ...rest] = args;
        const { stdout, stderr } = await kubectl(version, "-v=8", "create", "-n", ns(version), what!, ...rest);
        assert.equal(stdout, `${created} created\n`, `kubectl ${version} create ${args.join(" ")}`);
        sent(version, stderr, `create ${args.join(" ")}`);
      }
    }
    const namespacesMade = await Promise.all(versions.map(async (v) => comparable((await call<Obj>(api.url, "GET", `${namespaces}/${ns(v)}`)).body)));
    assert.deepEqual(namespacesMade[0], namespacesMade[1], "create namespace");
    for (const { args, path, uidLabels } of generators) {
      const [a, b] = await Promise.all(versions.map((v) => call<Obj>(api.url, "GET", path(ns(v)))));
      assert.equal(a!.status, 200, `${args.join(" ")}: ${JSON.stringify(a!.body)}`);
      assert.deepEqual(comparable(a!.body, uidLabels), comparable(b!.body, uidLabels), `kubectl create ${args.join(" ")}`);
    }
    // A PriorityClass is cluster-scoped, so each version makes its own; a value of 0 is kept.
    const classes = await Promise.all(
      versions.map(async (version) => {
        const name = `zero-${version.replace(".", "-")}`;
        const { stdout, stderr } = await kubectl(version, "-v=8", "create", "priorityclass", name, "--value=0", "--description=nothing special", "--preemption-policy=Never");
        assert.equal(stdout, `priorityclass.scheduling.k8s.io/${name} created\n`);
        sent(version, stderr, "create priorityclass");
        const got = await call<Obj>(api.url, "GET", `/apis/scheduling.k8s.io/v1/priorityclasses/${name}`);
        assert.equal(got.status, 200, JSON.stringify(got.body));
        const { metadata: _metadata, ...rest } = got.body;
        return rest;
      }),
    );
    assert.deepEqual(classes[0], classes[1], "kubectl create priorityclass");
    assert.deepEqual(classes[0], { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", value: 0, description: "nothing special", preemptionPolicy: "Never" });
  });
});
