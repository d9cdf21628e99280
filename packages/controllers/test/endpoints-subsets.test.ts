// The Endpoints controller's rules, without an apiserver: which pods are addresses,
// ready or not, on which ports, and the canonical layout that keeps writes rare.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EndpointSubset } from "@bosun/api";
import { findPort, serviceSelector } from "../src/endpoints/pod-endpoints.js";
import { servicesForPodUpdate } from "../src/endpoints/service-membership.js";
import { desiredSubsets, truncateSubsets } from "../src/endpoints/subsets.js";
import { makePod, makeService, manyPods } from "./service-fixtures.js";

const ref = (name: string) => ({ kind: "Pod", namespace: "default", name, uid: `uid-${name}` });

test("ready pods are addresses, unready ones notReadyAddresses, with node, pod reference and sorted by IP", () => {
  const pods = [
    makePod("b", { ip: "10.244.0.12", nodeName: "node-1" }),
    makePod("a", { ip: "10.244.0.11", nodeName: "node-2" }),
    makePod("c", { ip: "10.244.0.13", ready: false }),
  ];
  assert.deepEqual(desiredSubsets(makeService("web"), pods), [
    {
      addresses: [
        { ip: "10.244.0.11", nodeName: "node-2", targetRef: ref("a") },
        { ip: "10.244.0.12", nodeName: "node-1", targetRef: ref("b") },
      ],
      notReadyAddresses: [{ ip: "10.244.0.13", targetRef: ref("c") }],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    },
  ]);
});

test("pods without an IP, finished pods and terminating pods are left out", () => {
  const pods = [
    makePod("no-ip"),
    makePod("done", { ip: "10.244.0.2", phase: "Succeeded" }),
    makePod("failed", { ip: "10.244.0.3", phase: "Failed" }),
    makePod("leaving", { ip: "10.244.0.4", deleting: true }),
    makePod("ok", { ip: "10.244.0.5" }),
  ];
  const subsets = desiredSubsets(makeService("web"), pods);
  assert.deepEqual(
    subsets.flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]).map((a) => a.ip),
    ["10.244.0.5"],
  );
});

test("publishNotReadyAddresses makes unready and terminating pods ready addresses", () => {
  const pods = [makePod("unready", { ip: "10.244.0.1", ready: false }), makePod("leaving", { ip: "10.244.0.2", deleting: true })];
  const subsets = desiredSubsets(makeService("web", { publishNotReadyAddresses: true }), pods);
  assert.deepEqual(subsets.map((s) => (s.addresses ?? []).map((a) => a.ip)), [["10.244.0.1", "10.244.0.2"]]);
  assert.equal(subsets[0]?.notReadyAddresses, undefined);
});

test("a named targetPort is resolved per pod; a pod without it does not serve that port", () => {
  const service = makeService("web", {
    ports: [
      { name: "http", protocol: "TCP", port: 80, targetPort: "http" },
      { name: "metrics", protocol: "TCP", port: 9100, targetPort: 9100 },
    ],
  });
  const pods = [
    makePod("a", { ip: "10.244.0.1", ports: [{ name: "http", containerPort: 8080 }] }),
    makePod("b", { ip: "10.244.0.2", ports: [{ name: "http", containerPort: 9090 }] }),
    makePod("c", { ip: "10.244.0.3", ports: [{ name: "web", containerPort: 8080 }] }),
    // The name matches but the protocol does not.
    makePod("d", { ip: "10.244.0.4", ports: [{ name: "http", containerPort: 8080, protocol: "UDP" }] }),
  ];
  const subsets = desiredSubsets(service, pods);
  const view = subsets.map((s) => ({ ips: (s.addresses ?? []).map((a) => a.ip), ports: (s.ports ?? []).map((p) => `${p.name}:${p.port}`) }));
  assert.deepEqual(
    [...view].sort((x, y) => (x.ips.join() < y.ips.join() ? -1 : 1)),
    [
      { ips: ["10.244.0.1"], ports: ["http:8080"] },
      { ips: ["10.244.0.1", "10.244.0.2", "10.244.0.3", "10.244.0.4"], ports: ["metrics:9100"] },
      { ips: ["10.244.0.2"], ports: ["http:9090"] },
    ],
  );
  assert.equal(findPort(pods[2]!, service.spec!.ports![0]!), undefined);
});

