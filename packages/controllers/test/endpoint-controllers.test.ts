// The Endpoints and EndpointSlice controllers against a real apiserver and etcd, with
// the garbage collector, as the controller manager runs them. No agent runs: the test
// writes pod status (IP, readiness) itself, as an agent would report it. Each
// controller has one worker, so a Service queued later is synced later: once a
// "barrier" Service has its objects, everything queued before it was synced too.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, type EndpointSlice, type Endpoints, type Pod, type Service, type ServiceSpec } from "@bosun/api";
import { startTestApiServer, type TestApiServer } from "@bosun/apiserver/testing";
import { ApiClient, isNotFound, SharedInformers } from "@bosun/client";
import { EndpointSliceController, EndpointsController, GarbageCollectorController, type Controller } from "../src/index.js";
import { createNamespace, finishDeletion, modify, RecordingRecorder, waitFor } from "./controller-harness.js";

const pods = mustResource("pods");
const services = mustResource("services");
const endpointsRes = mustResource("endpoints");
const slicesRes = mustResource("endpointslices");

const managedBy = "endpointslice.kubernetes.io/managed-by";

let server: TestApiServer;
let client: ApiClient;
let informers: SharedInformers;
let controllers: Controller[];
const recorder = new RecordingRecorder();

before(async () => {
  server = await startTestApiServer();
  client = new ApiClient({ server: server.url });
  informers = new SharedInformers(client);
  const ctx = { client, informers, recorder };
  controllers = [new EndpointsController(ctx, { workers: 1 }), new EndpointSliceController(ctx, { workers: 1 }), new GarbageCollectorController(ctx)];
  await informers.start();
  for (const c of controllers) await c.run();
});

after(async () => {
  for (const c of controllers) await c.stop();
  await informers.stop();
  await server.stop();
});

// ---- helpers ----

async function createService(ns: string, name: string, spec: ServiceSpec, labels?: Record<string, string>): Promise<Service> {
  return client.create<Service>(services, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    spec: { type: "ClusterIP", sessionAffinity: "None", ...spec },
  });
}

const httpPort = (targetPort: number | string = 8080) => [{ name: "http", protocol: "TCP" as const, port: 80, targetPort }];

interface PodSetup {
  labels?: Record<string, string>;
  ports?: { name: string; containerPort: number }[];
  nodeName?: string;
  ip: string;
  ready?: boolean;
}

async function createPod(ns: string, name: string, setup: PodSetup): Promise<Pod> {
  const pod = await client.create<Pod>(pods, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns, labels: setup.labels ?? { app: "web" } },
    spec: {
      containers: [{ name: "main", image: "bosun.local/busybox:1", ...(setup.ports ? { ports: setup.ports } : {}) }],
      ...(setup.nodeName ? { nodeName: setup.nodeName } : {}),
    },
  });
  return setStatus(pod, setup.ip, setup.ready ?? true);
}

/** What an agent reports: Running with its IP, Ready or not. */
async function setStatus(pod: Pod, ip: string, ready: boolean): Promise<Pod> {
  return modify<Pod>(
    client,
    pods,
    pod.metadata.namespace,
    pod.metadata.name ?? "",
    (p) => {
      p.status = { ...(p.status ?? {}), phase: "Running", podIP: ip, podIPs: [{ ip }], conditions: [{ type: "Ready", status: ready ? "True" : "False" }] };
    },
    "status",
  );
}

async function endpointsOf(ns: string, name: string): Promise<Endpoints | undefined> {
  try {
    return await client.get<Endpoints>(endpointsRes, name, ns);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function slicesOf(ns: string, name: string): Promise<EndpointSlice[]> {
  return (await client.list<EndpointSlice>(slicesRes, { namespace: ns, labelSelector: `kubernetes.io/service-name=${name}` })).items;
}

/** Ready and not-ready IPs of an Endpoints object, sorted. */
function addressIPs(ep: Endpoints | undefined): { ready: string[]; notReady: string[] } {
  const subsets = ep?.subsets ?? [];
  return {
    ready: subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort(),
    notReady: subsets.flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)).sort(),
  };
}

/** Each slice endpoint's pod name -> [IP, ready, serving, terminating]. */
function sliceView(slices: EndpointSlice[]): Record<string, [string, boolean?, boolean?, boolean?]> {
  const view: Record<string, [string, boolean?, boolean?, boolean?]> = {};
  for (const slice of slices) {
    for (const e of slice.endpoints) {
      view[e.targetRef?.name ?? "?"] = [e.addresses[0] ?? "", e.conditions?.ready, e.conditions?.serving, e.conditions?.terminating];
    }
  }
  return view;
}

