// A pod's resolv.conf per dnsPolicy and dnsConfig, as the kubelet makes it, and the
// DNS hook that writes it for each sandbox and binds it into the pod's containers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod, PodSpec } from "@bosun/api";
import { podResolvConf, type NodeDnsSettings } from "../src/pod/dns-config.js";
import { DnsHook } from "../src/pod/hooks/dns.js";
import type { ContainerCreateSpec } from "../src/runtime/runtime.js";

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

test("the DNS hook writes the pod's resolv.conf before each sandbox and binds it at /etc/resolv.conf", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bosun-dns-hook-"));
  try {
    const hostFile = join(dir, "host-resolv.conf");
    await writeFile(hostFile, "nameserver 192.0.2.53\nsearch corp.example\n");
    let clusterDns: string | undefined = "10.244.1.1";
    const hook = new DnsHook({ clusterDns: () => clusterDns, domain: "cluster.local", podDir: (uid) => join(dir, "pods", uid), resolvConfPath: hostFile });
    const p = { ...pod(), metadata: { name: "p", namespace: "shop", uid: "uid-1" } };
    const file = join(dir, "pods", "uid-1", "resolv.conf");
    const app = (): ContainerCreateSpec => ({ name: "app", image: "img:1", labels: {}, env: [], networkMode: "container:x" });

    // Before any sandbox of the agent's (an older agent's pod) a container keeps what Docker gives.
    const older = app();
    await hook.containerSpec(p, p.spec.containers[0]!, older);
    assert.equal(older.mounts, undefined);

    assert.equal(await hook.prepare(p), undefined);
    assert.equal(await readFile(file, "utf8"), "nameserver 10.244.1.1\nsearch shop.svc.cluster.local svc.cluster.local cluster.local corp.example\noptions ndots:5\n");
    assert.equal((await stat(file)).mode & 0o777, 0o644);
    const bound = app();
    await hook.containerSpec(p, p.spec.containers[0]!, bound);
    assert.deepEqual(bound.mounts, [{ source: file, target: "/etc/resolv.conf", readOnly: false }]);
    // A container that mounts its own /etc/resolv.conf keeps it.
    const own = app();
    await hook.containerSpec(p, { name: "app", image: "img:1", volumeMounts: [{ name: "r", mountPath: "/etc/resolv.conf" }] }, own);
    assert.equal(own.mounts, undefined);

    // The next sandbox gets what holds then: here the node no longer serves cluster DNS.
    clusterDns = undefined;
    await hook.prepare(p);
    assert.equal(await readFile(file, "utf8"), "nameserver 192.0.2.53\nsearch corp.example\n");
    await hook.destroy({ uid: "uid-1", name: "p", namespace: "shop" });
    await assert.rejects(stat(file), { code: "ENOENT" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
