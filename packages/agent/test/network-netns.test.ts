// The pod network on a real kernel, in scratch network namespaces this test makes
// and removes: two "hosts" on one segment, each with a pod bridge and one "pod"
// behind it. The agent's network manager wires routes (host-gw, then VXLAN) and
// iptables inside each host namespace; the pods then reach each other by pod IP.
// Nothing outside the namespaces is touched.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { promisify } from "node:util";
import { LinuxHost, NetworkManager, type NetworkConfig, type PodNetworkMode } from "../src/index.js";
import { FakeRuntime } from "./support/fake-runtime.js";
import { PAUSE_IMAGE } from "./support/images.js";

const run = promisify(execFile);
const id = randomBytes(3).toString("hex");
const ns = { hostA: `bosun-test-${id}-ha`, hostB: `bosun-test-${id}-hb`, podA: `bosun-test-${id}-pa`, podB: `bosun-test-${id}-pb` };
const b = randomInt(200, 250);
const cluster = `10.${b}.0.0/16`;
const cidrA = `10.${b}.1.0/24`;
const cidrB = `10.${b}.2.0/24`;
const podIPA = `10.${b}.1.2`;
const podIPB = `10.${b}.2.2`;
const ipA = "192.168.231.2";
const ipB = "192.168.231.3";

async function sh(script: string): Promise<string> {
  const { stdout } = await run("sh", ["-ec", script]);
  return stdout;
}

/** A host namespace with a pod bridge, and a pod namespace plugged into it. */
async function makeHost(host: string, pod: string, podCidrPrefix: string, podIP: string): Promise<void> {
  await sh(`
    ip -n ${host} link set lo up
    ip netns exec ${host} sysctl -qw net.ipv4.ip_forward=1
    ip -n ${host} link add br0 type bridge
    ip -n ${host} addr add ${podCidrPrefix}.1/24 dev br0
    ip -n ${host} link set br0 up
    ip -n ${host} link add veth-pod type veth peer name eth0 netns ${pod}
    ip -n ${host} link set veth-pod master br0 up
    ip -n ${pod} link set lo up
    ip -n ${pod} addr add ${podIP}/24 dev eth0
    ip -n ${pod} link set eth0 up
    ip -n ${pod} route add default via ${podCidrPrefix}.1
  `);
}

function manager(node: string, host: string, internalIP: string, mode: PodNetworkMode): NetworkManager {
  return new NetworkManager({ nodeName: node, internalIP, mode, runtime: new FakeRuntime([PAUSE_IMAGE]), host: new LinuxHost({ netns: host }) });
}

async function ping(from: string, to: string): Promise<boolean> {
  try {
    await run("ip", ["netns", "exec", from, "busybox", "ping", "-c", "1", "-W", "1", to]);
    return true;
  } catch {
    return false;
  }
}

describe("the pod network between two hosts (network namespaces)", { timeout: 60_000 }, () => {
  const configA: NetworkConfig = { podCidr: cidrA, clusterCidr: cluster, peers: [{ nodeName: "node-b", podCidr: cidrB, internalIP: ipB }] };
  const configB: NetworkConfig = { podCidr: cidrB, clusterCidr: cluster, peers: [{ nodeName: "node-a", podCidr: cidrA, internalIP: ipA }] };

  before(async () => {
    for (const name of Object.values(ns)) await run("ip", ["netns", "add", name]);
    await sh(`
      ip -n ${ns.hostA} link add eth0 type veth peer name eth0 netns ${ns.hostB}
      ip -n ${ns.hostA} addr add ${ipA}/24 dev eth0
      ip -n ${ns.hostB} addr add ${ipB}/24 dev eth0
      ip -n ${ns.hostA} link set eth0 up
      ip -n ${ns.hostB} link set eth0 up
    `);
    await makeHost(ns.hostA, ns.podA, `10.${b}.1`, podIPA);
    await makeHost(ns.hostB, ns.podB, `10.${b}.2`, podIPB);
  });

  after(async () => {
    // Deleting a namespace takes its interfaces, routes and rules with it.
    for (const name of Object.values(ns)) await run("ip", ["netns", "del", name]).catch(() => undefined);
  });

  test("host-gw: routes via the peer's address carry pod traffic; a route removed by hand comes back", async () => {
    assert.equal(await ping(ns.podA, podIPB), false, "no route between the pods before the agents run");
    const a = manager("node-a", ns.hostA, ipA, "host-gw");
    const b2 = manager("node-b", ns.hostB, ipB, "host-gw");
    a.update(configA);
    b2.update(configB);
    await Promise.all([a.reconcileNow(), b2.reconcileNow()]);
    assert.match(await sh(`ip -n ${ns.hostA} route show ${cidrB}`), new RegExp(`^${cidrB.replace(/\./g, "\\.")} via ${ipB} dev eth0 proto 78`));
    assert.equal(await ping(ns.podA, podIPB), true, "pod A reaches pod B");
    assert.equal(await ping(ns.podB, podIPA), true, "pod B reaches pod A");

    await sh(`ip -n ${ns.hostA} route del ${cidrB}`);
    assert.equal(await ping(ns.podA, podIPB), false);
    await a.reconcileNow();
    assert.equal(await ping(ns.podA, podIPB), true, "the next reconcile put the route back");

    const rules = await sh(`ip netns exec ${ns.hostA} iptables-save`);
    assert.match(rules, new RegExp(`-A ${a.names.natChain} -s ${cidrA.replace(/\./g, "\\.")} ! -d ${cluster.replace(/\./g, "\\.")} -j MASQUERADE`));
    assert.match(rules, new RegExp(`-A FORWARD -m comment --comment "${a.names.comment}" -j ${a.names.forwardChain}`));
    const nat = await sh(`ip netns exec ${ns.hostA} iptables -t nat -L ${a.names.natChain} -v -x -n`);
    assert.match(nat, /^\s+0\s+0\s+MASQUERADE/m, "traffic between pods is never masqueraded");

    // Node B leaves the cluster: its route goes.
    a.update({ ...configA, peers: [] });
    await a.reconcileNow();
    assert.equal((await sh(`ip -n ${ns.hostA} route show proto 78`)).trim(), "");
    a.stop();
    b2.stop();
  });

  test("VXLAN: the tunnel with static entries carries pod traffic", async () => {
    const a = manager("node-a", ns.hostA, ipA, "vxlan");
    const b2 = manager("node-b", ns.hostB, ipB, "vxlan");
    a.update(configA);
    b2.update(configB);
    await Promise.all([a.reconcileNow(), b2.reconcileNow()]);
    const route = await sh(`ip -n ${ns.hostA} route show ${cidrB}`);
    assert.match(route, new RegExp(`via 10\\.${b}\\.2\\.0 dev ${a.names.vxlanDevice} proto 78 onlink`));
    assert.equal(await ping(ns.podA, podIPB), true, "pod A reaches pod B through the tunnel");
    assert.equal(await ping(ns.podB, podIPA), true, "pod B reaches pod A through the tunnel");

    // Back to host-gw: the device goes and the direct route is back.
    const a2 = manager("node-a", ns.hostA, ipA, "host-gw");
    const b3 = manager("node-b", ns.hostB, ipB, "host-gw");
    a2.update(configA);
    b3.update(configB);
    await Promise.all([a2.reconcileNow(), b3.reconcileNow()]);
    assert.equal((await sh(`ip -n ${ns.hostA} -o link show type vxlan`)).trim(), "");
    assert.equal(await ping(ns.podA, podIPB), true);
    for (const m of [a, b2, a2, b3]) m.stop();
  });
});
