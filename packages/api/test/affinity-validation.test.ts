// A pod's affinity, topologySpreadConstraints and schedulingGates as Kubernetes'
// pkg/apis/core/validation refuses them, with its messages and paths; gates that may
// only be removed; the SchedulingGated condition of a new gated pod; and the
// OpenAPI names kubectl explain knows the types by.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyDefaults,
  applySchedulingGatedCondition,
  Deployment,
  DefinitionSet,
  mustResource,
  objectWarnings,
  podColumns,
  validateObject,
  type Pod,
  type PodSpec,
} from "../src/index.js";

const pods = mustResource("pods");

function pod(spec: Partial<PodSpec>): Pod {
  const p: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } };
  applyDefaults(pods, p);
  return p;
}

function causes(spec: Partial<PodSpec>, old?: Partial<PodSpec>): [string | undefined, string | undefined][] {
  return validateObject(pods, pod(spec), old ? pod(old) : undefined).map((c) => [c.field, c.message]);
}

const zoneIn = { key: "zone", operator: "In" as const, values: ["z1"] };

test("valid affinity, spread constraints and gates pass", () => {
  assert.deepEqual(
    causes({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [zoneIn] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: "gpus", operator: "Gt", values: ["2"] }] } }],
        },
        podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "zone", labelSelector: { matchLabels: { app: "db" } }, namespaces: ["prod"] }] },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 1, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } }, matchLabelKeys: ["rev"], namespaceSelector: {} } },
          ],
        },
      },
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule", minDomains: 2, labelSelector: { matchLabels: { app: "web" } }, matchLabelKeys: ["rev"] },
        { maxSkew: 2, topologyKey: "zone", whenUnsatisfiable: "ScheduleAnyway", nodeAffinityPolicy: "Ignore", nodeTaintsPolicy: "Honor" },
      ],
      schedulingGates: [{ name: "example.com/quota" }],
    }),
    [],
  );
});

test("node affinity: terms, operators and weights", () => {
  assert.deepEqual(causes({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } }), [
    ["spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms", "Required value: must have at least one node selector term"],
  ]);
  assert.deepEqual(
    causes({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: { matchExpressions: [{ key: "zone", operator: "In" }] } }] } } }),
    [
      ["spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight", "Invalid value: 0: must be in the range 1-100"],
      [
        "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].values",
        "Required value: must be specified when `operator` is 'In' or 'NotIn'",
      ],
    ],
  );
  assert.deepEqual(
    causes({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "n", operator: "Gt", values: ["1", "2"] }] }] } } } }),
    [
      [
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values",
        "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'",
      ],
    ],
  );
});

test("pod (anti-)affinity terms: topologyKey, selectors, namespaces, weights and label keys", () => {
  const required = (term: Record<string, unknown>) => causes({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term as never] } } });
  const at = "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]";
  assert.deepEqual(required({ topologyKey: "", labelSelector: {} }).slice(0, 1), [[`${at}.topologyKey`, "Required value: can not be empty"]]);
  assert.ok(required({ topologyKey: "", labelSelector: {} }).length > 1, "an empty key is also not a valid label key");
  assert.deepEqual(required({ topologyKey: "zone", labelSelector: { matchExpressions: [{ key: "app", operator: "In" }] } }), [
    [`${at}.labelSelector.matchExpressions[0].values`, "Required value: must be specified when `operator` is 'In' or 'NotIn'"],
  ]);
  assert.deepEqual(required({ topologyKey: "zone", namespaces: ["Not_A_Namespace"] }).map(([f]) => f), [`${at}.namespace`]);
  assert.deepEqual(required({ topologyKey: "zone", matchLabelKeys: ["rev"] }), [[`${at}.matchLabelKeys`, "Forbidden: must not be specified when labelSelector is not set"]]);
  assert.deepEqual(required({ topologyKey: "zone", labelSelector: {}, matchLabelKeys: ["rev"], mismatchLabelKeys: ["rev"] }), [
    [`${at}.matchLabelKeys[0]`, 'Invalid value: "rev": exists in both matchLabelKeys and mismatchLabelKeys'],
  ]);
  assert.deepEqual(
    causes({ affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 101, podAffinityTerm: { topologyKey: "zone" } }] } } }),
    [["spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight", "Invalid value: 101: must be in the range 1-100"]],
  );
});

