// A pod's resolv.conf per dnsPolicy and dnsConfig, as the kubelet makes it.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, PodSpec } from "@bosun/api";
import { podResolvConf, type NodeDnsSettings } from "../src/pod/dns-config.js";

const node: NodeDnsSettings = {
  clusterDns: "10.244.1.1",
  domain: "cluster.local",
  host: { nameservers: ["192.0.2.53", "127.0.0.53"], searches: ["corp.example"], options: ["timeout:2"] },
};

function pod(spec: Partial<PodSpec> = {}, namespace = "shop"): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } };
}

test("ClusterFirst: the node's DNS, the cluster's search domains then the host's, ndots:5", () => {
  assert.deepEqual(podResolvConf(pod(), node), {
    nameservers: ["10.244.1.1"],
    searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"],
    options: ["ndots:5"],
  });
});

test("Default: the host's resolvers that pods can reach; on the host's network, all of them", () => {
  assert.deepEqual(podResolvConf(pod({ dnsPolicy: "Default" }), node), { nameservers: ["192.0.2.53"], searches: ["corp.example"], options: ["timeout:2"] });
  assert.deepEqual(podResolvConf(pod({ dnsPolicy: "Default", hostNetwork: true }), node).nameservers, ["192.0.2.53", "127.0.0.53"]);
  const loopbackOnly = { ...node, host: { ...node.host, nameservers: ["127.0.0.53"] } };
  assert.deepEqual(podResolvConf(pod({ dnsPolicy: "Default" }), loopbackOnly).nameservers, ["10.244.1.1"], "the node's DNS forwards to the host's resolver");
});

test("on the host's network ClusterFirst falls back to Default; ClusterFirstWithHostNet keeps the cluster's DNS", () => {
  assert.deepEqual(podResolvConf(pod({ hostNetwork: true }), node).searches, ["corp.example"]);
  assert.deepEqual(podResolvConf(pod({ hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }), node).nameservers, ["10.244.1.1"]);
  assert.deepEqual(podResolvConf(pod(), { ...node, clusterDns: undefined }).nameservers, ["192.0.2.53"], "no cluster DNS on the node: the host's");
});

test("dnsConfig is merged: nameservers and searches appended without repeats, options by name, limits kept", () => {
  const merged = podResolvConf(
    pod({ dnsConfig: { nameservers: ["10.244.1.1", "192.0.2.1", "192.0.2.2", "192.0.2.3"], searches: ["svc.cluster.local", "extra.example"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }] } }),
    node,
  );
  assert.deepEqual(merged.nameservers, ["10.244.1.1", "192.0.2.1", "192.0.2.2"]);
  assert.deepEqual(merged.searches, ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "extra.example"]);
  assert.deepEqual(merged.options, ["ndots:2", "edns0"]);
  assert.deepEqual(podResolvConf(pod({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"] } }), node), { nameservers: ["1.1.1.1"], searches: [], options: [] });
});
