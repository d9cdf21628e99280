// The network policy's sync loop on a fake host whose iptables is a model, under
// mocked timers: nothing written before it knows every input (so a restarted agent
// keeps its rules), changes coalesced at most once a second, a resync every 30 s
// that brings back what was removed by hand, stop and cleanup.
import { afterEach, beforeEach, describe, mock, test } from "node:test";
import assert from "node:assert/strict";
import { NetworkPolicyEnforcer } from "../src/policy/enforcer.js";
import { removeNetworkPolicy } from "../src/policy/cleanup.js";
import { podChainName, policyChainNames } from "../src/policy/names.js";
import { FakeHost } from "./support/fake-host.js";
import { IptablesModel } from "./support/iptables-model.js";
import { filterVerdict } from "./support/packet-filter.js";
import { netpol, ns, podAt } from "./support/policy-objects.js";

const NODE = "node-a";
const names = policyChainNames(NODE);
const network = { clusterCidr: "10.244.0.0/16", podCidr: "10.244.1.0/24" };
const web = podAt("prod", "web", "10.244.1.2", { app: "web" });
const client = podAt("prod", "client", "10.244.2.2", { role: "client" });
const denyAll = netpol("prod", "deny", { podSelector: {}, policyTypes: ["Ingress"] });
const allowClient = netpol("prod", "allow", { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }] }] });
const webChain = podChainName(names, "ingress", "prod", "web");

function setup(host = new FakeHost()) {
  host.iptables ??= new IptablesModel();
  const enforcer = new NetworkPolicyEnforcer({ nodeName: NODE, host });
  return { host, enforcer, model: host.iptables };
}

/** Everything but `skip`. */
function feed(enforcer: NetworkPolicyEnforcer, skip?: string): void {
  if (skip !== "localPods") enforcer.setLocalPods([web]);
  if (skip !== "pods") enforcer.setPods([web, client]);
  if (skip !== "namespaces") enforcer.setNamespaces([ns("prod")]);
  if (skip !== "policies") enforcer.setPolicies([denyAll]);
  if (skip !== "network") enforcer.setNetwork(network);
}

async function advance(enforcer: NetworkPolicyEnforcer, ms: number): Promise<void> {
  mock.timers.tick(ms);
  await enforcer.idle();
}

const clientToWeb = (model: IptablesModel) => filterVerdict(model, "FORWARD", { src: client.ip, dst: web.ip, protocol: "tcp", port: 80 });

describe("the network policy's sync loop", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "Date"], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  test("writes nothing until it has every input; then one sync for what was set together", async () => {
    for (const missing of ["localPods", "pods", "namespaces", "policies", "network"]) {
      const { host, enforcer } = setup();
      enforcer.start();
      feed(enforcer, missing);
      enforcer.setNetwork({ clusterCidr: network.clusterCidr, podCidr: "" });
      await advance(enforcer, 60_000);
      assert.equal(host.restores.length, 0, `without ${missing}`);
      enforcer.stop();
    }
    const { host, enforcer, model } = setup();
    enforcer.start();
    feed(enforcer);
    await advance(enforcer, 0);
    assert.equal(host.restores.length, 1);
    assert.equal(clientToWeb(model), "REJECT");
    assert.equal(host.sysctls.get("net.bridge.bridge-nf-call-iptables"), "1", "so that traffic between pods of one bridge meets the rules");
    enforcer.stop();
  });

  test("a restarted agent keeps the rules of its previous life until it knows the cluster again", async () => {
    const first = setup();
    feed(first.enforcer);
    await first.enforcer.syncNow();
    first.enforcer.stop();

    const { host, enforcer, model } = setup(first.host);
    enforcer.start();
    feed(enforcer, "policies");
    await advance(enforcer, 60_000);
    assert.equal(clientToWeb(model), "REJECT", "still isolated");
    enforcer.setPolicies([denyAll, allowClient]);
    await advance(enforcer, 0);
    assert.equal(host.restores.length, 2);
    assert.equal(clientToWeb(model), "ACCEPT");
    enforcer.stop();
  });

  test("changes after a sync wait for the minimum interval and are coalesced", async () => {
    const { host, enforcer, model } = setup();
    feed(enforcer);
    enforcer.start();
    await advance(enforcer, 0);
    enforcer.setPolicies([denyAll, allowClient]);
    await advance(enforcer, 500);
    enforcer.setPods([web, { ...client, labels: { role: "gone" } }]);
    await advance(enforcer, 400);
    assert.equal(host.restores.length, 1);
    await advance(enforcer, 100);
    assert.equal(host.restores.length, 2, "one sync for both changes");
    assert.equal(clientToWeb(model), "REJECT", "the client lost its label");
    enforcer.stop();
  });

  test("resyncs every 30 s: a jump or rule removed by hand comes back", async () => {
    const { host, enforcer, model } = setup();
    feed(enforcer);
    enforcer.start();
    await advance(enforcer, 0);
    const jump = model.rules("filter", "FORWARD")[0];
    model.restore(`*filter\n-D FORWARD ${jump}\n-F ${webChain}\nCOMMIT\n`);
    assert.equal(clientToWeb(model), "ACCEPT");
    await advance(enforcer, 29_999);
    assert.equal(host.restores.length, 1);
    await advance(enforcer, 1);
    assert.equal(host.restores.length, 2);
    assert.equal(model.rules("filter", "FORWARD")[0], jump);
    assert.equal(clientToWeb(model), "REJECT");
    enforcer.stop();
  });

  test("a failed sync is retried; stop leaves the rules; cleanup removes them", async () => {
    const { host, enforcer, model } = setup();
    feed(enforcer);
    host.failNextRestore = new Error("iptables-restore: line 3 failed");
    enforcer.start();
    await advance(enforcer, 0);
    assert.equal(clientToWeb(model), "ACCEPT");
    await advance(enforcer, 1_200);
    assert.equal(host.restores.length, 2);
    assert.equal(clientToWeb(model), "REJECT");

    enforcer.stop();
    enforcer.setPolicies([]);
    await advance(enforcer, 120_000);
    assert.equal(host.restores.length, 2, "no sync after stop");
    assert.equal(clientToWeb(model), "REJECT", "pods stay isolated while the agent is away");
    const removed = await removeNetworkPolicy(NODE, host);
    assert.ok(removed.includes(`filter/${webChain}`) && removed.includes(`filter/${names.forward}`));
    assert.equal(model.save().includes(names.prefix), false);
    assert.deepEqual(await removeNetworkPolicy(NODE, host), []);
  });
});
