// The pod fields the agent makes as the kubelet does: the Services' variables
// (compared with what the kubelet's envvars.FromServices gives for the same
// Services), the hosts file, the hostname with setHostnameAsFQDN, and termination
// messages with FallbackToLogsOnError, and ephemeral-storage limits enforced by
// eviction in the node's measuring loop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { Container, Pod, Service } from "@bosun/api";
import { makeEnvironment } from "../src/pod/env/environment.js";
import { serviceLinkVariables, serviceVariables, type ServiceLister } from "../src/pod/env/service-links.js";
import { hostNetworkHostsFile, managedHostsFile } from "../src/pod/hosts-file.js";
import { kernelHostname, podHostNameAndDomain } from "../src/pod/hostname.js";
import { HostsHook } from "../src/pod/hooks/hosts.js";
import { readTerminationMessage, stateMessage, TerminationMessageHook } from "../src/pod/termination-message.js";
import { ephemeralStorageEviction, hasEphemeralStorageLimit, podEphemeralStorageLimit } from "../src/pod/ephemeral-storage.js";
import { EmptyDirLimits } from "../src/volumes/empty-dir-limits.js";
import { PodVolumeDirs } from "../src/volumes/paths.js";
import { LABEL_POD_IP, LABEL_RESTART_COUNT, LABEL_TERMINATION_MESSAGE_FILE, LABEL_TERMINATION_MESSAGE_POLICY } from "../src/labels.js";
import type { ContainerCreateSpec, ContainerDetails, LogOptions } from "../src/runtime/runtime.js";

function service(namespace: string, name: string, clusterIP: string, ports: { name?: string; port: number; protocol?: "TCP" | "UDP" }[]): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { namespace, name }, spec: { clusterIP, ports } };
}

const kubernetes = service("default", "kubernetes", "10.96.0.1", [{ name: "https", port: 443, protocol: "TCP" }]);
const mySvc = service("shop", "my-svc", "10.96.0.20", [
  { name: "http", port: 80, protocol: "TCP" },
  { name: "dns-udp", port: 53, protocol: "UDP" },
]);
const redis = service("shop", "redis", "10.96.0.21", [{ port: 6379 }]);
const headless = service("shop", "peers", "None", [{ port: 7000 }]);
const elsewhere = service("other", "billing", "10.96.0.30", [{ port: 8080 }]);

function lister(services: Service[], synced = true): ServiceLister {
  return { hasSynced: () => synced, list: () => services };
}

// What the kubelet gives (envvars.FromServices): a named and an unnamed port, TCP and UDP.
const kubeletMySvc = [
  ["MY_SVC_SERVICE_HOST", "10.96.0.20"],
  ["MY_SVC_SERVICE_PORT", "80"],
  ["MY_SVC_SERVICE_PORT_HTTP", "80"],
  ["MY_SVC_SERVICE_PORT_DNS_UDP", "53"],
  ["MY_SVC_PORT", "tcp://10.96.0.20:80"],
  ["MY_SVC_PORT_80_TCP", "tcp://10.96.0.20:80"],
  ["MY_SVC_PORT_80_TCP_PROTO", "tcp"],
  ["MY_SVC_PORT_80_TCP_PORT", "80"],
  ["MY_SVC_PORT_80_TCP_ADDR", "10.96.0.20"],
  ["MY_SVC_PORT_53_UDP", "udp://10.96.0.20:53"],
  ["MY_SVC_PORT_53_UDP_PROTO", "udp"],
  ["MY_SVC_PORT_53_UDP_PORT", "53"],
  ["MY_SVC_PORT_53_UDP_ADDR", "10.96.0.20"],
];
const kubeletRedis = [
  ["REDIS_SERVICE_HOST", "10.96.0.21"],
  ["REDIS_SERVICE_PORT", "6379"],
  ["REDIS_PORT", "tcp://10.96.0.21:6379"],
  ["REDIS_PORT_6379_TCP", "tcp://10.96.0.21:6379"],
  ["REDIS_PORT_6379_TCP_PROTO", "tcp"],
  ["REDIS_PORT_6379_TCP_PORT", "6379"],
  ["REDIS_PORT_6379_TCP_ADDR", "10.96.0.21"],
];
const kubeletKubernetes = [
  ["KUBERNETES_SERVICE_HOST", "10.96.0.1"],
  ["KUBERNETES_SERVICE_PORT", "443"],
  ["KUBERNETES_SERVICE_PORT_HTTPS", "443"],
  ["KUBERNETES_PORT", "tcp://10.96.0.1:443"],
  ["KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443"],
  ["KUBERNETES_PORT_443_TCP_PROTO", "tcp"],
  ["KUBERNETES_PORT_443_TCP_PORT", "443"],
  ["KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1"],
];

