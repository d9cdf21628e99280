// A container's environment as the kubelet makes it, against an in-memory source
// of ConfigMaps and Secrets: envFrom before env, a later definition winning in
// place, $(VAR) against what is defined before, pod fields and container
// resources, and every way a required source can be missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Container, EnvFromSource, EnvVar, Pod } from "@bosun/api";
import { makeEnvironment, type ContainerEnvironment, type EnvironmentInput } from "../src/pod/env/environment.js";
import { FakeEnvObjects } from "./support/env-objects.js";

const NS = "shop";

function pod(containers: Container[]): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web-1",
      namespace: NS,
      uid: "0f0e0d0c-0000-4000-8000-000000000001",
      labels: { app: "web", "app.kubernetes.io/part-of": "shop" },
      annotations: { "example.com/Owner": "team-a" },
    },
    spec: { nodeName: "node-7", serviceAccountName: "default", containers },
  };
}

function objects(): FakeEnvObjects {
  const o = new FakeEnvObjects();
  o.putConfigMap(NS, "settings", { LOG_LEVEL: "debug", MODE: "fast", "log.format": "json" });
  o.putSecret(NS, "db", { user: "admin", password: "s3cr=t" });
  return o;
}

async function envOf(spec: { env?: EnvVar[]; envFrom?: EnvFromSource[]; command?: string[]; args?: string[] }, extra: Partial<EnvironmentInput> = {}): Promise<ContainerEnvironment> {
  const container: Container = { name: "app", image: "img:1", ...spec };
  return makeEnvironment({
    pod: pod([container, { name: "sidecar", image: "img:1", resources: { limits: { memory: "64Mi" }, requests: { cpu: "250m", memory: "32Mi" } } }]),
    container,
    objects: objects(),
    nodeAllocatable: { cpu: "4", memory: "8Gi" },
    hostIPs: ["192.0.2.10"],
    podIPs: async () => ["10.244.1.7"],
    ...extra,
  });
}