test("ports served by the same addresses share one subset, with protocol and appProtocol", () => {
  const service = makeService("web", {
    ports: [
      { name: "http", protocol: "TCP", port: 80, targetPort: 8080, appProtocol: "http" },
      { name: "dns", protocol: "UDP", port: 53, targetPort: 5353 },
    ],
  });
  const subsets = desiredSubsets(service, [makePod("a", { ip: "10.244.0.1" }), makePod("b", { ip: "10.244.0.2", ready: false })]);
  assert.equal(subsets.length, 1);
  assert.deepEqual(subsets[0]?.ports, [
    { name: "dns", port: 5353, protocol: "UDP" },
    { name: "http", port: 8080, protocol: "TCP", appProtocol: "http" },
  ]);
  assert.deepEqual(subsets[0]?.addresses?.map((a) => a.ip), ["10.244.0.1"]);
  assert.deepEqual(subsets[0]?.notReadyAddresses?.map((a) => a.ip), ["10.244.0.2"]);
});

test("hostname only when the pod's subdomain is the Service; a headless Service without ports still lists addresses", () => {
  const service = makeService("web", { clusterIP: "None", ports: [] });
  const pods = [
    makePod("web-0", { ip: "10.244.0.1", hostname: "web-0", subdomain: "web" }),
    makePod("other-0", { ip: "10.244.0.2", hostname: "other-0", subdomain: "other" }),
  ];
  assert.deepEqual(desiredSubsets(service, pods), [
    {
      addresses: [
        { ip: "10.244.0.1", hostname: "web-0", targetRef: ref("web-0") },
        { ip: "10.244.0.2", targetRef: ref("other-0") },
      ],
    },
  ]);
  assert.deepEqual(desiredSubsets(makeService("web", { ports: [] }), pods), [], "a Service with a virtual IP and no ports has no endpoints");
});

test("the same pods in another order give the same subsets, so nothing is rewritten", () => {
  const pods = manyPods(20).map((p, i) => (i % 3 === 0 ? makePod(p.metadata.name!, { ip: p.status!.podIP!, ready: false }) : p));
  const a = desiredSubsets(makeService("web"), pods);
  const b = desiredSubsets(makeService("web"), [...pods].reverse());
  assert.deepEqual(b, a);
});

test("more than 1000 addresses are cut to 1000, ready ones kept first", () => {
  const subsets: EndpointSubset[] = desiredSubsets(makeService("web"), [
    ...manyPods(990),
    ...manyPods(30).map((p) => makePod(`late-${p.metadata.name}`, { ip: `10.245.0.${Number(p.status!.podIP!.split(".")[3])}`, ready: false })),
  ]);
  const cut = truncateSubsets(subsets);
  assert.equal(cut.truncated, true);
  const ready = cut.subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const notReady = cut.subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  assert.deepEqual({ ready, notReady }, { ready: 990, notReady: 10 });
  assert.equal(truncateSubsets(desiredSubsets(makeService("web"), manyPods(10))).truncated, false);
});

test("Services without a selector, with an empty one, or of type ExternalName are not the controllers'", () => {
  const none = makeService("kubernetes");
  delete none.spec!.selector;
  assert.equal(serviceSelector(none), undefined);
  assert.equal(serviceSelector(makeService("empty", { selector: {} })), undefined);
  const external = makeService("ext");
  external.spec = { ...external.spec, type: "ExternalName", externalName: "example.org" };
  assert.equal(serviceSelector(external), undefined);
  assert.deepEqual(serviceSelector(makeService("web")), { app: "web" });
});

test("a pod update concerns the Services it joined or left, or all of its Services when its endpoint changed", () => {
  const services = [makeService("web"), makeService("api", { selector: { tier: "api" } }), makeService("all", { selector: { team: "a" } })];
  const cache = { list: () => services };
  const old = makePod("p", { ip: "10.244.0.1", labels: { app: "web", team: "a" } });
  old.metadata.resourceVersion = "1";
  const relabelled = makePod("p", { ip: "10.244.0.1", labels: { tier: "api", team: "a" } });
  relabelled.metadata.resourceVersion = "2";
  assert.deepEqual([...servicesForPodUpdate(cache, old, relabelled)].sort(), ["default/api", "default/web"]);
  const unready = makePod("p", { ip: "10.244.0.1", labels: { app: "web", team: "a" }, ready: false });
  unready.metadata.resourceVersion = "2";
  assert.deepEqual([...servicesForPodUpdate(cache, old, unready)].sort(), ["default/all", "default/web"]);
  const annotated = structuredClone(old);
  annotated.metadata.resourceVersion = "2";
  annotated.metadata.annotations = { note: "x" };
  assert.deepEqual([...servicesForPodUpdate(cache, old, annotated)], [], "a change no endpoint shows syncs nothing");
});
