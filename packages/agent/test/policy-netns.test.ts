// Network policy on a real kernel, in scratch network namespaces this test makes and
// removes: one "host" shared by two agents (nodes A and B, each with its pod bridge,
// as in the single-host set-up), Docker's FORWARD arrangement (policy DROP, a
// DOCKER-USER chain) with the pod network's own rules, "pods" serving HTTP on each
// bridge, and two clients on a third segment of the cluster CIDR (pods of another
// node). The enforcers write with the real iptables-restore inside the host
// namespace; the test sends traffic through the result. Nothing outside the
// namespaces is touched.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes, randomInt } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { LinuxHost } from "../src/index.js";
import { iptablesRestoreInput } from "../src/network/iptables.js";
import { nodeNetworkNames } from "../src/network/names.js";
import { NetworkPolicyEnforcer } from "../src/policy/enforcer.js";
import { planPolicyRules } from "../src/policy/rules.js";
import { removeNetworkPolicy } from "../src/policy/cleanup.js";
import { policyChainNames } from "../src/policy/names.js";
import type { PolicyPod } from "../src/policy/inputs.js";
import { netpol, ns as namespace, podAt } from "./support/policy-objects.js";

const run = promisify(execFile);
const id = randomBytes(3).toString("hex");
const ns = {
  host: `bosun-test-${id}-nph`,
  web: `bosun-test-${id}-npw`,
  db: `bosun-test-${id}-npd`,
  api: `bosun-test-${id}-npa`,
  client: `bosun-test-${id}-npc`,
  intruder: `bosun-test-${id}-npi`,
};
const b = randomInt(200, 250);
const clusterCidr = `10.${b}.0.0/16`;
const NODE_A = `policy-a-${id}`;
const NODE_B = `policy-b-${id}`;
const cidrA = `10.${b}.1.0/24`;
const cidrB = `10.${b}.2.0/24`;
const gatewayA = `10.${b}.1.1`;
const www = join(tmpdir(), `bosun-policy-test-${id}`);

const web = podAt("prod", "web", `10.${b}.1.2`, { app: "web" }, [{ name: "http", port: 8080, protocol: "TCP" }]);
const db = podAt("prod", "db", `10.${b}.1.3`, { app: "db" });
const api = podAt("other", "api", `10.${b}.2.2`, { app: "api" });
const client = podAt("prod", "client", `10.${b}.3.2`, { role: "client" });
const intruder = podAt("prod", "intruder", `10.${b}.3.3`, { role: "other" });
const pods = [web, db, api, client, intruder];
const namespaces = [namespace("prod"), namespace("other")];

async function sh(script: string): Promise<string> {
  const { stdout } = await run("sh", ["-ec", script]);
  return stdout;
}

/** GET / from a namespace with busybox nc: the body, or what went wrong ("refused" when a policy rejects it). */
async function get(from: string, ip: string, port = 8080): Promise<{ ok: boolean; text: string }> {
  try {
    const { stdout } = await run("sh", ["-c", `printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec ${from} busybox nc -w 3 ${ip} ${port}`]);
    const [head = "", ...rest] = stdout.split(/\r?\n\r?\n/);
    return head.includes(" 200 ") ? { ok: true, text: rest.join("\n").trim() } : { ok: false, text: head };
  } catch (err) {
    return { ok: false, text: String((err as { stderr?: string }).stderr ?? err) };
  }
}

async function reaches(from: string, to: PolicyPod | string, port = 8080): Promise<boolean> {
  return (await get(from, typeof to === "string" ? to : to.ip, port)).ok;
}

async function refused(from: string, to: PolicyPod | string, port = 8080): Promise<boolean> {
  const r = await get(from, typeof to === "string" ? to : to.ip, port);
  return !r.ok && /refused/i.test(r.text);
}

