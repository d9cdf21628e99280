// Network policy planning: Kubernetes' NetworkPolicy semantics, checked by walking
// packets through the planned chains (support/packet-filter.ts) in a model of
// iptables, plus the shape of what is written: chain names, jumps that stay first,
// stale chains, idempotence, several agents on one host, cleanup.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { NetworkPolicy, Pod } from "@bosun/api";
import { planPolicyRules } from "../src/policy/rules.js";
import { policyCleanupInput } from "../src/policy/cleanup.js";
import { policyPodFromPod, type PolicyInput, type PolicyPod } from "../src/policy/inputs.js";
import { podChainName, policyChainNames } from "../src/policy/names.js";
import { selectPolicies } from "../src/policy/selection.js";
import { iptablesRestoreInput } from "../src/network/iptables.js";
import { nodeNetworkNames, MAX_CHAIN_NAME } from "../src/network/names.js";
import { IptablesModel } from "./support/iptables-model.js";
import { filterVerdict, type Packet } from "./support/packet-filter.js";
import { netpol, ns, podAt } from "./support/policy-objects.js";

const NODE = "node-a";
const names = policyChainNames(NODE);
const network = { clusterCidr: "10.244.0.0/16", podCidr: "10.244.1.0/24" };
const gateway = "10.244.1.1";

const web = podAt("prod", "web", "10.244.1.2", { app: "web" }, [
  { name: "http", port: 8080, protocol: "TCP" },
  { name: "dns", port: 53, protocol: "UDP" },
]);
const db = podAt("prod", "db", "10.244.1.3", { app: "db" }, [{ name: "pg", port: 5432, protocol: "TCP" }]);
const devWeb = podAt("dev", "web", "10.244.1.4", { app: "web" });
const client = podAt("prod", "client", "10.244.2.2", { role: "client" }, [{ name: "metrics", port: 9100, protocol: "TCP" }]);
const intruder = podAt("prod", "intruder", "10.244.2.3", { role: "other" });
const devClient = podAt("dev", "client", "10.244.2.4", { role: "client" }, [{ name: "metrics", port: 9200, protocol: "TCP" }]);
const prom = podAt("mon", "prom", "10.244.3.2", { app: "prom" });
const namespaces = [ns("prod", { env: "prod" }), ns("dev", { env: "dev" }), ns("mon", { team: "ops" })];
const localPods = [web, db, devWeb];
const pods = [...localPods, client, intruder, devClient, prom];

const denyIngress = (namespace = "prod") => netpol(namespace, "deny-ingress", { podSelector: {}, policyTypes: ["Ingress"] });
const denyEgress = (namespace = "prod") => netpol(namespace, "deny-egress", { podSelector: {}, policyTypes: ["Egress"] });

const allowClients = netpol("prod", "web-from-clients", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }] }] });

type Peer = PolicyPod | string;
const addr = (p: Peer) => (typeof p === "string" ? p : p.ip);

/** Plans the policies on a model (optionally holding `saved` first) and answers how packets fare. */
function world(policies: NetworkPolicy[], extra: Partial<PolicyInput> = {}, saved = "") {
  const model = new IptablesModel(saved);
  const input: PolicyInput = { nodeName: NODE, ...network, localPods, pods, namespaces, policies, ...extra };
  const plan = planPolicyRules(input, model.save());
  model.restore(plan.restore);
  const verdict = (from: Peer, to: Peer, port = 80, protocol: Packet["protocol"] = "tcp", hook = "FORWARD", state: Packet["state"] = "NEW") =>
    filterVerdict(model, hook, { src: addr(from), dst: addr(to), protocol, port, state });
  const ok = (from: Peer, to: Peer, port?: number, protocol?: Packet["protocol"], hook?: string) => verdict(from, to, port, protocol, hook) === "ACCEPT";
  return { model, plan, input, verdict, ok };
}