test("each Service's variables are the kubelet's, named and unnamed ports alike; headless Services have none", () => {
  assert.deepEqual(serviceVariables([mySvc]), kubeletMySvc);
  assert.deepEqual(serviceVariables([redis]), kubeletRedis);
  assert.deepEqual(serviceVariables([kubernetes]), kubeletKubernetes);
  assert.deepEqual(serviceVariables([headless]), []);
});

test("a pod sees its namespace's Services and always the kubernetes Service, never another namespace's", () => {
  const all = lister([kubernetes, mySvc, redis, headless, elsewhere]);
  assert.deepEqual([...serviceLinkVariables("shop", true, all)], [...kubeletKubernetes, ...kubeletMySvc, ...kubeletRedis]);
  // enableServiceLinks false: only the API's, as the kubelet keeps for in-cluster clients.
  assert.deepEqual([...serviceLinkVariables("shop", false, all)], kubeletKubernetes);
  // A pod of default sees the kubernetes Service once.
  assert.deepEqual([...serviceLinkVariables("default", true, all)], kubeletKubernetes);
  // Without API servers there are none; before the first list, the kubelet's error.
  assert.equal(serviceLinkVariables("shop", true, undefined).size, 0);
  assert.throws(() => serviceLinkVariables("shop", true, lister([], false)), /services have not yet been read at least once, cannot construct envvars/);
});

test("a Service named kubernetes in the pod's own namespace wins over the API's, as in the kubelet", () => {
  const own = service("shop", "kubernetes", "10.96.0.99", [{ port: 80 }]);
  for (const order of [[kubernetes, own], [own, kubernetes]]) {
    assert.equal(serviceLinkVariables("shop", true, lister(order)).get("KUBERNETES_SERVICE_HOST"), "10.96.0.99");
  }
});

function pod(spec: Partial<Pod["spec"]> = {}, name = "web-1"): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "shop", uid: "uid-1" },
    spec: { containers: [{ name: "app", image: "img:1" }], ...spec },
  };
}

test("the container's own variables win over the Services', which $(VAR) and command expansion see", async () => {
  const container: Container = {
    name: "app",
    image: "img:1",
    env: [
      { name: "REDIS_SERVICE_PORT", value: "1234" },
      { name: "API", value: "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)" },
    ],
    command: ["echo", "$(MY_SVC_SERVICE_HOST)"],
  };
  const env = await makeEnvironment({
    pod: pod({ containers: [container] }),
    container,
    objects: undefined,
    services: lister([kubernetes, mySvc, redis]),
    nodeAllocatable: {},
    hostIPs: ["192.0.2.10"],
    podIPs: async () => ["10.244.1.7"],
  });
  const vars = new Map(env.env.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]));
  assert.equal(vars.get("REDIS_SERVICE_PORT"), "1234");
  assert.equal(vars.get("API"), "https://10.96.0.1:443");
  assert.equal(vars.get("REDIS_SERVICE_HOST"), "10.96.0.21");
  assert.deepEqual(env.command, ["echo", "10.96.0.20"]);
  // The container's own come first, in their order.
  assert.deepEqual(env.env.slice(0, 2), ["REDIS_SERVICE_PORT=1234", "API=https://10.96.0.1:443"]);
  assert.equal(env.env.filter((l) => l.startsWith("REDIS_SERVICE_PORT=")).length, 1);
});

