// The service proxy's sync loop on a fake host whose iptables is a model, under
// mocked timers: when it syncs (not before it knows the cluster, at most once a
// second after changes, every 30 s anyway), what a stop leaves, and the conntrack
// entries it deletes.
import { afterEach, beforeEach, describe, mock, test } from "node:test";
import assert from "node:assert/strict";
import { ServiceProxy, type ServiceProxyOptions } from "../src/proxy/proxier.js";
import { proxyChainNames, serviceChainName } from "../src/proxy/names.js";
import { removeServiceProxy } from "../src/proxy/cleanup.js";
import { FakeHost } from "./support/fake-host.js";
import { IptablesModel } from "./support/iptables-model.js";
import { service, slice } from "./support/proxy-objects.js";

const NODE = "node-a";
const names = proxyChainNames(NODE);
const network = { clusterCidr: "10.244.0.0/16", podCidr: "10.244.1.0/24" };
const dns = service("dns", { clusterIP: "10.96.0.10", ports: [{ name: "dns", port: 53, protocol: "UDP" }] });
const dnsSlice = (...ips: string[]) => slice("dns", "a", [{ name: "dns", port: 53, protocol: "UDP" }], ips.map((ip) => ({ ip })));
const svcChain = serviceChainName(names, "SVC", "default/dns:dns", "udp");

function setup(extra: Partial<ServiceProxyOptions> = {}) {
  const host = new FakeHost();
  host.iptables = new IptablesModel();
  const proxy = new ServiceProxy({ nodeName: NODE, host, ...extra });
  return { host, proxy };
}

/** Lets the timers due within `ms` fire, then waits for the sync they started. */
async function advance(proxy: ServiceProxy, ms: number): Promise<void> {
  mock.timers.tick(ms);
  await proxy.idle();
}

