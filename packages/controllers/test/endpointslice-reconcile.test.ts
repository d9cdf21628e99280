// The EndpointSlice controller's plan, without an apiserver: conditions as Kubernetes
// computes them, at most 100 endpoints per slice, one slice set per port set, and as
// few slice writes as the change allows.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EndpointSlice, Pod, Service } from "@bosun/api";
import { desiredGroups, planSlices, type SlicePlan } from "../src/endpointslice/reconcile.js";
import { makePod, makeService, manyPods } from "./service-fixtures.js";

const noZones = () => undefined;

function plan(service: Service, pods: Pod[], existing: EndpointSlice[] = []): SlicePlan {
  return planSlices(service, desiredGroups(service, pods, noZones), existing);
}

/** What the apiserver makes of the planned creates: names, uids and generations. */
function stored(p: SlicePlan): EndpointSlice[] {
  let n = 0;
  return [
    ...p.create.map((s) => {
      n++;
      return { ...s, metadata: { ...s.metadata, name: `${s.metadata.generateName}${n}`, uid: `slice-uid-${n}`, generation: 1, resourceVersion: "1" } };
    }),
    ...p.update,
  ];
}

function ips(slice: EndpointSlice): string[] {
  return slice.endpoints.map((e) => e.addresses[0]!).sort();
}

const counts = (p: SlicePlan) => ({ create: p.create.length, update: p.update.length, delete: p.delete.length });