/** The message a failed environment throws. */
async function failure(spec: Parameters<typeof envOf>[0], extra: Partial<EnvironmentInput> = {}): Promise<string> {
  try {
    await envOf(spec, extra);
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail("the environment was made");
}

test("envFrom first, prefixed; then env in order, a later name replacing an earlier one in place", async () => {
  const got = await envOf({
    envFrom: [{ configMapRef: { name: "settings" } }, { prefix: "DB_", secretRef: { name: "db" } }],
    env: [
      { name: "MODE", value: "slow" },
      { name: "PLAIN", value: "x" },
      { name: "EMPTY" },
      { name: "LEVEL", valueFrom: { configMapKeyRef: { name: "settings", key: "LOG_LEVEL" } } },
      { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
    ],
  });
  assert.deepEqual(got.env, [
    "LOG_LEVEL=debug",
    "MODE=slow",
    "log.format=json",
    "DB_user=admin",
    "DB_password=s3cr=t",
    "PLAIN=x",
    "EMPTY=",
    "LEVEL=debug",
    "PASSWORD=s3cr=t",
  ]);
  assert.deepEqual(got.warnings, []);
});

test("each ConfigMap and Secret is read once per container", async () => {
  const source = objects();
  await envOf(
    {
      envFrom: [{ configMapRef: { name: "settings" } }],
      env: [
        { name: "A", valueFrom: { configMapKeyRef: { name: "settings", key: "MODE" } } },
        { name: "B", valueFrom: { secretKeyRef: { name: "db", key: "user" } } },
        { name: "C", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
      ],
    },
    { objects: source },
  );
  assert.deepEqual(source.reads, [`configmap ${NS}/settings`, `secret ${NS}/db`]);
});

test("$(VAR) in values sees envFrom and earlier variables only; command and args see them all", async () => {
  const got = await envOf({
    envFrom: [{ configMapRef: { name: "settings" } }],
    env: [
      { name: "URL", value: "http://$(HOST):$(PORT)/$(MODE)" },
      { name: "HOST", value: "db" },
      { name: "PORT", value: "5432" },
      { name: "DSN", value: "$(HOST):$(PORT) $$(HOST) $(NOPE)" },
      { name: "NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    ],
    command: ["sh", "-c", "echo $(DSN) $(NAME)"],
    args: ["$(MODE)", "$$(MODE)", "$(UNDEFINED)"],
  });
  const vars = new Map(got.env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
  assert.equal(vars.get("URL"), "http://$(HOST):$(PORT)/fast");
  assert.equal(vars.get("DSN"), "db:5432 $(HOST) $(NOPE)");
  assert.deepEqual(got.command, ["sh", "-c", "echo db:5432 $(HOST) $(NOPE) web-1"]);
  assert.deepEqual(got.args, ["fast", "$(MODE)", "$(UNDEFINED)"]);
  const none = await envOf({});
  assert.equal(none.command, undefined, "no command: the image's entrypoint stays");
  assert.equal(none.args, undefined);
});

test("pod fields: metadata, labels and annotations, the node, the pod's and the node's addresses", async () => {
  const field = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath } } });
  const got = await envOf(
    {
      env: [
        field("NAME", "metadata.name"),
        field("NAMESPACE", "metadata.namespace"),
        field("UID", "metadata.uid"),
        field("APP", "metadata.labels['app']"),
        field("PART_OF", "metadata.labels['app.kubernetes.io/part-of']"),
        field("MISSING_LABEL", "metadata.labels['nope']"),
        field("OWNER", "metadata.annotations['example.com/Owner']"),
        field("NODE", "spec.nodeName"),
        field("OLD_NODE", "spec.host"),
        field("SA", "spec.serviceAccountName"),
        field("POD_IP", "status.podIP"),
        field("POD_IPS", "status.podIPs"),
        field("HOST_IP", "status.hostIP"),
        field("HOST_IPS", "status.hostIPs"),
      ],
    },
    { podIPs: async () => ["10.244.1.7", "fd00::7"], hostIPs: ["192.0.2.10", "2001:db8::10"] },
  );
  assert.deepEqual(got.env, [
    "NAME=web-1",
    `NAMESPACE=${NS}`,
    "UID=0f0e0d0c-0000-4000-8000-000000000001",
    "APP=web",
    "PART_OF=shop",
    "MISSING_LABEL=",
    "OWNER=team-a",
    "NODE=node-7",
    "OLD_NODE=node-7",
    "SA=default",
    "POD_IP=10.244.1.7",
    "POD_IPS=10.244.1.7,fd00::7",
    "HOST_IP=192.0.2.10",
    "HOST_IPS=192.0.2.10,2001:db8::10",
  ]);
});

test("the pod's addresses are looked up only when a variable names them", async () => {
  let asked = 0;
  await envOf({ env: [{ name: "A", value: "x" }] }, { podIPs: async () => (asked++, ["10.0.0.1"]) });
  assert.equal(asked, 0);
});

test("resources: in units of the divisor, rounded up; unset limits are the node's allocatable", async () => {
  const res = (name: string, resource: string, divisor?: string, containerName?: string): EnvVar => ({
    name,
    valueFrom: { resourceFieldRef: { resource, ...(divisor ? { divisor } : {}), ...(containerName ? { containerName } : {}) } },
  });
  const own = { limits: { cpu: "1500m", memory: "100Mi" }, requests: { cpu: "250m", memory: "1000" } };
  const got = await envOf({
    env: [
      res("CPU_LIMIT", "limits.cpu"),
      res("CPU_LIMIT_M", "limits.cpu", "1m"),
      res("CPU_REQUEST", "requests.cpu"),
      res("MEM_LIMIT_MI", "limits.memory", "1Mi"),
      res("MEM_LIMIT_G", "limits.memory", "1G"),
      res("MEM_REQUEST_KI", "requests.memory", "1Ki"),
      res("DISK_LIMIT", "limits.ephemeral-storage"),
      res("DISK_REQUEST", "requests.ephemeral-storage"),
      res("ZERO_DIVISOR", "limits.memory", "0"),
      res("SIDECAR_MEM", "limits.memory", "1Mi", "sidecar"),
      res("SIDECAR_CPU_LIMIT", "limits.cpu", "1", "sidecar"),
      res("SIDECAR_CPU_REQUEST", "requests.cpu", "1m", "sidecar"),
    ],
  });
  // The container under test sets no resources: its limits are the node's.
  assert.deepEqual(got.env.slice(0, 3), ["CPU_LIMIT=4", "CPU_LIMIT_M=4000", "CPU_REQUEST=0"]);
  const withOwn: Container = {
    name: "app",
    image: "img:1",
    resources: own,
    env: [res("CPU", "limits.cpu"), res("MI", "limits.memory", "1Mi"), res("G", "limits.memory", "1G"), res("KI", "requests.memory", "1Ki"), res("REQ_M", "requests.cpu", "1m")],
  };
  const mine = await makeEnvironment({
    pod: pod([withOwn]),
    container: withOwn,
    objects: undefined,
    nodeAllocatable: { cpu: "4", memory: "8Gi" },
    hostIPs: [],
    podIPs: async () => [],
  });
  assert.deepEqual(mine.env, ["CPU=2", "MI=100", "G=1", "KI=1", "REQ_M=250"]);
  assert.deepEqual(got.env.slice(3), [
    "MEM_LIMIT_MI=8192",
    "MEM_LIMIT_G=9",
    "MEM_REQUEST_KI=0",
    // No allocatable ephemeral storage is known: nothing stands in for the limit.
    "DISK_LIMIT=0",
    "DISK_REQUEST=0",
    `ZERO_DIVISOR=${8 * 1024 ** 3}`,
    "SIDECAR_MEM=64",
    "SIDECAR_CPU_LIMIT=4",
    "SIDECAR_CPU_REQUEST=250",
  ]);
  assert.equal(await failure({ env: [res("X", "limits.cpu", undefined, "ghost")] }), "container ghost not found");
});

test("optional sources that are missing are skipped; so are optional keys", async () => {
  const got = await envOf({
    envFrom: [{ configMapRef: { name: "absent", optional: true } }, { prefix: "S_", secretRef: { name: "absent", optional: true } }],
    env: [
      { name: "A", valueFrom: { configMapKeyRef: { name: "absent", key: "k", optional: true } } },
      { name: "B", valueFrom: { secretKeyRef: { name: "absent", key: "k", optional: true } } },
      { name: "C", valueFrom: { configMapKeyRef: { name: "settings", key: "absent", optional: true } } },
      { name: "D", valueFrom: { secretKeyRef: { name: "db", key: "absent", optional: true } } },
      { name: "E", value: "still here" },
    ],
  });
  assert.deepEqual(got.env, ["E=still here"]);
});

test("a required ConfigMap, Secret or key that is missing fails with the kubelet's message", async () => {
  assert.equal(await failure({ envFrom: [{ configMapRef: { name: "absent" } }] }), 'configmap "absent" not found');
  assert.equal(await failure({ envFrom: [{ secretRef: { name: "absent", optional: false } }] }), 'secret "absent" not found');
  assert.equal(await failure({ env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "absent", key: "k" } } }] }), 'configmap "absent" not found');
  assert.equal(await failure({ env: [{ name: "A", valueFrom: { secretKeyRef: { name: "absent", key: "k" } } }] }), 'secret "absent" not found');
  assert.equal(await failure({ env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "settings", key: "k" } } }] }), `couldn't find key k in ConfigMap ${NS}/settings`);
  assert.equal(await failure({ env: [{ name: "A", valueFrom: { secretKeyRef: { name: "db", key: "k" } } }] }), `couldn't find key k in Secret ${NS}/db`);
});

