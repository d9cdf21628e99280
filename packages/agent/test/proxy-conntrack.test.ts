// Which UDP conntrack entries a change of Services and endpoints leaves stale, and
// the endpoint categories the rules are built from.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { EndpointSlice, Service } from "@bosun/api";
import { staleConntrackFilters } from "../src/proxy/conntrack.js";
import { categorizeEndpoints, proxyState, servicePortKey, servicePorts } from "../src/proxy/endpoints.js";
import { conntrackDeleteArgs } from "../src/network/host.js";
import { NOT_READY, READY, service, SERVING_TERMINATING, slice } from "./support/proxy-objects.js";

const dns = (extra: Partial<Service["spec"]> = {}) =>
  service("dns", { clusterIP: "10.96.0.10", ports: [{ name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" }], ...extra });
const dnsSlice = (...eps: [string, typeof READY?][]) =>
  slice(
    "dns",
    "a",
    [
      { name: "dns", port: 5353, protocol: "UDP" },
      { name: "dns-tcp", port: 5353, protocol: "TCP" },
    ],
    eps.map(([ip, conditions]) => ({ ip, conditions: conditions ?? READY })),
  );
const state = (services: Service[], slices: EndpointSlice[]) => proxyState(services, slices, "node-a");

describe("stale UDP conntrack entries", () => {
  test("a removed endpoint: entries to the service's addresses and NodePort that were DNATed to it; TCP is left alone", () => {
    const svc = dns({ type: "NodePort", externalIPs: ["198.51.100.1"], ports: [{ name: "dns", port: 53, protocol: "UDP", nodePort: 30053 }, { name: "dns-tcp", port: 53, protocol: "TCP" }] });
    const before = state([svc], [dnsSlice(["10.244.1.2"], ["10.244.2.2"])]);
    const after = state([svc], [dnsSlice(["10.244.1.2"])]);
    assert.deepEqual(staleConntrackFilters(before, after), [
      { protocol: "udp", origDst: "10.96.0.10", origDstPort: 53, dstNat: "10.244.2.2" },
      { protocol: "udp", origDst: "198.51.100.1", origDstPort: 53, dstNat: "10.244.2.2" },
      { protocol: "udp", origDstPort: 30053, dstNat: "10.244.2.2" },
    ]);
  });

  test("an endpoint that stops serving counts as removed; one that stays does not", () => {
    const before = state([dns()], [dnsSlice(["10.244.1.2"], ["10.244.2.2"])]);
    const after = state([dns()], [dnsSlice(["10.244.1.2"], ["10.244.2.2", NOT_READY])]);
    assert.deepEqual(staleConntrackFilters(before, after), [{ protocol: "udp", origDst: "10.96.0.10", origDstPort: 53, dstNat: "10.244.2.2" }]);
    assert.deepEqual(staleConntrackFilters(after, after), []);
    const terminating = state([dns()], [dnsSlice(["10.244.1.2"], ["10.244.2.2", SERVING_TERMINATING])]);
    assert.deepEqual(staleConntrackFilters(before, terminating), [], "still serving: its flows may finish");
  });

  test("a service that gets its first endpoint: every entry to it (they were never DNATed)", () => {
    const before = state([dns()], []);
    const after = state([dns()], [dnsSlice(["10.244.1.2"])]);
    assert.deepEqual(staleConntrackFilters(before, after), [{ protocol: "udp", origDst: "10.96.0.10", origDstPort: 53 }]);
    const created = staleConntrackFilters(state([], []), after);
    assert.deepEqual(created, [{ protocol: "udp", origDst: "10.96.0.10", origDstPort: 53 }]);
  });

  test("a deleted service: every entry to its address", () => {
    const before = state([dns()], [dnsSlice(["10.244.1.2"])]);
    assert.deepEqual(staleConntrackFilters(before, state([], [dnsSlice(["10.244.1.2"])])), [{ protocol: "udp", origDst: "10.96.0.10", origDstPort: 53 }]);
  });

  test("the filters become conntrack -D arguments", () => {
    assert.deepEqual(conntrackDeleteArgs({ protocol: "udp", origDst: "10.96.0.10", origDstPort: 53, dstNat: "10.244.2.2" }), [
      "-D",
      "-p",
      "udp",
      "--orig-dst",
      "10.96.0.10",
      "--orig-port-dst",
      "53",
      "--dst-nat",
      "10.244.2.2",
    ]);
    assert.deepEqual(conntrackDeleteArgs({ protocol: "udp", origDstPort: 30053 }), ["-D", "-p", "udp", "--orig-port-dst", "30053"]);
  });
});

describe("endpoint categories (kube-proxy's CategorizeEndpoints)", () => {
  const web = (spec: Partial<Service["spec"]>) =>
    servicePorts([service("web", { clusterIP: "10.96.0.20", type: "NodePort", ports: [{ port: 80, protocol: "TCP", nodePort: 30080 }], ...spec })])[0]!;
  const eps = (...e: [string, typeof READY, string][]) =>
    proxyState([], [slice("web", "a", [{ port: 8080, protocol: "TCP" }], e.map(([ip, conditions, node]) => ({ ip, conditions, node })))], "node-a").endpoints.get(
      servicePortKey({ name: "default/web", protocol: "tcp" }),
    ) ?? [];

  test("external policy Local with only a terminating local endpoint: both lists, every reachable endpoint once", () => {
    const c = categorizeEndpoints(eps(["10.244.2.2", READY, "node-b"], ["10.244.1.2", SERVING_TERMINATING, "node-a"]), web({ externalTrafficPolicy: "Local" }));
    assert.deepEqual(c.cluster.map((e) => e.address), ["10.244.2.2:8080"]);
    assert.deepEqual(c.local.map((e) => e.address), ["10.244.1.2:8080"]);
    assert.deepEqual(c.reachable.map((e) => e.address), ["10.244.1.2:8080", "10.244.2.2:8080"]);
    assert.equal(c.hasAny, true);
  });

  test("external policy Local applies only to ports reachable from outside", () => {
    const [p] = servicePorts([service("web", { clusterIP: "10.96.0.20", externalTrafficPolicy: "Local", ports: [{ port: 80 }] })]);
    assert.equal(p?.externalPolicyLocal, false);
    assert.equal(web({ externalTrafficPolicy: "Local" }).externalPolicyLocal, true);
  });

  test("no usable endpoint anywhere: hasAny is false", () => {
    const c = categorizeEndpoints(eps(["10.244.2.2", NOT_READY, "node-b"]), web({ internalTrafficPolicy: "Local" }));
    assert.equal(c.hasAny, false);
    assert.deepEqual(c.reachable, []);
  });
});