describe("network policy semantics (packets through the planned chains)", () => {
  test("no policy: nothing is isolated, and the chains only pass replies", () => {
    const w = world([]);
    assert.deepEqual(w.plan.isolated, { ingress: 0, egress: 0 });
    assert.ok(w.ok(intruder, web) && w.ok(web, intruder) && w.ok(web, gateway, 53, "udp", "INPUT"));
    assert.deepEqual(w.model.chains("filter").filter((c) => c.startsWith(names.prefix)).sort(), [names.forward, names.input].sort());
  });

  test("default deny ingress isolates every pod of its namespace and no other; egress stays open", () => {
    const w = world([denyIngress()]);
    assert.deepEqual(w.plan.isolated, { ingress: 2, egress: 0 });
    assert.equal(w.verdict(client, web), "REJECT");
    assert.equal(w.verdict(client, db, 5432), "REJECT");
    assert.equal(w.verdict(web, db), "REJECT", "between two local pods too");
    assert.ok(w.ok(client, devWeb), "dev's pod is selected by no policy");
    assert.ok(w.ok(web, client) && w.ok(web, "8.8.8.8", 443), "egress is not isolated");
    assert.equal(w.verdict(client, web, 80, "tcp", "FORWARD", "ESTABLISHED"), "ACCEPT", "replies of allowed connections pass");
    assert.ok(w.ok(web, web), "a pod may always reach itself (through its Service)");
    assert.ok(!w.model.save().includes(`-d ${devWeb.ip}/32`), "nothing matches the unselected pod");
    assert.ok(!w.model.save().includes("-A OUTPUT"), "traffic from the node (kubelet probes) is never filtered");
  });

  test("podSelector peers: only the selected pods of the policy's namespace get in; other pods stay isolated", () => {
    const w = world([denyIngress(), allowClients]);
    assert.ok(w.ok(client, web) && w.ok(client, web, 9999));
    assert.equal(w.verdict(intruder, web), "REJECT");
    assert.equal(w.verdict(devClient, web), "REJECT", "a client of another namespace");
    assert.equal(w.verdict(client, db), "REJECT", "db is not selected by the allowing policy");

    const alone = world([allowClients]);
    assert.ok(alone.ok(intruder, db), "without the deny policy db is not isolated");
    assert.equal(alone.verdict(intruder, web), "REJECT", "a policy that allows something isolates the pods it selects");
  });

  test("namespaceSelector peers: every pod of the selected namespaces, by the namespace's labels or its name label", () => {
    const w = world([netpol("prod", "from-ops", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "ops" } } }] }] })]);
    assert.ok(w.ok(prom, web) && w.ok(prom, db));
    assert.equal(w.verdict(client, web), "REJECT");
    const byName = world([netpol("prod", "from-dev", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "dev" } } }] }] })]);
    assert.ok(byName.ok(devClient, web));
    assert.equal(byName.verdict(prom, web), "REJECT");
    const every = world([netpol("prod", "from-all", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] })]);
    assert.ok(every.ok(prom, web) && every.ok(devClient, web) && every.ok(client, web));
    assert.equal(every.verdict("192.168.7.7", web), "REJECT", "pods only, not outside addresses");
  });

  test("podSelector and namespaceSelector in one peer select the pods of those namespaces (AND); in two peers either (OR)", () => {
    const and = world([
      netpol("prod", "and", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: "dev" } }, podSelector: { matchLabels: { role: "client" } } }] }] }),
    ]);
    assert.ok(and.ok(devClient, web));
    assert.equal(and.verdict(client, web), "REJECT", "a client, but of prod");
    assert.equal(and.verdict(prom, web), "REJECT");
    const or = world([
      netpol("prod", "or", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: "dev" } } }, { podSelector: { matchLabels: { role: "client" } } }] }] }),
    ]);
    assert.ok(or.ok(devClient, web) && or.ok(client, web));
    assert.equal(or.verdict(intruder, web), "REJECT");
    assert.equal(or.verdict(prom, web), "REJECT");
  });

  test("matchExpressions select as Kubernetes' selectors do", () => {
    const w = world([netpol("prod", "expr", { podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] }, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: "role", operator: "NotIn", values: ["other"] }] } }] }] })]);
    assert.ok(w.ok(client, web));
    assert.equal(w.verdict(intruder, web), "REJECT");
    assert.ok(w.ok(intruder, db), "db is not selected");
  });

  test("ipBlock with except; an exception of one block does not take away what another block allows", () => {
    const w = world([
      netpol("prod", "blocks", {
        podSelector: { matchLabels: { app: "web" } },
        ingress: [{ from: [{ ipBlock: { cidr: "192.168.0.0/16", except: ["192.168.1.0/24", "192.168.9.9/32"] } }, { ipBlock: { cidr: "192.168.1.128/25" } }] }],
      }),
    ]);
    assert.ok(w.ok("192.168.2.5", web));
    assert.equal(w.verdict("192.168.1.5", web), "REJECT", "in the exception");
    assert.equal(w.verdict("192.168.9.9", web), "REJECT", "in the other exception");
    assert.ok(w.ok("192.168.1.200", web), "in the exception, but allowed by the other block");
    assert.equal(w.verdict("10.0.0.1", web), "REJECT");
    assert.equal(w.verdict(client, web), "REJECT", "pods outside the blocks are not allowed");
    const sloppy = world([netpol("prod", "sloppy", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "192.168.3.7/24" } }] }] })]);
    assert.ok(sloppy.ok("192.168.3.1", web), "host bits are dropped, as Go's ParseCIDR does");
    assert.ok(sloppy.model.save().includes("-s 192.168.3.0/24 -m comment"), "a single block is written inline");
  });

  test("ports: numbers with protocols, every port of a protocol, endPort ranges", () => {
    const w = world([
      netpol("prod", "ports", {
        podSelector: { matchLabels: { app: "web" } },
        ingress: [{ ports: [{ port: 80 }, { protocol: "UDP", port: 5353 }, { protocol: "SCTP" }, { port: 8000, endPort: 8100 }] }],
      }),
    ]);
    assert.ok(w.ok(intruder, web, 80) && w.ok(prom, web, 80) && w.ok("1.2.3.4", web, 80), "no peers: from anywhere");
    assert.equal(w.verdict(client, web, 81), "REJECT");
    assert.equal(w.verdict(client, web, 80, "udp"), "REJECT", "protocol TCP by default");
    assert.ok(w.ok(client, web, 5353, "udp"));
    assert.equal(w.verdict(client, web, 5353, "tcp"), "REJECT");
    assert.ok(w.ok(client, web, 1, "sctp") && w.ok(client, web, 65535, "sctp"));
    assert.ok(w.ok(client, web, 8000) && w.ok(client, web, 8050) && w.ok(client, web, 8100));
    assert.equal(w.verdict(client, web, 8101), "REJECT");
    assert.equal(w.verdict(client, web, 0, "icmp"), "REJECT", "a rule with ports allows no ICMP");
  });

  test("named ports resolve against the destination pod's container ports, by name and protocol", () => {
    const w = world([
      netpol("prod", "named", {
        podSelector: {},
        ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }], ports: [{ port: "http" }, { protocol: "UDP", port: "dns" }, { port: "pg" }] }],
      }),
    ]);
    assert.ok(w.ok(client, web, 8080));
    assert.equal(w.verdict(client, web, 80), "REJECT");
    assert.ok(w.ok(client, web, 53, "udp"));
    assert.equal(w.verdict(client, web, 53, "tcp"), "REJECT", "dns is a UDP port");
    assert.equal(w.verdict(client, web, 5432), "REJECT", "web has no port pg");
    assert.ok(w.ok(client, db, 5432));
    assert.equal(w.verdict(client, db, 8080), "REJECT", "db has no port http");
    assert.equal(w.verdict(intruder, web, 8080), "REJECT");
  });

  test("an empty rule allows everything; no rules, or peers that select nothing, allow nothing", () => {
    const all = world([netpol("prod", "all", { podSelector: {}, ingress: [{}] })]);
    assert.ok(all.ok(intruder, web, 1234) && all.ok("8.8.8.8", db, 1, "udp"));
    const none = world([netpol("prod", "none", { podSelector: {}, ingress: [] })]);
    assert.equal(none.verdict(client, web), "REJECT");
    const nobody = world([netpol("prod", "nobody", { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { role: "ghost" } } }] }] })]);
    assert.equal(nobody.verdict(client, web), "REJECT");
    assert.equal(nobody.verdict("8.8.8.8", web), "REJECT");
  });

  test("several policies selecting one pod allow the union of their rules", () => {
    const w = world([
      netpol("prod", "a", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }], ports: [{ port: 80 }] }] }),
      netpol("prod", "b", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "ops" } } }] }] }),
    ]);
    assert.ok(w.ok(client, web, 80) && w.ok(prom, web, 9090) && w.ok(prom, db));
    assert.equal(w.verdict(client, web, 81), "REJECT");
    assert.equal(w.verdict(client, db, 80), "REJECT", "policy a does not select db");
    assert.equal(w.verdict(intruder, web), "REJECT");
  });

  test("egress: default deny blocks other pods, the outside and the node's DNS; rules open the way to peers", () => {
    const deny = world([denyEgress()]);
    assert.deepEqual(deny.plan.isolated, { ingress: 0, egress: 2 });
    assert.equal(deny.verdict(web, client), "REJECT");
    assert.equal(deny.verdict(web, "8.8.8.8", 53, "udp"), "REJECT");
    assert.equal(deny.verdict(web, gateway, 53, "udp", "INPUT"), "REJECT", "DNS on the bridge's gateway (the node) is blocked too");
    assert.equal(deny.verdict(web, gateway, 53, "tcp", "INPUT"), "REJECT");
    assert.ok(deny.ok(client, web), "ingress is not isolated");
    assert.equal(deny.verdict(web, client, 80, "tcp", "FORWARD", "ESTABLISHED"), "ACCEPT", "replies to the pod's accepted connections pass");
    assert.ok(deny.ok(devWeb, client) && deny.ok(devWeb, gateway, 53, "udp", "INPUT"), "another namespace is not isolated");
    assert.ok(deny.ok(intruder, client), "traffic of no local pod is not touched");

    const allow = world([
      netpol("prod", "to-db-and-dns", {
        podSelector: { matchLabels: { app: "web" } },
        policyTypes: ["Egress"],
        egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [{ port: 5432 }] }, { to: [{ ipBlock: { cidr: `${gateway}/32` } }], ports: [{ protocol: "UDP", port: 53 }] }],
      }),
    ]);
    assert.ok(allow.ok(web, db, 5432));
    assert.equal(allow.verdict(web, db, 80), "REJECT");
    assert.equal(allow.verdict(web, client, 5432), "REJECT");
    assert.ok(allow.ok(web, gateway, 53, "udp", "INPUT"), "DNS allowed by an ipBlock");
    assert.equal(allow.verdict(web, gateway, 53, "tcp", "INPUT"), "REJECT");
    assert.ok(allow.ok(db, client), "db is not selected");
  });

  test("egress named ports resolve against each peer pod's ports, and reach only pods", () => {
    const w = world([
      netpol("prod", "metrics", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ ports: [{ port: "metrics" }] }] }),
      netpol("prod", "metrics-in-block", { podSelector: { matchLabels: { app: "db" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "10.244.2.0/24", except: ["10.244.2.2/32"] } }], ports: [{ port: "metrics" }] }] }),
    ]);
    assert.ok(w.ok(web, client, 9100) && w.ok(web, devClient, 9200));
    assert.equal(w.verdict(web, client, 9200), "REJECT", "client's metrics port is 9100");
    assert.equal(w.verdict(web, "8.8.8.8", 9100), "REJECT", "not a pod");
    assert.ok(w.ok(db, devClient, 9200));
    assert.equal(w.verdict(db, client, 9100), "REJECT", "excepted from the block");
    assert.equal(w.verdict(db, prom, 9100), "REJECT");
  });

  test("both directions: a connection between two local pods needs the source's egress and the destination's ingress", () => {
    const webEgress = netpol("prod", "web", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }] });
    const dbIngress = (from: string) => netpol("prod", "db", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: from === "web" ? { app: "web" } : { role: from } } }] }] });
    const w = world([webEgress, dbIngress("client")]);
    assert.equal(w.verdict(web, db), "REJECT", "web's egress allows it, db's ingress does not");
    assert.ok(w.ok(client, db));
    assert.equal(w.verdict(web, client), "REJECT", "client's ingress is open, web's egress is not");
    assert.ok(w.ok(db, web), "neither db's egress nor web's ingress is isolated");
    assert.ok(world([webEgress, dbIngress("web")]).ok(web, db), "both allow it");
  });

  test("policyTypes left out are defaulted as the API does: egress rules make an Egress policy, and every policy is an Ingress one", () => {
    const w = world([netpol("prod", "egress-only", { podSelector: { matchLabels: { app: "web" } }, egress: [{ to: [{ podSelector: { matchLabels: { app: "db" } } }] }] })]);
    assert.deepEqual(w.plan.isolated, { ingress: 1, egress: 1 });
    assert.equal(w.verdict(client, web), "REJECT");
    assert.ok(w.ok(web, db));
    assert.equal(w.verdict(web, client), "REJECT");
  });

  test("only this node's pods on the pod network are policed: not a hostNetwork pod, not another node's", () => {
    const hostNet = podAt("prod", "agent", "192.0.2.10", { app: "web" });
    const w = world([denyIngress()], { localPods: [...localPods, hostNet, podAt("prod", "elsewhere", "10.244.5.5", {})] });
    assert.deepEqual(w.plan.isolated, { ingress: 2, egress: 0 });
    assert.ok(!w.plan.restore.includes("192.0.2.10") && !w.plan.restore.includes("10.244.5.5"));
  });

  test("a selector or CIDR the API should have refused is reported and allows nothing", () => {
    const bad = netpol("prod", "bad", {
      podSelector: {},
      ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: "a", operator: "Foo" as "In" }] } }, { ipBlock: { cidr: "192.168.0.0/16", except: ["nonsense"] } }] }],
    });
    const w = world([bad]);
    assert.equal(w.plan.problems.length, 2, w.plan.problems.join("\n"));
    assert.match(w.plan.problems[0] ?? "", /prod\/bad spec\.ingress\[0\]\.from\[0\]\.podSelector is not a valid label selector/);
    assert.equal(w.verdict(client, web), "REJECT");
    assert.equal(w.verdict("192.168.1.1", web), "REJECT");
  });
});