test("without an API client no ConfigMap or Secret can be read, optional or not; an unreachable API fails as itself", async () => {
  const configMapRef = { envFrom: [{ configMapRef: { name: "settings", optional: true } }] };
  assert.equal(await failure(configMapRef, { objects: undefined }), `couldn't get configMap ${NS}/settings, no kubeClient defined`);
  assert.equal(await failure({ env: [{ name: "A", valueFrom: { secretKeyRef: { name: "db", key: "user" } } }] }, { objects: undefined }), `couldn't get secret ${NS}/db, no kubeClient defined`);
  const down = objects();
  down.failure = new Error("connect ECONNREFUSED 127.0.0.1:6443");
  assert.equal(await failure(configMapRef, { objects: down }), "connect ECONNREFUSED 127.0.0.1:6443");
  // Plain values and pod fields need no API.
  assert.deepEqual((await envOf({ env: [{ name: "A", value: "1" }] }, { objects: undefined })).env, ["A=1"]);
});

test("envFrom keys that make no valid name are skipped, named in a warning", async () => {
  const source = objects();
  // Stored before validation refused such keys: '=' cannot be in a name.
  source.putConfigMap(NS, "odd", { "B=2": "x", GOOD: "y", "A=1": "z" });
  source.putSecret(NS, "odd", { "K=V": "x" });
  const got = await envOf({ envFrom: [{ prefix: "P_", configMapRef: { name: "odd" } }, { secretRef: { name: "odd" } }] }, { objects: source });
  assert.deepEqual(got.env, ["P_GOOD=y"]);
  assert.deepEqual(got.warnings, [
    {
      reason: "InvalidEnvironmentVariableNames",
      message: `Keys [P_A=1, P_B=2] from the EnvFrom configMap ${NS}/odd were skipped since they are considered invalid environment variable names.`,
    },
    {
      reason: "InvalidEnvironmentVariableNames",
      message: `Keys [K=V] from the EnvFrom secret ${NS}/odd were skipped since they are considered invalid environment variable names.`,
    },
  ]);
});