describe("network policy on a real kernel (network namespaces, two agents on one host)", { timeout: 60_000 }, () => {
  const servers: ChildProcess[] = [];
  const host = new LinuxHost({ netns: ns.host });
  const enforcerA = new NetworkPolicyEnforcer({ nodeName: NODE_A, host });
  const enforcerB = new NetworkPolicyEnforcer({ nodeName: NODE_B, host });

  async function enforce(policies: ReturnType<typeof netpol>[]): Promise<void> {
    for (const [enforcer, local, podCidr] of [
      [enforcerA, [web, db], cidrA],
      [enforcerB, [api], cidrB],
    ] as const) {
      enforcer.setNetwork({ clusterCidr, podCidr });
      enforcer.setLocalPods(local);
      enforcer.setPods(pods);
      enforcer.setNamespaces(namespaces);
      enforcer.setPolicies(policies);
      await enforcer.syncNow();
    }
  }

  before(async () => {
    for (const name of Object.values(ns)) await run("ip", ["netns", "add", name]);
    await sh(`
      ip -n ${ns.host} link set lo up
      ip netns exec ${ns.host} sysctl -qw net.ipv4.ip_forward=1
      for n in 1 2 3; do
        ip -n ${ns.host} link add br$n type bridge
        ip -n ${ns.host} addr add 10.${b}.$n.1/24 dev br$n
        ip -n ${ns.host} link set br$n up
      done
    `);
    for (const [pod, ip, bridge, veth] of [
      [ns.web, web.ip, "br1", "vweb"],
      [ns.db, db.ip, "br1", "vdb"],
      [ns.api, api.ip, "br2", "vapi"],
      [ns.client, client.ip, "br3", "vcli"],
      [ns.intruder, intruder.ip, "br3", "vint"],
    ] as const) {
      const gateway = ip.replace(/\.\d+$/, ".1");
      await sh(`
        ip -n ${ns.host} link add ${veth} type veth peer name eth0 netns ${pod}
        ip -n ${ns.host} link set ${veth} master ${bridge} up
        ip -n ${pod} link set lo up
        ip -n ${pod} addr add ${ip}/24 dev eth0
        ip -n ${pod} link set eth0 up
        ip -n ${pod} route add default via ${gateway}
      `);
    }
    // Each pod serves its name on 8080; the host serves "dns" on A's gateway, TCP 53, as the node's DNS would.
    for (const [where, name, listen] of [
      [ns.web, "web", "8080"],
      [ns.db, "db", "8080"],
      [ns.api, "api", "8080"],
      [ns.host, "dns", `${gatewayA}:53`],
    ] as const) {
      const dir = join(www, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "index.html"), `${name}\n`);
      servers.push(spawn("ip", ["netns", "exec", where, "busybox", "httpd", "-f", "-p", listen, "-h", dir], { stdio: "ignore" }));
    }
    // Docker's arrangement: FORWARD drops what DOCKER-USER's chains (the pod network's) do not accept.
    await sh(`
      ip netns exec ${ns.host} iptables -P FORWARD DROP
      ip netns exec ${ns.host} iptables -N DOCKER-USER
      ip netns exec ${ns.host} iptables -A DOCKER-USER -j RETURN
      ip netns exec ${ns.host} iptables -A FORWARD -j DOCKER-USER
    `);
    for (const [node, podCidr] of [
      [NODE_A, cidrA],
      [NODE_B, cidrB],
    ] as const) {
      await host.iptablesRestore(iptablesRestoreInput({ names: nodeNetworkNames(node), podCidr, clusterCidr }, await host.iptablesSave()));
    }
    for (const pod of [web, db, api]) {
      for (let i = 0; i < 50 && !(await reaches(ns.client, pod)); i++) await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    enforcerA.stop();
    enforcerB.stop();
    for (const s of servers) s.kill();
    // Deleting a namespace takes its interfaces and rules with it.
    for (const name of Object.values(ns)) await run("ip", ["netns", "del", name]).catch(() => undefined);
    rmSync(www, { recursive: true, force: true });
  });

  test("without policies everything flows, through Docker's FORWARD and the pod network's rules", async () => {
    await enforce([]);
    assert.ok(await reaches(ns.client, web));
    assert.ok(await reaches(ns.intruder, db));
    assert.ok(await reaches(ns.web, api), "between the two nodes' bridges");
    assert.ok(await reaches(ns.db, web), "on one bridge");
    assert.ok(await reaches(ns.db, gatewayA, 53), "the node's DNS");
  });

  test("default deny ingress with an allow by pod label and named port; each agent polices only its own pods", async () => {
    await enforce([
      netpol("prod", "deny", { podSelector: {}, policyTypes: ["Ingress"] }),
      netpol("prod", "web-from-clients", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }], ports: [{ port: "http" }] }] }),
      netpol("other", "api-from-web", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "prod" } }, podSelector: { matchLabels: { app: "web" } } }] }] }),
    ]);
    assert.deepEqual(await get(ns.client, web.ip), { ok: true, text: "web" }, "allowed by label, on the named port");
    assert.ok(await refused(ns.intruder, web), "another label is refused");
    assert.ok(await refused(ns.client, db), "db is isolated and allows nobody");
    assert.ok(await refused(ns.web, db), "not even its neighbour on the bridge");
    assert.ok(await reaches(ns.web, api), "node B's pod allows A's web");
    assert.ok(await refused(ns.client, api), "and nobody else: node B's own chains");
    assert.deepEqual(await get(ns.host, db.ip), { ok: true, text: "db" }, "the node itself still reaches its pods (kubelet probes)");
    assert.ok(await reaches(ns.db, gatewayA, 53), "db's egress is not isolated");
  });

  test("default deny egress blocks the node's DNS and other pods; replies to allowed ingress still flow", async () => {
    await enforce([
      netpol("prod", "deny-egress", { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Egress"] }),
      netpol("prod", "db-from-clients", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }] }] }),
    ]);
    assert.ok(await refused(ns.db, gatewayA, 53), "the node's DNS on the gateway");
    assert.ok(await refused(ns.db, web));
    assert.ok(await refused(ns.db, api), "api is open, db's egress is not");
    assert.ok(await reaches(ns.web, gatewayA, 53), "web is not isolated");
    assert.deepEqual(await get(ns.client, db.ip), { ok: true, text: "db" }, "ingress allowed; its replies leave although egress is denied");
  });

  test("iptables-save's view plans to the same rules: no jump moved, a sync changes nothing", async () => {
    const saved = await host.iptablesSave();
    for (const [node, local, podCidr] of [
      [NODE_A, [web, db], cidrA],
      [NODE_B, [api], cidrB],
    ] as const) {
      const names = policyChainNames(node);
      assert.match(saved, new RegExp(`-A DOCKER-USER -m comment --comment "${names.comment}" -j ${names.forward}\\n`));
      assert.match(saved, new RegExp(`-A INPUT -m comment --comment "${names.comment}" -j ${names.input}\\n`));
      const again = planPolicyRules({ nodeName: node, clusterCidr, podCidr, localPods: local, pods, namespaces, policies: [] }, saved);
      assert.deepEqual(again.restore.split("\n").filter((l) => /^-[ID] /.test(l)), [], `${node}: the real iptables-save's jumps are recognised`);
    }
    const userChain = saved.split("\n").filter((l) => l.startsWith("-A DOCKER-USER"));
    assert.ok(userChain.slice(0, 2).every((l) => l.includes("-j BOSUN-NP-")), `the policy jumps come first:\n${userChain.join("\n")}`);
    await enforcerA.syncNow();
    await enforcerB.syncNow();
    const strip = (text: string) => text.replace(/^#.*\n/gm, "").replace(/\[\d+:\d+\]/g, "");
    assert.equal(strip(await host.iptablesSave()), strip(saved));
  });

  test("cleanup removes both agents' policy chains and nothing else; traffic flows again", async () => {
    enforcerA.stop();
    enforcerB.stop();
    assert.ok((await removeNetworkPolicy(NODE_A, host)).length > 0);
    assert.ok((await removeNetworkPolicy(NODE_B, host)).length > 0);
    const clean = await host.iptablesSave();
    assert.equal(clean.includes("BOSUN-NP-"), false);
    assert.ok(clean.includes(`:${nodeNetworkNames(NODE_A).forwardChain}`) && clean.includes("-A FORWARD -j DOCKER-USER"));
    assert.ok(await reaches(ns.intruder, db));
    assert.ok(await reaches(ns.db, gatewayA, 53));
  });
});