let barriers = 0;
/** Waits until both controllers have synced everything queued before now (see the file's comment). */
async function barrier(ns: string): Promise<void> {
  const name = `barrier-${++barriers}`;
  await createService(ns, name, { selector: { barrier: name }, ports: httpPort() });
  await waitFor(`${name}'s Endpoints and EndpointSlice`, async () => (await endpointsOf(ns, name)) !== undefined && (await slicesOf(ns, name)).length === 1);
}

// ---- tests ----

test("selected pods become endpoints; readiness moves them between ready and not ready; an IP change replaces the address", async () => {
  const ns = await createNamespace(client, "ep-ready");
  const web1 = await createPod(ns, "web-1", { ip: "10.244.1.11", ports: [{ name: "http", containerPort: 8080 }], nodeName: "node-a" });
  const web2 = await createPod(ns, "web-2", { ip: "10.244.1.12", ports: [{ name: "http", containerPort: 8080 }] });
  await createPod(ns, "other", { ip: "10.244.1.13", labels: { app: "other" }, ports: [{ name: "http", containerPort: 8080 }] });
  await createService(ns, "web", { selector: { app: "web" }, ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: "http", appProtocol: "http" }] }, { team: "a" });

  const ep = await waitFor("web's Endpoints with both pods", async () => {
    const e = await endpointsOf(ns, "web");
    return addressIPs(e).ready.length === 2 && e;
  });
  assert.deepEqual(ep.metadata.labels, { team: "a" });
  assert.deepEqual(ep.subsets, [
    {
      addresses: [
        { ip: "10.244.1.11", nodeName: "node-a", targetRef: { kind: "Pod", namespace: ns, name: "web-1", uid: web1.metadata.uid } },
        { ip: "10.244.1.12", targetRef: { kind: "Pod", namespace: ns, name: "web-2", uid: web2.metadata.uid } },
      ],
      ports: [{ name: "http", port: 8080, protocol: "TCP", appProtocol: "http" }],
    },
  ]);
  const [slice] = await waitFor("web's EndpointSlice", async () => {
    const s = await slicesOf(ns, "web");
    return s.length === 1 && s[0]!.endpoints.length === 2 && s;
  });
  assert.equal(slice!.metadata.labels?.[managedBy], "endpointslice-controller.k8s.io");
  assert.equal(slice!.metadata.labels?.team, "a");
  assert.ok(slice!.metadata.name?.startsWith("web-"));
  assert.equal(slice!.addressType, "IPv4");
  assert.deepEqual(slice!.ports, [{ name: "http", port: 8080, protocol: "TCP", appProtocol: "http" }]);
  const service = await client.get<Service>(services, "web", ns);
  assert.deepEqual(
    slice!.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]),
    [["Service", "web", service.metadata.uid, true]],
  );
  assert.deepEqual(sliceView([slice!]), { "web-1": ["10.244.1.11", true, true, false], "web-2": ["10.244.1.12", true, true, false] });

  await setStatus(web2, "10.244.1.12", false);
  await waitFor("web-2 not ready in the Endpoints", async () => {
    const ips = addressIPs(await endpointsOf(ns, "web"));
    return ips.ready.join() === "10.244.1.11" && ips.notReady.join() === "10.244.1.12";
  });
  await waitFor("web-2 not ready in the slice", async () => sliceView(await slicesOf(ns, "web"))["web-2"]?.join() === "10.244.1.12,false,false,false");

  await setStatus(web2, "10.244.1.12", true);
  await setStatus(web1, "10.244.1.21", true);
  await waitFor("web-1's new IP and web-2 ready again in the Endpoints", async () => {
    const ips = addressIPs(await endpointsOf(ns, "web"));
    return ips.ready.join() === "10.244.1.12,10.244.1.21" && ips.notReady.length === 0;
  });
  const moved = await waitFor("web-1's new IP in the slice", async () => {
    const s = await slicesOf(ns, "web");
    return sliceView(s)["web-1"]?.[0] === "10.244.1.21" && sliceView(s)["web-2"]?.[1] === true && s;
  });
  assert.deepEqual(moved.map((s) => s.metadata.name), [slice!.metadata.name], "the slice was updated in place");

  // A Service change that changes no endpoint writes nothing.
  const epVersion = (await endpointsOf(ns, "web"))?.metadata.resourceVersion;
  const sliceVersion = moved[0]!.metadata.resourceVersion;
  await modify<Service>(client, services, ns, "web", (s) => {
    s.metadata.annotations = { note: "unrelated" };
  });
  await barrier(ns);
  assert.equal((await endpointsOf(ns, "web"))?.metadata.resourceVersion, epVersion);
  assert.equal((await slicesOf(ns, "web"))[0]?.metadata.resourceVersion, sliceVersion);
});