test("150 endpoints make two slices of at most 100, labelled, owned by the Service, IPv4, named after it", () => {
  const service = makeService("web", { labels: { team: "a" } });
  const p = plan(service, manyPods(150));
  assert.deepEqual(counts(p), { create: 2, update: 0, delete: 0 });
  assert.deepEqual(p.create.map((s) => s.endpoints.length).sort(), [100, 50]);
  for (const slice of p.create) {
    assert.equal(slice.metadata.generateName, "web-");
    assert.equal(slice.addressType, "IPv4");
    assert.deepEqual(slice.metadata.labels, {
      team: "a",
      "kubernetes.io/service-name": "web",
      "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    });
    assert.deepEqual(slice.metadata.ownerReferences, [
      { apiVersion: "v1", kind: "Service", name: "web", uid: "uid-svc-web", controller: true, blockOwnerDeletion: true },
    ]);
    assert.deepEqual(slice.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
  }
  assert.equal(new Set(p.create.flatMap(ips)).size, 150);
});

test("conditions: serving is readiness, terminating is deletion, ready is both unless publishNotReadyAddresses", () => {
  const pods = [
    makePod("ready", { ip: "10.244.0.1", nodeName: "node-1" }),
    makePod("unready", { ip: "10.244.0.2", ready: false }),
    makePod("leaving", { ip: "10.244.0.3", deleting: true }),
    makePod("leaving-unready", { ip: "10.244.0.4", deleting: true, ready: false }),
    makePod("done", { ip: "10.244.0.5", phase: "Succeeded" }),
    makePod("no-ip"),
  ];
  const conditions = (service: Service) =>
    Object.fromEntries(plan(service, pods).create[0]!.endpoints.map((e) => [e.targetRef?.name, e.conditions]));
  assert.deepEqual(conditions(makeService("web")), {
    ready: { ready: true, serving: true, terminating: false },
    unready: { ready: false, serving: false, terminating: false },
    leaving: { ready: false, serving: true, terminating: true },
    "leaving-unready": { ready: false, serving: false, terminating: true },
  });
  assert.deepEqual(conditions(makeService("web", { publishNotReadyAddresses: true })), {
    ready: { ready: true, serving: true, terminating: false },
    unready: { ready: true, serving: false, terminating: false },
    leaving: { ready: true, serving: true, terminating: true },
    "leaving-unready": { ready: true, serving: false, terminating: true },
  });
  const endpoint = plan(makeService("web"), pods).create[0]!.endpoints.find((e) => e.targetRef?.name === "ready");
  assert.deepEqual(endpoint, {
    addresses: ["10.244.0.1"],
    conditions: { ready: true, serving: true, terminating: false },
    targetRef: { kind: "Pod", namespace: "default", name: "ready", uid: "uid-ready" },
    nodeName: "node-1",
  });
});

test("an unchanged Service plans nothing", () => {
  const service = makeService("web");
  const pods = manyPods(150);
  const slices = stored(plan(service, pods));
  assert.deepEqual(counts(plan(service, [...pods].reverse(), slices)), { create: 0, update: 0, delete: 0 });
});

test("a removed and an added pod change one slice in place; the other is not written", () => {
  const service = makeService("web");
  const pods = manyPods(150);
  const slices = stored(plan(service, pods));
  const full = slices.find((s) => s.endpoints.length === 100)!;
  const gone = full.endpoints[0]!.targetRef!.name!;
  const next = [...pods.filter((p) => p.metadata.name !== gone), makePod("web-new", { ip: "10.244.9.9" })];
  const p = plan(service, next, slices);
  assert.deepEqual(counts(p), { create: 0, update: 1, delete: 0 });
  assert.equal(p.update[0]!.metadata.name, full.metadata.name);
  assert.equal(p.update[0]!.metadata.resourceVersion, "1", "updated compare-and-swap on the version read");
  assert.ok(ips(p.update[0]!).includes("10.244.9.9"));
  assert.equal(p.update[0]!.endpoints.length, 100);
});

test("a pod whose IP changed is replaced in its slice", () => {
  const service = makeService("web");
  const pods = manyPods(3);
  const slices = stored(plan(service, pods));
  const moved = pods.map((p) => (p.metadata.name === "web-001" ? makePod("web-001", { ip: "10.244.7.7" }) : p));
  const p = plan(service, moved, slices);
  assert.deepEqual(counts(p), { create: 0, update: 1, delete: 0 });
  assert.deepEqual(ips(p.update[0]!), ["10.244.0.1", "10.244.0.3", "10.244.7.7"]);
});

test("a readiness change updates the endpoint where it is", () => {
  const service = makeService("web");
  const pods = manyPods(3);
  const slices = stored(plan(service, pods));
  const unready = pods.map((p) => (p.metadata.name === "web-002" ? makePod("web-002", { ip: p.status!.podIP!, ready: false }) : p));
  const p = plan(service, unready, slices);
  assert.deepEqual(counts(p), { create: 0, update: 1, delete: 0 });
  assert.deepEqual(p.update[0]!.endpoints.find((e) => e.targetRef?.name === "web-002")?.conditions, { ready: false, serving: false, terminating: false });
});

test("pods resolving a named port differently go to different slices, each with its ports", () => {
  const service = makeService("web", { ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: "http" }] });
  const pods = [
    makePod("a", { ip: "10.244.0.1", ports: [{ name: "http", containerPort: 8080 }] }),
    makePod("b", { ip: "10.244.0.2", ports: [{ name: "http", containerPort: 9090 }] }),
    makePod("c", { ip: "10.244.0.3" }),
  ];
  const p = plan(service, pods);
  const byPorts = Object.fromEntries(p.create.map((s) => [JSON.stringify(s.ports), ips(s)]));
  assert.deepEqual(byPorts, {
    '[{"name":"http","port":8080,"protocol":"TCP"}]': ["10.244.0.1"],
    '[{"name":"http","port":9090,"protocol":"TCP"}]': ["10.244.0.2"],
    "[]": ["10.244.0.3"],
  });
});

test("a Service without endpoints keeps one empty slice; emptied slices become it instead of being recreated", () => {
  const service = makeService("web");
  const empty = plan(service, []);
  assert.deepEqual(counts(empty), { create: 1, update: 0, delete: 0 });
  assert.deepEqual(empty.create[0]!.endpoints, []);
  assert.deepEqual(empty.create[0]!.ports, []);
  assert.deepEqual(counts(plan(service, [], stored(empty))), { create: 0, update: 0, delete: 0 });

  const slices = stored(plan(service, manyPods(150)));
  const emptied = plan(service, [], slices);
  assert.deepEqual(counts(emptied), { create: 0, update: 1, delete: 1 });
  assert.deepEqual(emptied.update[0]!.endpoints, []);
  assert.ok(slices.some((s) => s.metadata.name === emptied.update[0]!.metadata.name));
});

test("a changed port is an update of the slice, not a delete and a create", () => {
  const slices = stored(plan(makeService("web"), manyPods(5)));
  const service = makeService("web", { ports: [{ name: "http", protocol: "TCP", port: 80, targetPort: 8081 }] });
  const p = plan(service, manyPods(5), slices);
  assert.deepEqual(counts(p), { create: 0, update: 1, delete: 0 });
  assert.equal(p.update[0]!.metadata.name, slices[0]!.metadata.name);
  assert.deepEqual(p.update[0]!.ports, [{ name: "http", port: 8081, protocol: "TCP" }]);
});

test("slices of an earlier Service of the same name are replaced; a Service being deleted gets no new slices", () => {
  const old = stored(plan(makeService("web", { uid: "old" }), manyPods(3)));
  const service = makeService("web", { uid: "new" });
  const p = plan(service, manyPods(3), old);
  // The old slice is deleted rather than rewritten: the garbage collector may be removing it.
  assert.deepEqual(counts(p), { create: 1, update: 0, delete: 1 });
  const deleting = { ...service, metadata: { ...service.metadata, deletionTimestamp: "2025-01-01T00:00:00Z" } };
  assert.deepEqual(plan(deleting, manyPods(3)).create, []);
});