describe("the service proxy's sync loop", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "Date"], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  test("writes nothing until it has the Services, the EndpointSlices and the pod network; then one sync for changes made together", async () => {
    const { host, proxy } = setup();
    proxy.start();
    proxy.setServices([dns]);
    proxy.setEndpointSlices([dnsSlice("10.244.2.2")]);
    await advance(proxy, 60_000);
    assert.equal(host.restores.length, 0, "an agent that restarts keeps its old rules until it knows the cluster");
    proxy.setNetwork({ clusterCidr: "10.244.0.0/16", podCidr: "" });
    await advance(proxy, 60_000);
    assert.equal(host.restores.length, 0, "no pod CIDR yet");

    proxy.setNetwork(network);
    proxy.setServices([dns]);
    await advance(proxy, 0);
    assert.equal(host.restores.length, 1);
    assert.ok(host.iptables?.chains("nat").includes(svcChain));
    proxy.stop();
  });

  test("after a sync, changes wait for the minimum interval and are coalesced", async () => {
    const { host, proxy } = setup();
    proxy.setServices([dns]);
    proxy.setEndpointSlices([dnsSlice("10.244.2.2")]);
    proxy.setNetwork(network);
    proxy.start();
    await advance(proxy, 0);
    assert.equal(host.restores.length, 1);

    proxy.setEndpointSlices([dnsSlice("10.244.2.2", "10.244.3.3")]);
    await advance(proxy, 400);
    proxy.setEndpointSlices([dnsSlice("10.244.2.2", "10.244.3.3", "10.244.4.4")]);
    await advance(proxy, 500);
    assert.equal(host.restores.length, 1, "900 ms after the last sync: not yet");
    await advance(proxy, 100);
    assert.equal(host.restores.length, 2, "1 s after the last sync: one sync for both changes");
    assert.equal(host.iptables?.rules("nat", svcChain).filter((r) => r.includes("-> ")).length, 3);

    // A change long after the last sync goes at once.
    await advance(proxy, 5_000);
    proxy.setServices([]);
    await advance(proxy, 0);
    assert.equal(host.restores.length, 3);
    assert.equal(host.iptables?.chains("nat").includes(svcChain), false, "the deleted service's chain is gone");
    proxy.stop();
  });

  test("resyncs every 30 s without changes: rules removed by hand come back", async () => {
    const { host, proxy } = setup();
    proxy.setServices([dns]);
    proxy.setEndpointSlices([dnsSlice("10.244.2.2")]);
    proxy.setNetwork(network);
    proxy.start();
    await advance(proxy, 0);
    const model = host.iptables!;
    const jump = model.rules("nat", "PREROUTING")[0];
    model.restore(`*nat\n-D PREROUTING ${jump}\n-F ${svcChain}\nCOMMIT\n`);
    assert.deepEqual(model.rules("nat", svcChain), []);

    await advance(proxy, 29_999);
    assert.equal(host.restores.length, 1);
    await advance(proxy, 1);
    assert.equal(host.restores.length, 2);
    assert.equal(model.rules("nat", "PREROUTING")[0], jump);
    assert.equal(model.rules("nat", svcChain).length, 2);
    await advance(proxy, 30_000);
    assert.equal(host.restores.length, 3);
    proxy.stop();
  });

  test("a failed sync is retried before the next period; stop leaves the rules and ends syncing", async () => {
    const { host, proxy } = setup();
    proxy.setServices([dns]);
    proxy.setEndpointSlices([dnsSlice("10.244.2.2")]);
    proxy.setNetwork(network);
    host.failNextRestore = new Error("iptables-restore: line 3 failed");
    proxy.start();
    await advance(proxy, 0);
    assert.equal(host.restores.length, 1);
    assert.equal(host.iptables?.chains("nat").includes(svcChain), false);
    // The first retry comes after the minimum interval, give or take Backoff's 20% jitter.
    await advance(proxy, 1_200);
    assert.equal(host.restores.length, 2);
    assert.ok(host.iptables?.chains("nat").includes(svcChain));

    proxy.stop();
    proxy.setEndpointSlices([]);
    await advance(proxy, 120_000);
    assert.equal(host.restores.length, 2, "no sync after stop");
    assert.ok(host.iptables?.chains("nat").includes(svcChain), "the rules stay: service traffic goes on while the agent is away");

    assert.ok((await removeServiceProxy(NODE, host)).includes(`nat/${svcChain}`));
    assert.equal(host.iptables?.save().includes(names.prefix), false, "cleanup removes them");
  });

  test("deletes the UDP conntrack entries of removed endpoints, not at the first sync", async () => {
    const { host, proxy } = setup();
    proxy.setServices([dns]);
    proxy.setEndpointSlices([dnsSlice("10.244.2.2", "10.244.3.3")]);
    proxy.setNetwork(network);
    proxy.start();
    await advance(proxy, 0);
    assert.deepEqual(host.conntrackDeletes, [], "after a restart, flows that predate it are left alone");
    proxy.setEndpointSlices([dnsSlice("10.244.3.3")]);
    await advance(proxy, 1_000);
    assert.deepEqual(host.conntrackDeletes, [[{ protocol: "udp", origDst: "10.96.0.10", origDstPort: 53, dstNat: "10.244.2.2" }]]);
    proxy.stop();
  });

  test("localhost NodePorts set route_localnet before the rules", async () => {
    const { host, proxy } = setup({ localhostNodePorts: true });
    proxy.setServices([]);
    proxy.setEndpointSlices([]);
    proxy.setNetwork(network);
    proxy.start();
    await advance(proxy, 0);
    assert.equal(host.sysctls.get("net.ipv4.conf.all.route_localnet"), "1");
    assert.equal(host.restores.length, 1);
    proxy.stop();
  });

  test("syncNow syncs at once, whatever the interval", async () => {
    const { host, proxy } = setup({ minSyncIntervalMs: 10_000 });
    proxy.setServices([dns]);
    proxy.setEndpointSlices([]);
    proxy.setNetwork(network);
    await proxy.syncNow();
    await proxy.syncNow();
    assert.equal(host.restores.length, 2);
    assert.match(host.restores[1] ?? "", /has no endpoints/);
    proxy.stop();
  });
});
