// kube-scheduler's InterPodAffinity cases (filtering_test.go, scoring_test.go):
// required (anti-)affinity of the incoming pod, existing pods' required
// anti-affinity, namespaces and namespaceSelector, matchLabelKeys, and the scores of
// preferred terms either way.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Affinity, Namespace, Node, Pod, PodAffinityTerm } from "@bosun/api";
import { CycleState, type Status } from "../src/framework/interface.js";
import { buildNodeInfos } from "../src/framework/node-info.js";
import { InterPodAffinity } from "../src/plugins/inter-pod-affinity.js";
import { makeHandle, makeNode, makePod, type HandleObjects } from "./fixtures.js";

const affinityReason = "node(s) didn't match pod affinity rules";
const antiAffinityReason = "node(s) didn't match pod anti-affinity rules";
const existingReason = "node(s) didn't satisfy existing pods anti-affinity rules";

function pod(name: string, opts: { labels?: Record<string, string>; namespace?: string; nodeName?: string; affinity?: Affinity } = {}): Pod {
  const p = makePod(name, { labels: opts.labels ?? {}, namespace: opts.namespace ?? "default", ...(opts.nodeName ? { nodeName: opts.nodeName } : {}) });
  if (opts.affinity) p.spec.affinity = opts.affinity;
  return p;
}

function term(topologyKey: string, matchLabels: Record<string, string> | undefined, extra: Partial<PodAffinityTerm> = {}): PodAffinityTerm {
  return { topologyKey, ...(matchLabels ? { labelSelector: { matchLabels } } : {}), ...extra };
}

const nodes: Node[] = [
  makeNode("n1", { labels: { region: "r1", zone: "z11", "kubernetes.io/hostname": "n1" } }),
  makeNode("n2", { labels: { region: "r1", zone: "z12", "kubernetes.io/hostname": "n2" } }),
  makeNode("n3", { labels: { region: "r2", zone: "z21", "kubernetes.io/hostname": "n3" } }),
  makeNode("bare", { labels: {} }),
];

/** PreFilter over all nodes, then Filter on each: the status per node. */
function filterAll(incoming: Pod, existing: Pod[], objects: HandleObjects = {}): Record<string, Status> {
  const plugin = new InterPodAffinity(makeHandle(objects));
  const infos = buildNodeInfos(nodes, existing);
  const state = new CycleState();
  assert.equal(plugin.preFilter(incoming, state, infos).code, "Success");
  return Object.fromEntries(infos.map((info) => [info.name, plugin.filter(incoming, info, state)]));
}

function fitting(statuses: Record<string, Status>): string[] {
  return Object.entries(statuses).filter(([, s]) => s.code === "Success").map(([n]) => n);
}

test("a pod without pod (anti-)affinity fits everywhere, whatever runs there", () => {
  assert.deepEqual(fitting(filterAll(pod("p"), [pod("e", { labels: { app: "db" }, nodeName: "n1" })])), ["n1", "n2", "n3", "bare"]);
});

test("required affinity: only nodes in the domain of a matching pod; others are unresolvable", () => {
  const incoming = pod("p", { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("region", { app: "db" })] } } });
  const statuses = filterAll(incoming, [pod("db", { labels: { app: "db" }, nodeName: "n1" })]);
  assert.deepEqual(fitting(statuses), ["n1", "n2"]);
  assert.deepEqual(statuses.n3, { code: "UnschedulableAndUnresolvable", reasons: [affinityReason] });
  assert.deepEqual(statuses.bare, { code: "UnschedulableAndUnresolvable", reasons: [affinityReason] });
});

test("required affinity with several terms needs one pod matching them all", () => {
  const incoming = pod("p", {
    affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("region", { app: "db" }), term("zone", { tier: "x" })] } },
  });
  // Two pods each matching one term do not count.
  assert.deepEqual(fitting(filterAll(incoming, [pod("a", { labels: { app: "db" }, nodeName: "n1" }), pod("b", { labels: { tier: "x" }, nodeName: "n1" })])), []);
  assert.deepEqual(fitting(filterAll(incoming, [pod("ab", { labels: { app: "db", tier: "x" }, nodeName: "n2" })])), ["n2"]);
});