test("the hosts file of a pod is the kubelet's, with its FQDN when it has a subdomain and its aliases last", () => {
  assert.equal(
    managedHostsFile({
      podIPs: ["10.244.1.7"],
      hostname: "web-0",
      domain: "web.shop.svc.cluster.local",
      hostAliases: [
        { ip: "10.1.2.3", hostnames: ["foo.remote", "bar.remote"] },
        { ip: "127.0.0.1", hostnames: ["foo.local"] },
      ],
    }),
    [
      "# Kubernetes-managed hosts file.",
      "127.0.0.1\tlocalhost",
      "::1\tlocalhost ip6-localhost ip6-loopback",
      "fe00::0\tip6-localnet",
      "fe00::0\tip6-mcastprefix",
      "fe00::1\tip6-allnodes",
      "fe00::2\tip6-allrouters",
      "10.244.1.7\tweb-0.web.shop.svc.cluster.local\tweb-0",
      "",
      "# Entries added by HostAliases.",
      "10.1.2.3\tfoo.remote\tbar.remote",
      "127.0.0.1\tfoo.local",
      "",
    ].join("\n"),
  );
  const plain = managedHostsFile({ podIPs: ["10.244.1.8"], hostname: "web-1", domain: "" });
  assert.ok(plain.endsWith("fe00::2\tip6-allrouters\n10.244.1.8\tweb-1\n"), plain);
  assert.equal(
    hostNetworkHostsFile("127.0.0.1\tlocalhost\n", [{ ip: "10.1.2.3", hostnames: ["foo"] }]),
    "# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo\n",
  );
});

test("setHostnameAsFQDN makes the hostname the FQDN when the pod has a subdomain, and refuses one over 64 characters as the kubelet", () => {
  const withSubdomain = pod({ hostname: "web-0", subdomain: "web", setHostnameAsFQDN: true });
  assert.deepEqual(podHostNameAndDomain(withSubdomain, "cluster.local"), { hostname: "web-0", domain: "web.shop.svc.cluster.local" });
  assert.equal(kernelHostname(withSubdomain, "cluster.local"), "web-0.web.shop.svc.cluster.local");
  assert.equal(kernelHostname(pod({ hostname: "web-0", subdomain: "web" }), "cluster.local"), "web-0");
  // Without a subdomain there is no domain: the short name stays.
  assert.equal(kernelHostname(pod({ setHostnameAsFQDN: true }), "cluster.local"), "web-1");
  const long = pod({ hostname: "a".repeat(40), subdomain: "web", setHostnameAsFQDN: true });
  assert.throws(
    () => kernelHostname(long, "cluster.local"),
    new Error(`failed to construct FQDN from pod hostname and cluster domain, FQDN ${"a".repeat(40)}.web.shop.svc.cluster.local is too long (64 characters is the max, 67 characters requested)`),
  );
});