describe("network policy rules as written", () => {
  test("one chain per isolated local pod and direction, named from the node and the pod, at most 28 characters", () => {
    const w = world([denyIngress(), denyEgress()]);
    const ours = w.model.chains("filter").filter((c) => c.startsWith(names.prefix));
    for (const pod of [web, db]) {
      for (const d of ["ingress", "egress"] as const) assert.ok(ours.includes(podChainName(names, d, pod.namespace, pod.name)), `${pod.name} ${d}`);
    }
    assert.equal(ours.length, 6);
    for (const c of ours) assert.ok(c.length <= MAX_CHAIN_NAME, c);
    assert.deepEqual(w.model.rules("filter", names.forward), [
      '-m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "replies of allowed connections" -j RETURN',
      `-s ${db.ip}/32 -m comment --comment "prod/db egress" -j ${podChainName(names, "egress", "prod", "db")}`,
      `-s ${web.ip}/32 -m comment --comment "prod/web egress" -j ${podChainName(names, "egress", "prod", "web")}`,
      `-d ${db.ip}/32 -m comment --comment "prod/db ingress" -j ${podChainName(names, "ingress", "prod", "db")}`,
      `-d ${web.ip}/32 -m comment --comment "prod/web ingress" -j ${podChainName(names, "ingress", "prod", "web")}`,
    ]);
    assert.equal(w.model.rules("filter", names.input).length, 3, "replies, and the two egress-isolated pods");
  });

  test("a peer set is one chain shared by every pod and rule that allows it; rules stay few with many peers", () => {
    const many = Array.from({ length: 100 }, (_, i) => podAt("prod", `c${i}`, `10.244.${10 + Math.floor(i / 200)}.${(i % 200) + 1}`, { role: "client" }));
    const locals = Array.from({ length: 20 }, (_, i) => podAt("prod", `w${i}`, `10.244.1.${10 + i}`, { app: "web" }));
    const w = world([netpol("prod", "web", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }], ports: [{ port: 80 }, { port: 443 }, { protocol: "UDP", port: 53 }] }] })], {
      localPods: locals,
      pods: [...locals, ...many],
    });
    const peerChains = w.model.chains("filter").filter((c) => c.startsWith(`${names.prefix}S-`));
    assert.equal(peerChains.length, 1);
    assert.equal(w.model.rules("filter", peerChains[0] ?? "").length, 100);
    const total = w.model.chains("filter").reduce((n, c) => n + w.model.rules("filter", c).length, 0);
    assert.ok(total < 100 + 20 * 8 + 25, `${total} rules`);
    assert.ok(w.ok(many[57] ?? "", locals[3] ?? "", 443));
    assert.equal(w.verdict(many[57] ?? "", locals[3] ?? "", 8080), "REJECT");
  });

  test("jumps come from FORWARD and INPUT without Docker, from DOCKER-USER with it, before the pod network's ACCEPT", () => {
    const plain = world([denyIngress()]);
    assert.equal(plain.model.rules("filter", "FORWARD")[0], `-m comment --comment "${names.comment}" -j ${names.forward}`);
    assert.equal(plain.model.rules("filter", "INPUT")[0], `-m comment --comment "${names.comment}" -j ${names.input}`);

    // A Docker host whose pod network chain was put in DOCKER-USER, then moved to the top again by hand.
    const netNames = nodeNetworkNames(NODE);
    const docker = new IptablesModel("*filter\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\n-A DOCKER-USER -j RETURN\nCOMMIT\n");
    docker.restore(iptablesRestoreInput({ names: netNames, ...network }, docker.save()));
    const first = world([denyIngress()], {}, docker.save());
    assert.equal(first.model.rules("filter", "DOCKER-USER")[0], `-m comment --comment "${names.comment}" -j ${names.forward}`);
    assert.equal(first.model.rules("filter", "FORWARD").some((r) => r.endsWith(names.forward)), false);
    assert.equal(first.verdict(client, web, 80, "tcp", "FORWARD"), "REJECT", "denied although the pod network ACCEPTs the cluster CIDR");

    first.model.restore(`*filter\n-D DOCKER-USER -m comment --comment "${names.comment}" -j ${names.forward}\n-A DOCKER-USER -m comment --comment "${names.comment}" -j ${names.forward}\nCOMMIT\n`);
    const again = planPolicyRules(first.input, first.model.save());
    first.model.restore(again.restore);
    assert.equal(first.model.rules("filter", "DOCKER-USER")[0], `-m comment --comment "${names.comment}" -j ${names.forward}`, "moved back to the top");
    assert.equal(first.model.rules("filter", "DOCKER-USER").filter((r) => r.endsWith(names.forward)).length, 1);
    assert.equal(first.verdict(client, web), "REJECT");
  });

  test("planning against its own result changes nothing: no jump added, moved or deleted, the same input", () => {
    const w = world([denyIngress(), allowClients, denyEgress()]);
    const again = planPolicyRules(w.input, w.model.save());
    assert.deepEqual(again.restore.split("\n").filter((l) => /^-[IDX] /.test(l)), []);
    assert.equal(again.restore, w.plan.restore.replace(/^-I .*\n/gm, ""), "the same chains and rules, without the jumps made the first time");
    const before = w.model.save();
    w.model.restore(again.restore);
    assert.equal(w.model.save(), before);
  });

  test("chains of pods and peer sets no longer needed are deleted; rules added by hand to its chains go", () => {
    const w = world([denyIngress(), allowClients]);
    const webChain = podChainName(names, "ingress", "prod", "web");
    const peerChain = w.model.chains("filter").find((c) => c.startsWith(`${names.prefix}S-`));
    assert.equal(peerChain, undefined, "one client: written inline");
    w.model.restore(`*filter\n-A ${webChain} -j RETURN\nCOMMIT\n`);
    const next = planPolicyRules({ ...w.input, localPods: [db], policies: [denyIngress()] }, w.model.save());
    assert.deepEqual(next.staleChains, [webChain]);
    w.model.restore(next.restore);
    assert.equal(w.model.chains("filter").includes(webChain), false);
    const restored = planPolicyRules(w.input, w.model.save());
    w.model.restore(restored.restore);
    assert.equal(w.model.rules("filter", webChain).includes("-j RETURN"), false);
  });

  test("two agents on one host: each polices only its own pods, and neither removes the other's chains", () => {
    const nodeB = "node-b";
    const namesB = policyChainNames(nodeB);
    const bPod = podAt("prod", "api", "10.244.2.9", { app: "api" });
    const all = [...pods, bPod];
    const model = new IptablesModel();
    const plan = (node: string, local: PolicyPod[], podCidr: string) => {
      const p = planPolicyRules({ nodeName: node, clusterCidr: network.clusterCidr, podCidr, localPods: local, pods: all, namespaces, policies: [denyIngress()] }, model.save());
      model.restore(p.restore);
      return p;
    };
    plan(NODE, localPods, network.podCidr);
    const b = plan(nodeB, [bPod], "10.244.2.0/24");
    assert.deepEqual(b.staleChains, []);
    plan(NODE, localPods, network.podCidr);
    assert.ok(model.chains("filter").includes(namesB.forward) && model.chains("filter").includes(podChainName(namesB, "ingress", "prod", "api")));
    assert.equal(filterVerdict(model, "FORWARD", { src: client.ip, dst: bPod.ip, protocol: "tcp", port: 80 }), "REJECT");
    assert.equal(filterVerdict(model, "FORWARD", { src: client.ip, dst: web.ip, protocol: "tcp", port: 80 }), "REJECT");
    assert.equal(filterVerdict(model, "FORWARD", { src: client.ip, dst: devWeb.ip, protocol: "tcp", port: 80 }), "ACCEPT");
    assert.ok(!model.rules("filter", names.forward).some((r) => r.includes(bPod.ip)), "node-a's chains never name node-b's pods");
    const jumps = model.rules("filter", "FORWARD").map((r) => r.split(" -j ")[1]);
    assert.deepEqual(jumps.sort(), [names.forward, namesB.forward].sort(), "one jump each");
    assert.deepEqual(planPolicyRules({ nodeName: NODE, ...network, localPods, pods: all, namespaces, policies: [denyIngress()] }, model.save()).restore.split("\n").filter((l) => /^-[ID] /.test(l)), [], "the other's jump ahead of its own moves nothing");
  });

  test("comments stay within iptables' 255 characters, however long the names", () => {
    const long = podAt("prod", "w".repeat(253), "10.244.1.50", { app: "web" });
    const w = world([netpol("prod", "p".repeat(253), { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "192.168.0.0/16" } }] }] })], { localPods: [long] });
    const comments = [...w.plan.restore.matchAll(/--comment "([^"]*)"/g)].map((m) => m[1] ?? "");
    assert.ok(comments.length > 3);
    for (const c of comments) assert.ok(c.length <= 255, `${c.length} characters`);
  });

  test("cleanup removes every chain and jump of the node's policy and nothing else", () => {
    const w = world([denyIngress(), denyEgress(), allowClients], {}, "*filter\n:HOST-OWN - [0:0]\n-A FORWARD -j HOST-OWN\nCOMMIT\n");
    const input = policyCleanupInput(NODE, w.model.save());
    assert.ok(input);
    w.model.restore(input);
    assert.deepEqual(w.model.chains("filter").filter((c) => c.startsWith(names.prefix)), []);
    assert.deepEqual(w.model.rules("filter", "FORWARD"), ["-j HOST-OWN"]);
    assert.equal(w.model.rules("filter", "INPUT").length, 0);
    assert.equal(policyCleanupInput(NODE, w.model.save()), undefined);
  });
});