test("the first of a group with affinity to itself fits any node with the topology key", () => {
  const affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("zone", { app: "web" })] } };
  assert.deepEqual(fitting(filterAll(pod("p", { labels: { app: "web" }, affinity }), [])), ["n1", "n2", "n3"]);
  // A pod that does not match its own term waits for one that does.
  assert.deepEqual(fitting(filterAll(pod("p", { labels: { app: "other" }, affinity }), [])), []);
});

test("required anti-affinity keeps the pod out of matching pods' domains", () => {
  const incoming = pod("p", { labels: { app: "web" }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("kubernetes.io/hostname", { app: "web" })] } } });
  const statuses = filterAll(incoming, [pod("web-1", { labels: { app: "web" }, nodeName: "n1" })]);
  assert.deepEqual(statuses.n1, { code: "Unschedulable", reasons: [antiAffinityReason] });
  assert.deepEqual(fitting(statuses), ["n2", "n3", "bare"]);
  const byRegion = pod("p", { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("region", { app: "web" })] } } });
  assert.deepEqual(fitting(filterAll(byRegion, [pod("web-1", { labels: { app: "web" }, nodeName: "n1" })])), ["n3", "bare"]);
});

test("existing pods' required anti-affinity keeps matching pods out of their domains", () => {
  const guard = pod("guard", {
    nodeName: "n1",
    affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("region", { security: "S1" })] } },
  });
  const statuses = filterAll(pod("p", { labels: { security: "S1" } }), [guard]);
  assert.deepEqual(statuses.n1, { code: "Unschedulable", reasons: [existingReason] });
  assert.deepEqual(statuses.n2, { code: "Unschedulable", reasons: [existingReason] });
  assert.deepEqual(fitting(statuses), ["n3", "bare"]);
  assert.deepEqual(fitting(filterAll(pod("p", { labels: { security: "S2" } }), [guard])), ["n1", "n2", "n3", "bare"]);
  // The existing pod's term names its own namespace by default.
  assert.deepEqual(fitting(filterAll(pod("p", { labels: { security: "S1" }, namespace: "other" }), [guard])), ["n1", "n2", "n3", "bare"]);
});

test("namespaces, namespaceSelector, an empty namespaceSelector and an absent labelSelector", () => {
  const db = pod("db", { labels: { app: "db" }, namespace: "team-a", nodeName: "n1" });
  const objects: HandleObjects = {
    namespaces: [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a", labels: { team: "a" } } },
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "default", labels: {} } },
    ] as Namespace[],
  };
  const withTerm = (t: PodAffinityTerm) => pod("p", { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [t] } } });
  // By default only the pod's own namespace counts.
  assert.deepEqual(fitting(filterAll(withTerm(term("region", { app: "db" })), [db], objects)), []);
  assert.deepEqual(fitting(filterAll(withTerm(term("region", { app: "db" }, { namespaces: ["team-a"] })), [db], objects)), ["n1", "n2"]);
  assert.deepEqual(fitting(filterAll(withTerm(term("region", { app: "db" }, { namespaceSelector: { matchLabels: { team: "a" } } })), [db], objects)), ["n1", "n2"]);
  assert.deepEqual(fitting(filterAll(withTerm(term("region", { app: "db" }, { namespaceSelector: { matchLabels: { team: "b" } } })), [db], objects)), []);
  assert.deepEqual(fitting(filterAll(withTerm(term("region", { app: "db" }, { namespaceSelector: {} })), [db], objects)), ["n1", "n2"]);
  // No labelSelector selects no pod.
  assert.deepEqual(fitting(filterAll(withTerm(term("region", undefined, { namespaceSelector: {} })), [db], objects)), []);
});