test("topology spread constraints as validateTopologySpreadConstraints", () => {
  const at = "spec.topologySpreadConstraints[0]";
  assert.deepEqual(causes({ topologySpreadConstraints: [{ maxSkew: 0, topologyKey: "", whenUnsatisfiable: "DoNotSchedule" }] }), [
    [`${at}.maxSkew`, "Invalid value: 0: must be greater than zero"],
    [`${at}.topologyKey`, "Required value: can not be empty"],
  ]);
  assert.deepEqual(causes({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "ScheduleAnyway", minDomains: 0 }] }), [
    [`${at}.minDomains`, "Invalid value: 0: must be greater than zero"],
    [`${at}.minDomains`, "Invalid value: 0: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway"],
  ]);
  const twice = { maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule" as const };
  assert.deepEqual(causes({ topologySpreadConstraints: [twice, { ...twice, maxSkew: 2 }] }), [
    [`${at}.{topologyKey, whenUnsatisfiable}`, 'Duplicate value: "{zone, DoNotSchedule}"'],
  ]);
  assert.deepEqual(causes({ topologySpreadConstraints: [{ ...twice, matchLabelKeys: ["app"], labelSelector: { matchLabels: { app: "web" } } }] }), [
    [`${at}.matchLabelKeys[0]`, 'Invalid value: "app": exists in both matchLabelKeys and labelSelector'],
  ]);
  assert.deepEqual(causes({ topologySpreadConstraints: [{ ...twice, matchLabelKeys: ["rev"] }] }), [[`${at}.matchLabelKeys`, "Forbidden: must not be specified when labelSelector is not set"]]);
  // An unknown policy or action is refused by the schema, by path.
  const bad = validateObject(pods, pod({ topologySpreadConstraints: [{ ...twice, nodeTaintsPolicy: "Sometimes" as never }] }));
  assert.equal(bad[0]?.field, `${at}.nodeTaintsPolicy`);
});

test("scheduling gates: qualified names, no duplicates, no nodeName on a gated new pod", () => {
  assert.deepEqual(causes({ schedulingGates: [{ name: "a" }, { name: "a" }] }), [["spec.schedulingGates[1]", 'Duplicate value: "a"']]);
  assert.deepEqual(causes({ schedulingGates: [{ name: "not a name" }] }).map(([f]) => f), ["spec.schedulingGates[0]"]);
  assert.deepEqual(causes({ schedulingGates: [{ name: "a" }], nodeName: "n1" }), [
    ["spec.nodeName", "Forbidden: cannot be set until all schedulingGates have been cleared"],
  ]);
});

