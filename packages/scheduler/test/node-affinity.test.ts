// kube-scheduler's NodeAffinity cases (node_affinity_test.go): nodeSelector and the
// required terms filter, the preferred terms score.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { NodeAffinity as NodeAffinitySpec, NodeSelectorRequirement, Pod } from "@bosun/api";
import { newNodeInfo } from "../src/framework/node-info.js";
import { NodeAffinity } from "../src/plugins/node-affinity.js";
import { makeNode, makePod } from "./fixtures.js";

const plugin = new NodeAffinity();

function podWith(nodeAffinity: NodeAffinitySpec, nodeSelector?: Record<string, string>): Pod {
  const p = makePod("p", nodeSelector ? { nodeSelector } : {});
  p.spec.affinity = { nodeAffinity };
  return p;
}

function required(...terms: NodeSelectorRequirement[][]): NodeAffinitySpec {
  return { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })) } };
}

function fits(pod: Pod, labels: Record<string, string>, name = "node-1"): boolean {
  return plugin.filter(pod, newNodeInfo(makeNode(name, { labels }), [])).code === "Success";
}

test("a pod without node selector or affinity fits any node", () => {
  assert.ok(fits(makePod("p"), { foo: "bar" }));
});

test("required terms: In, NotIn, Exists, DoesNotExist, Gt and Lt over node labels", () => {
  const labels = { foo: "bar", gpus: "4", zone: "z1" };
  const cases: [NodeSelectorRequirement, boolean][] = [
    [{ key: "foo", operator: "In", values: ["value1", "bar"] }, true],
    [{ key: "foo", operator: "In", values: ["value1"] }, false],
    [{ key: "foo", operator: "NotIn", values: ["bar"] }, false],
    [{ key: "foo", operator: "NotIn", values: ["baz"] }, true],
    [{ key: "missing", operator: "NotIn", values: ["baz"] }, true],
    [{ key: "foo", operator: "Exists" }, true],
    [{ key: "missing", operator: "Exists" }, false],
    [{ key: "foo", operator: "DoesNotExist" }, false],
    [{ key: "missing", operator: "DoesNotExist" }, true],
    [{ key: "gpus", operator: "Gt", values: ["3"] }, true],
    [{ key: "gpus", operator: "Gt", values: ["4"] }, false],
    [{ key: "gpus", operator: "Lt", values: ["5"] }, true],
    [{ key: "gpus", operator: "Lt", values: ["4"] }, false],
    // A value that is not an integer never compares.
    [{ key: "foo", operator: "Gt", values: ["1"] }, false],
  ];
  for (const [req, want] of cases) assert.equal(fits(podWith(required([req])), labels), want, JSON.stringify(req));
});

test("requirements of a term are ANDed, terms ORed; a term without requirements matches nothing", () => {
  const labels = { foo: "bar", zone: "z1" };
  const foo: NodeSelectorRequirement = { key: "foo", operator: "In", values: ["bar"] };
  const wrongZone: NodeSelectorRequirement = { key: "zone", operator: "In", values: ["z2"] };
  assert.equal(fits(podWith(required([foo, wrongZone])), labels), false);
  assert.equal(fits(podWith(required([wrongZone], [foo])), labels), true);
  assert.equal(fits(podWith(required([])), labels), false);
  assert.equal(fits(podWith({ requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } }), labels), false);
  // Only preferred terms: any node fits.
  assert.equal(fits(podWith({ preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [wrongZone] } }] }), labels), true);
});

test("matchFields select the node by metadata.name, as DaemonSet pods are placed", () => {
  const pod = podWith({
    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["node-1"] }] }] },
  });
  assert.equal(fits(pod, {}, "node-1"), true);
  assert.equal(fits(pod, {}, "node-2"), false);
});

test("nodeSelector and required affinity must both hold, with Kubernetes' reason and no preemption", () => {
  const pod = podWith(required([{ key: "foo", operator: "Exists" }]), { zone: "z1" });
  assert.ok(fits(pod, { foo: "x", zone: "z1" }));
  assert.deepEqual(plugin.filter(pod, newNodeInfo(makeNode("n", { labels: { foo: "x", zone: "z2" } }), [])), {
    code: "UnschedulableAndUnresolvable",
    reasons: ["node(s) didn't match Pod's node affinity/selector"],
  });
  assert.equal(fits(pod, { zone: "z1" }), false);
});

test("preferred terms add their weights; scores scale to the best node", () => {
  const pod = podWith({
    preferredDuringSchedulingIgnoredDuringExecution: [
      { weight: 2, preference: { matchExpressions: [{ key: "foo", operator: "In", values: ["bar"] }] } },
      { weight: 4, preference: { matchExpressions: [{ key: "key", operator: "In", values: ["value"] }] } },
      { weight: 5, preference: { matchExpressions: [{ key: "foo", operator: "In", values: ["bar"] }, { key: "key", operator: "In", values: ["value"] }, { key: "az", operator: "In", values: ["az1"] }] } },
      // Weight 0 and empty preferences count for nothing.
      { weight: 0, preference: { matchExpressions: [{ key: "foo", operator: "Exists" }] } },
      { weight: 7, preference: {} },
    ],
  });
  const nodes = {
    "machine1": { foo: "bar" },
    "machine2": { foo: "bar", key: "value", az: "az1" },
    "machine3": { key: "value" },
    "machine4": {},
  };
  const scores = new Map(Object.entries(nodes).map(([name, labels]) => [name, plugin.score(pod, newNodeInfo(makeNode(name, { labels }), []))]));
  assert.deepEqual(Object.fromEntries(scores), { machine1: 2, machine2: 11, machine3: 4, machine4: 0 });
  plugin.normalize(pod, scores);
  assert.deepEqual(Object.fromEntries(scores), { machine1: 18, machine2: 100, machine3: 36, machine4: 0 });
  const none = new Map([["a", 0], ["b", 0]]);
  plugin.normalize(pod, none);
  assert.deepEqual(Object.fromEntries(none), { a: 0, b: 0 });
});