test("an existing pod's anti-affinity namespaceSelector reads the incoming pod's namespace labels", () => {
  const guard = pod("guard", {
    nodeName: "n3",
    affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("region", { app: "x" }, { namespaceSelector: { matchLabels: { team: "a" } } })] } },
  });
  const objects: HandleObjects = { namespaces: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a", labels: { team: "a" } } }] };
  assert.deepEqual(fitting(filterAll(pod("p", { labels: { app: "x" }, namespace: "team-a" }), [guard], objects)), ["n1", "n2", "bare"]);
  assert.deepEqual(fitting(filterAll(pod("p", { labels: { app: "x" }, namespace: "team-b" }), [guard], objects)), ["n1", "n2", "n3", "bare"]);
});

test("matchLabelKeys and mismatchLabelKeys compare with the pod's own label values", () => {
  const incoming = pod("p", {
    labels: { app: "web", rev: "2" },
    affinity: {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("kubernetes.io/hostname", { app: "web" }, { matchLabelKeys: ["rev"] })] },
    },
  });
  const existing = [pod("old", { labels: { app: "web", rev: "1" }, nodeName: "n1" }), pod("new", { labels: { app: "web", rev: "2" }, nodeName: "n2" })];
  assert.deepEqual(fitting(filterAll(incoming, existing)), ["n1", "n3", "bare"]);
  const mismatch = pod("p", {
    labels: { app: "web", rev: "2" },
    affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("kubernetes.io/hostname", { app: "web" }, { mismatchLabelKeys: ["rev"] })] } },
  });
  assert.deepEqual(fitting(filterAll(mismatch, existing)), ["n1"]);
});

/** PreScore over all nodes, Score and NormalizeScore over the given feasible ones. */
function scoreAll(incoming: Pod, existing: Pod[], feasible = ["n1", "n2", "n3"]): Record<string, number> {
  const plugin = new InterPodAffinity(makeHandle());
  const infos = buildNodeInfos(nodes, existing);
  const candidates = infos.filter((i) => feasible.includes(i.name));
  const state = new CycleState();
  plugin.preScore(incoming, state, candidates, infos);
  const scores = new Map(candidates.map((i) => [i.name, plugin.score(incoming, i, state)]));
  plugin.normalize(incoming, scores, state);
  return Object.fromEntries(scores);
}

test("preferred affinity and anti-affinity of the incoming pod score by weight per domain", () => {
  const existing = [pod("db", { labels: { app: "db" }, nodeName: "n1" }), pod("cache", { labels: { app: "cache" }, nodeName: "n3" })];
  const attracted = pod("p", {
    affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 5, podAffinityTerm: term("region", { app: "db" }) }] } },
  });
  assert.deepEqual(scoreAll(attracted, existing), { n1: 100, n2: 100, n3: 0 });
  const mixed = pod("p", {
    affinity: {
      podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 8, podAffinityTerm: term("zone", { app: "db" }) }] },
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 4, podAffinityTerm: term("region", { app: "cache" }) }] },
    },
  });
  // n1: +8, n2: 0, n3: -4 -> scaled between -4 and 8.
  assert.deepEqual(scoreAll(mixed, existing), { n1: 100, n2: 33, n3: 0 });
  assert.deepEqual(scoreAll(pod("plain"), existing), { n1: 0, n2: 0, n3: 0 });
});

test("existing pods' terms score the incoming pod: their required affinity at weight 1, their preferences by weight", () => {
  const wantsWeb = pod("a", {
    nodeName: "n1",
    affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term("zone", { app: "web" })] } },
  });
  assert.deepEqual(scoreAll(pod("p", { labels: { app: "web" } }), [wantsWeb]), { n1: 100, n2: 0, n3: 0 });
  const avoidsWeb = pod("b", {
    nodeName: "n3",
    affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term("region", { app: "web" }) }] } },
  });
  assert.deepEqual(scoreAll(pod("p", { labels: { app: "web" } }), [wantsWeb, avoidsWeb]), { n1: 100, n2: 90, n3: 0 });
});