describe("pods as policy sees them", () => {
  const pod = (extra: Partial<Pod["spec"]> = {}, phase = "Running"): Pod => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace: "prod", name: "web", labels: { app: "web" } },
    spec: { containers: [{ name: "c", image: "x", ports: [{ name: "http", containerPort: 8080 }, { containerPort: 9000 }, { name: "dns", containerPort: 53, protocol: "UDP" }] }], ...extra },
    status: { phase: phase as "Running", podIP: "10.244.1.2" },
  });

  test("named container ports, labels and the address; the agent's own address wins", () => {
    assert.deepEqual(policyPodFromPod(pod()), podAt("prod", "web", "10.244.1.2", { app: "web" }, [
      { name: "http", port: 8080, protocol: "TCP" },
      { name: "dns", port: 53, protocol: "UDP" },
    ]));
    assert.equal(policyPodFromPod(pod(), "10.244.1.9")?.ip, "10.244.1.9");
  });

  test("no hostNetwork pods, finished pods or pods without an address", () => {
    assert.equal(policyPodFromPod(pod({ hostNetwork: true })), undefined);
    assert.equal(policyPodFromPod(pod({}, "Succeeded")), undefined);
    const noIP = pod();
    delete noIP.status?.podIP;
    assert.equal(policyPodFromPod(noIP), undefined);
  });

  test("selection lists isolated pods with what they may do, by policy", () => {
    const s = selectPolicies({ nodeName: NODE, ...network, localPods, pods, namespaces, policies: [denyIngress(), allowClients] });
    assert.deepEqual(
      s.pods.map((p) => [p.pod.name, p.ingress?.length, p.egress]),
      [
        ["db", 0, undefined],
        ["web", 1, undefined],
      ],
    );
    assert.deepEqual(s.pods[1]?.ingress?.[0], { peers: { ips: [client.ip], blocks: [] }, policy: "prod/web-from-clients" });
  });
});