test("publishNotReadyAddresses publishes unready pods as ready", async () => {
  const ns = await createNamespace(client, "ep-publish");
  await createService(ns, "peers", { clusterIP: "None", selector: { app: "db" }, publishNotReadyAddresses: true, ports: [{ name: "peer", protocol: "TCP", port: 7000, targetPort: 7000 }] });
  await createPod(ns, "db-0", { ip: "10.244.2.10", labels: { app: "db" }, ready: false });
  const ep = await waitFor("db-0 in the Endpoints", async () => {
    const e = await endpointsOf(ns, "peers");
    return addressIPs(e).ready.length === 1 && e;
  });
  assert.deepEqual(addressIPs(ep), { ready: ["10.244.2.10"], notReady: [] });
  assert.equal(ep.metadata.labels?.["service.kubernetes.io/headless"], "", "a headless Service's Endpoints are marked so");
  await waitFor("db-0 ready but not serving in the slice", async () => sliceView(await slicesOf(ns, "peers"))["db-0"]?.join() === "10.244.2.10,true,false,false");
});

test("a named targetPort is resolved per pod; a pod without the port is left out of it", async () => {
  const ns = await createNamespace(client, "ep-named");
  await createService(ns, "web", { selector: { app: "web" }, ports: httpPort("http") });
  await createPod(ns, "a", { ip: "10.244.3.1", ports: [{ name: "http", containerPort: 8080 }] });
  await createPod(ns, "b", { ip: "10.244.3.2", ports: [{ name: "http", containerPort: 9090 }] });
  await createPod(ns, "c", { ip: "10.244.3.3", ports: [{ name: "admin", containerPort: 8080 }] });
  const ep = await waitFor("two subsets", async () => {
    const e = await endpointsOf(ns, "web");
    return e?.subsets?.length === 2 && e;
  });
  assert.deepEqual(
    ep.subsets?.map((s) => [s.addresses?.map((a) => a.ip), s.ports?.map((p) => p.port)]).sort((x, y) => (String(x[0]) < String(y[0]) ? -1 : 1)),
    [
      [["10.244.3.1"], [8080]],
      [["10.244.3.2"], [9090]],
    ],
  );
  const slices = await waitFor("three slices, one per port set", async () => {
    const s = await slicesOf(ns, "web");
    return s.length === 3 && s.every((x) => x.endpoints.length === 1) && s;
  });
  assert.deepEqual(
    slices.map((s) => `${s.endpoints[0]!.addresses[0]} ${JSON.stringify((s.ports ?? []).map((p) => p.port))}`).sort(),
    ["10.244.3.1 [8080]", "10.244.3.2 [9090]", "10.244.3.3 []"],
  );
});

test("a terminating pod leaves the Endpoints and stays in the slice as serving and terminating", async () => {
  const ns = await createNamespace(client, "ep-terminating");
  await createService(ns, "web", { selector: { app: "web" }, ports: httpPort() });
  // Bound to a node, so deleting it is graceful: it shows a deletionTimestamp until its agent would finish.
  const pod = await createPod(ns, "web-1", { ip: "10.244.4.1", nodeName: "node-a" });
  await createPod(ns, "web-2", { ip: "10.244.4.2" });
  await waitFor("both pods ready", async () => addressIPs(await endpointsOf(ns, "web")).ready.length === 2);
  await client.delete(pods, "web-1", { namespace: ns, gracePeriodSeconds: 30 });
  await waitFor("web-1 gone from the Endpoints", async () => {
    const ips = addressIPs(await endpointsOf(ns, "web"));
    return ips.ready.join() === "10.244.4.2" && ips.notReady.length === 0;
  });
  await waitFor("web-1 terminating in the slice", async () => sliceView(await slicesOf(ns, "web"))["web-1"]?.join() === "10.244.4.1,false,true,true");
  await finishDeletion(client, pod);
  await waitFor("web-1 gone from the slice", async () => {
    const view = sliceView(await slicesOf(ns, "web"));
    return Object.keys(view).join() === "web-2";
  });
});