test("on update gates may only be removed; while gated, nodeSelector and required node affinity may only narrow", () => {
  const gated = { schedulingGates: [{ name: "a" }, { name: "b" }] };
  assert.deepEqual(causes({ schedulingGates: [{ name: "b" }] }, gated), []);
  assert.deepEqual(causes({}, gated), []);
  assert.deepEqual(causes({ schedulingGates: [{ name: "a" }, { name: "c" }] }, gated), [
    ["spec.schedulingGates[1].name", "Forbidden: only deletion is allowed, but found new scheduling gate 'c'"],
  ]);
  assert.deepEqual(causes({ schedulingGates: [{ name: "a" }] }, {}), [["spec.schedulingGates[0].name", "Forbidden: only deletion is allowed, but found new scheduling gate 'a'"]]);
  // Gated: selectors may be added to, not changed.
  assert.deepEqual(causes({ ...gated, nodeSelector: { zone: "z1", disk: "ssd" } }, { ...gated, nodeSelector: { zone: "z1" } }), []);
  assert.deepEqual(causes({ ...gated, nodeSelector: { zone: "z2" } }, { ...gated, nodeSelector: { zone: "z1" } }), [
    ["spec.nodeSelector", 'Invalid value: {"zone":"z2"}: only additions to spec.nodeSelector are allowed (no mutations or deletions)'],
  ]);
  const required = (...matchExpressions: (typeof zoneIn)[]) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } } });
  const disk = { key: "disk", operator: "In" as const, values: ["ssd"] };
  assert.deepEqual(causes({ ...gated, affinity: required(zoneIn, disk) }, { ...gated, affinity: required(zoneIn) }), []);
  assert.deepEqual(causes({ ...gated, affinity: required(zoneIn) }, gated), [], "with no required terms before, any may be set");
  assert.deepEqual(
    causes({ ...gated, affinity: required(disk) }, { ...gated, affinity: required(zoneIn) }).map(([f, m]) => [f, m?.replace(/: .*: /, ": ... : ")]),
    [
      [
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions",
        "Invalid value: ... : only additions are allowed (no mutations or deletions)",
      ],
    ],
  );
  // Not gated: nothing of it may change.
  const changed = causes({ nodeSelector: { zone: "z1", disk: "ssd" } }, { nodeSelector: { zone: "z1" } });
  assert.equal(changed.length, 1);
  assert.match(changed[0]![1]!, /^Forbidden: pod updates may not change fields other than/);
});

test("a new gated pod is PodScheduled=False, reason SchedulingGated", () => {
  const p = pod({ schedulingGates: [{ name: "a" }] });
  applySchedulingGatedCondition(p);
  const cond = p.status?.conditions?.find((c) => c.type === "PodScheduled");
  assert.deepEqual(
    { status: cond?.status, reason: cond?.reason, message: cond?.message },
    { status: "False", reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates" },
  );
  const plain = pod({});
  applySchedulingGatedCondition(plain);
  assert.equal(plain.status?.conditions, undefined);
});

test("the new types carry Kubernetes' OpenAPI names", () => {
  const set = new DefinitionSet();
  set.addRoot("io.k8s.api.apps.v1.Deployment", Deployment, { gvk: { group: "apps", version: "v1", kind: "Deployment" }, description: "", optionalFields: [] });
  const names = Object.keys(set.definitions);
  for (const name of [
    "Affinity",
    "NodeAffinity",
    "PodAffinity",
    "PodAntiAffinity",
    "PodAffinityTerm",
    "WeightedPodAffinityTerm",
    "PreferredSchedulingTerm",
    "NodeSelector",
    "NodeSelectorTerm",
    "NodeSelectorRequirement",
    "TopologySpreadConstraint",
    "PodSchedulingGate",
  ]) {
    assert.ok(names.includes(`io.k8s.api.core.v1.${name}`), `io.k8s.api.core.v1.${name} among ${names.filter((n) => n.includes("core")).join(", ")}`);
  }
});

test("Kubernetes' warnings: deprecated node labels in node affinity and spread keys, a spread constraint without selector", () => {
  const spec = {
    containers: [{ name: "c", image: "busybox" }],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [zoneIn, { key: "beta.kubernetes.io/arch", operator: "In", values: ["amd64"] }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: "failure-domain.beta.kubernetes.io/zone", operator: "Exists" }] } }],
      },
    },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "failure-domain.beta.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" }],
  };
  assert.deepEqual(objectWarnings("Pod", { metadata: {}, spec }), [
    'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[1].key: beta.kubernetes.io/arch is deprecated since v1.14; use "kubernetes.io/arch" instead',
    'spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].preference.matchExpressions[0].key: failure-domain.beta.kubernetes.io/zone is deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
    'spec.topologySpreadConstraints[0].topologyKey: failure-domain.beta.kubernetes.io/zone is deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
    "spec.topologySpreadConstraints[0].labelSelector: a null labelSelector results in matching no pod",
  ]);
});

test("get shows SchedulingGated for a gated pod, as kubectl's printPod", () => {
  const p = pod({ schedulingGates: [{ name: "a" }] });
  applySchedulingGatedCondition(p);
  assert.equal(podColumns(p).status, "SchedulingGated");
  assert.equal(podColumns(pod({})).status, "Pending");
});