test("the hosts hook holds back a pod whose FQDN is too long, names the sandbox by its FQDN and binds the file into containers", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bosun-hosts-"));
  try {
    const hook = new HostsHook({ podDir: (uid) => join(dir, uid), clusterDomain: "cluster.local" });
    const long = pod({ hostname: "a".repeat(40), subdomain: "web", setHostnameAsFQDN: true });
    const wait = await hook.prepare(long);
    assert.equal(wait?.reason, "FailedCreatePodSandBox");
    assert.match(wait?.message ?? "", /^Failed to create pod sandbox: failed to construct FQDN/);

    const p = pod({ hostname: "web-0", subdomain: "web", setHostnameAsFQDN: true, hostAliases: [{ ip: "10.1.2.3", hostnames: ["foo.remote"] }] });
    assert.equal(await hook.prepare(p), undefined);
    const sandbox: ContainerCreateSpec = { name: "infra", image: "pause", labels: { [LABEL_POD_IP]: "10.244.1.7" }, env: [], networkMode: "none", hostname: "web-0" };
    hook.sandboxSpec(p, sandbox);
    assert.equal(sandbox.hostname, "web-0.web.shop.svc.cluster.local");
    // A container made while the sandbox starts already gets the file; the start writes it no second time.
    const early: ContainerCreateSpec = { name: "app", image: "img:1", labels: {}, env: [], networkMode: "container:x" };
    await Promise.all([hook.containerSpec(p, p.spec.containers[0]!, early), hook.sandboxStarted(p)]);
    assert.deepEqual(early.mounts, [{ source: join(dir, "uid-1", "etc-hosts"), target: "/etc/hosts", readOnly: false }]);
    const content = await readFile(join(dir, "uid-1", "etc-hosts"), "utf8");
    assert.match(content, /10\.244\.1\.7\tweb-0\.web\.shop\.svc\.cluster\.local\tweb-0\n\n# Entries added by HostAliases\.\n10\.1\.2\.3\tfoo\.remote\n$/);
    const app: ContainerCreateSpec = { name: "app", image: "img:1", labels: {}, env: [], networkMode: "container:x" };
    await hook.containerSpec(p, p.spec.containers[0]!, app);
    assert.deepEqual(app.mounts, [{ source: join(dir, "uid-1", "etc-hosts"), target: "/etc/hosts", readOnly: false }]);
    // A container that mounts its own /etc/hosts keeps it.
    // A sandbox the agent did not write a file for (made by an older agent) keeps Docker's.
    const older: ContainerCreateSpec = { name: "app", image: "img:1", labels: {}, env: [], networkMode: "container:x" };
    await hook.containerSpec({ ...pod(), metadata: { name: "old", namespace: "shop", uid: "uid-2" } }, { name: "app", image: "img:1" }, older);
    assert.equal(older.mounts, undefined);
    const own: ContainerCreateSpec = { name: "app", image: "img:1", labels: {}, env: [], networkMode: "container:x" };
    await hook.containerSpec(p, { name: "app", image: "img:1", volumeMounts: [{ name: "h", mountPath: "/etc/hosts" }] }, own);
    assert.equal(own.mounts, undefined);
    await hook.destroy({ uid: "uid-1", name: "web-1", namespace: "shop" });
    await assert.rejects(stat(join(dir, "uid-1", "etc-hosts")), { code: "ENOENT" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function details(labels: Record<string, string>, exitCode: number, error = ""): ContainerDetails {
  return {
    id: "c1",
    name: "app",
    labels,
    state: "exited",
    running: false,
    exitCode,
    oomKilled: false,
    createdAt: "2026-01-01T00:00:00Z",
    imageId: "sha256:1",
    ipAddress: "",
    pid: 0,
    tty: false,
    error,
  };
}

/** A runtime whose logs are `lines`, tailed as Docker tails them. */
function logsOf(lines: string[]): { logs: (id: string, opts: LogOptions) => Promise<Readable>; asked: LogOptions[] } {
  const asked: LogOptions[] = [];
  return {
    asked,
    logs: async (_id, opts) => {
      asked.push(opts);
      const kept = opts.tail >= 0 ? lines.slice(-opts.tail) : lines;
      return Readable.from([Buffer.from(kept.map((l) => `${l}\n`).join(""))]);
    },
  };
}

test("a termination message is the file's last 4 KiB, else with FallbackToLogsOnError and a failure the logs' last 80 lines within 2048 bytes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bosun-termination-"));
  try {
    const hook = new TerminationMessageHook((uid) => join(dir, uid));
    const p = pod({ containers: [{ name: "app", image: "img:1", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "FallbackToLogsOnError" }] });
    const spec: ContainerCreateSpec = { name: "app", image: "img:1", labels: { [LABEL_RESTART_COUNT]: "2" }, env: [], networkMode: "container:x" };
    await hook.containerSpec(p, p.spec.containers[0]!, spec);
    const file = join(dir, "uid-1", "containers", "app", "2");
    assert.deepEqual(spec.mounts, [{ source: file, target: "/dev/termination-log", readOnly: false }]);
    assert.equal(spec.labels[LABEL_TERMINATION_MESSAGE_FILE], file);
    assert.equal(spec.labels[LABEL_TERMINATION_MESSAGE_POLICY], "FallbackToLogsOnError");
    assert.equal((await stat(file)).mode & 0o777, 0o666);

    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ${"x".repeat(20)}`);
    const runtime = logsOf(lines);
    // Failed, nothing written: the logs' end, 80 lines asked for, 2048 bytes kept.
    const fromLogs = await readTerminationMessage(runtime, details(spec.labels, 1));
    assert.deepEqual(runtime.asked.map((o) => o.tail), [80]);
    assert.equal(Buffer.byteLength(fromLogs), 2048);
    assert.ok(fromLogs.endsWith(`line 99 ${"x".repeat(20)}\n`));
    // Succeeded: no fallback.
    assert.equal(await readTerminationMessage(runtime, details(spec.labels, 0)), "");
    // Written: the file wins, its last 4096 bytes.
    await writeFile(file, `${"y".repeat(5000)}end`);
    const written = await readTerminationMessage(runtime, details(spec.labels, 1));
    assert.equal(written.length, 4096);
    assert.ok(written.endsWith("yend"));
    // Policy File: never the logs.
    await writeFile(file, "");
    assert.equal(await readTerminationMessage(runtime, details({ ...spec.labels, [LABEL_TERMINATION_MESSAGE_POLICY]: "File" }, 1)), "");
    // The runtime's message and the container's are joined as the kubelet joins them.
    assert.equal(stateMessage({ ...details({}, 1, "oci error"), terminationMessage: "bye" }), "oci error: bye");
    assert.equal(stateMessage({ ...details({}, 1), terminationMessage: "bye" }), "bye");

    // The next instance gets a file of its own; the one before it is kept, older ones go.
    for (const n of ["3", "4"]) {
      await hook.containerSpec(p, p.spec.containers[0]!, { name: "app", image: "img:1", labels: { [LABEL_RESTART_COUNT]: n }, env: [], networkMode: "container:x" });
    }
    await assert.rejects(stat(file), { code: "ENOENT" });
    await stat(join(dir, "uid-1", "containers", "app", "3"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const MiB = 1024 * 1024;

function storagePod(containers: Container[], volumes: Pod["spec"]["volumes"] = []): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "disk", namespace: "shop", uid: "uid-disk" }, spec: { containers, volumes } };
}

const limited = (name: string, limit: string): Container => ({ name, image: "img:1", resources: { limits: { "ephemeral-storage": limit } } });

test("ephemeral-storage: the pod's total against its containers' limits first, then each container's own, with the kubelet's messages", () => {
  const one = storagePod([limited("app", "1Mi")]);
  assert.equal(ephemeralStorageEviction(one, { containers: new Map([["app", MiB]]), volumes: 0 }), undefined);
  // The emptyDirs count toward the pod's total.
  assert.equal(ephemeralStorageEviction(one, { containers: new Map([["app", MiB - 10]]), volumes: 11 }), "Pod ephemeral local storage usage exceeds the total limit of containers 1Mi. ");
  const two = storagePod([limited("app", "3Mi"), limited("side", "1Mi")]);
  // Within the pod's 4Mi, but "side" over its own.
  assert.equal(ephemeralStorageEviction(two, { containers: new Map([["app", MiB], ["side", 2 * MiB]]), volumes: 0 }), 'Container side exceeded its local ephemeral storage limit "1Mi". ');
  assert.equal(ephemeralStorageEviction(two, { containers: new Map([["app", 3 * MiB], ["side", 2 * MiB]]), volumes: 0 }), "Pod ephemeral local storage usage exceeds the total limit of containers 4Mi. ");
  // A pod without limits is never measured nor evicted.
  const free = storagePod([{ name: "app", image: "img:1" }]);
  assert.equal(hasEphemeralStorageLimit(free), false);
  assert.equal(ephemeralStorageEviction(free, { containers: new Map([["app", 100 * MiB]]), volumes: 0 }), undefined);
  // An init container asking for more than the app containers sets the pod's limit, as PodLimits adds it up.
  const init = storagePod([limited("app", "1Mi")]);
  init.spec.initContainers = [limited("setup", "8Mi")];
  assert.equal(podEphemeralStorageLimit(init)?.bytes, 8 * MiB);
});

test("the node's one measuring loop evicts a pod over its ephemeral-storage limit, measuring only pods that set one", async () => {
  const dirs = new PodVolumeDirs("/data/pods");
  const over = storagePod([limited("app", "1Mi")], [{ name: "scratch", emptyDir: {} }, { name: "ram", emptyDir: { medium: "Memory" } }]);
  const free = { ...storagePod([{ name: "app", image: "img:1" }]), metadata: { name: "free", namespace: "shop", uid: "uid-free" } };
  const evicted: string[] = [];
  const asked: string[] = [];
  const measuredDirs: string[] = [];
  const checker = new EmptyDirLimits({
    activePods: () => [over, free],
    dirs,
    evict: (p, message) => evicted.push(`${p.metadata.uid}: ${message}`),
    usage: async (dir) => {
      measuredDirs.push(dir);
      return MiB / 2;
    },
    containerUsage: async (p) => {
      asked.push(p.metadata.uid ?? "");
      return new Map([["app", MiB / 2 + 1]]);
    },
  });
  await checker.check();
  assert.deepEqual(evicted, ["uid-disk: Pod ephemeral local storage usage exceeds the total limit of containers 1Mi. "]);
  assert.deepEqual(asked, ["uid-disk"]);
  assert.deepEqual(measuredDirs, [dirs.volumeDir("uid-disk", "emptyDir", "scratch")], "only disk emptyDirs count");
});