test("more than 100 endpoints are split into two slices", async () => {
  const ns = await createNamespace(client, "ep-many");
  await createService(ns, "big", { selector: { app: "big" }, ports: httpPort() });
  const count = 105;
  for (let start = 0; start < count; start += 15) {
    await Promise.all(
      Array.from({ length: Math.min(15, count - start) }, (_, k) => start + k).map((i) =>
        createPod(ns, `big-${i}`, { ip: `10.244.${10 + Math.floor(i / 200)}.${(i % 200) + 1}`, labels: { app: "big" } }),
      ),
    );
  }
  const slices = await waitFor("105 endpoints in slices", async () => {
    const s = await slicesOf(ns, "big");
    return s.reduce((n, x) => n + x.endpoints.length, 0) === count && s;
  });
  assert.equal(slices.length, 2);
  assert.ok(slices.every((s) => s.endpoints.length <= 100), `slice sizes ${slices.map((s) => s.endpoints.length).join(", ")}`);
  assert.equal(new Set(slices.flatMap((s) => s.endpoints.map((e) => e.addresses[0]))).size, count, "no endpoint twice");
  assert.equal(addressIPs(await endpointsOf(ns, "big")).ready.length, count);
});

test("Services without a selector keep the endpoints others write, as the apiserver writes the kubernetes Service's", async () => {
  // The `kubernetes` Service in `default` as the apiserver keeps it (kubernetes-service.ts),
  // made here by hand so that this test does not depend on the apiserver's advertise address.
  const ns = "default";
  await createService(ns, "kubernetes", { ports: [{ name: "https", protocol: "TCP", port: 443, targetPort: 6443 }] }, { component: "apiserver", provider: "kubernetes" });
  const manualEp = await client.create<Endpoints>(endpointsRes, {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "kubernetes", namespace: ns, labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } },
    subsets: [{ addresses: [{ ip: "10.244.5.5" }], ports: [{ name: "https", port: 6443, protocol: "TCP" }] }],
  });
  const manualSlice = await client.create<EndpointSlice>(slicesRes, {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "kubernetes", namespace: ns, labels: { "kubernetes.io/service-name": "kubernetes" } },
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.244.5.5"], conditions: { ready: true } }],
    ports: [{ name: "https", port: 6443, protocol: "TCP" }],
  });
  // A pod with the Service's own labels: without a selector, the Service still selects nothing.
  await createPod(ns, "apiserver-like", { ip: "10.244.5.6", labels: { component: "apiserver", provider: "kubernetes" } });
  await modify<Service>(client, services, ns, "kubernetes", (s) => {
    s.metadata.annotations = { touched: "yes" };
  });
  await barrier(ns);
  assert.equal((await endpointsOf(ns, "kubernetes"))?.metadata.resourceVersion, manualEp.metadata.resourceVersion);
  const slices = await slicesOf(ns, "kubernetes");
  assert.deepEqual(slices.map((s) => [s.metadata.name, s.metadata.resourceVersion]), [["kubernetes", manualSlice.metadata.resourceVersion]]);

  // Its Endpoints are deleted with it, as Kubernetes' controller does; a slice of another manager is not this controller's to delete.
  await client.delete(services, "kubernetes", { namespace: ns });
  await waitFor("the selectorless Service's Endpoints deleted with it", async () => (await endpointsOf(ns, "kubernetes")) === undefined);
  await barrier(ns);
  assert.deepEqual((await slicesOf(ns, "kubernetes")).map((s) => s.metadata.resourceVersion), [manualSlice.metadata.resourceVersion]);
});

test("deleting a Service deletes its Endpoints, and the garbage collector its slices", async () => {
  const ns = await createNamespace(client, "ep-delete");
  await createService(ns, "gone", { selector: { app: "web" }, ports: httpPort() });
  await createPod(ns, "web-1", { ip: "10.244.6.1" });
  await waitFor("gone's Endpoints and slice", async () => addressIPs(await endpointsOf(ns, "gone")).ready.length === 1 && (await slicesOf(ns, "gone")).length === 1);
  await client.delete(services, "gone", { namespace: ns });
  await waitFor("gone's Endpoints deleted", async () => (await endpointsOf(ns, "gone")) === undefined);
  await waitFor("gone's slices collected", async () => (await slicesOf(ns, "gone")).length === 0);
  assert.equal((await client.get<Pod>(pods, "web-1", ns)).metadata.name, "web-1", "the pods stay");
  assert.deepEqual(
    recorder.events.filter((e) => e.type === "Warning").map((e) => `${e.reason}: ${e.message}`),
    [],
    "no controller reported a failure in any test",
  );
});
