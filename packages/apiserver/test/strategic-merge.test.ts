// Strategic merge patch on the served kinds' schemas. Cases follow Kubernetes'
// strategicpatch/patch_test.go, with its MergeItem test type mapped onto real
// fields: mergingList -> containers (merge key name), mergingIntList ->
// metadata.finalizers (a set), nonMergingList -> tolerations, simpleMap -> labels,
// retainKeysMap -> a Deployment's strategy.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource } from "@bosun/api";
import { StatusError } from "../src/errors.js";
import { strategicMergePatch } from "../src/patch/strategic-merge.js";

const pods = mustResource("pods").schema;
const deployments = mustResource("deployments").schema;

type Obj = Record<string, unknown>;

function podSpec(spec: Obj): Obj {
  return { spec };
}

function containers(...names: (string | Obj)[]): Obj[] {
  return names.map((n) => (typeof n === "string" ? { name: n } : n));
}

function patchPod(original: Obj, patch: Obj): Obj {
  return strategicMergePatch(original, patch, pods);
}

function refused(original: Obj, patch: Obj, pattern: RegExp): void {
  assert.throws(
    () => patchPod(original, patch),
    (err: unknown) => err instanceof StatusError && err.status.code === 400 && pattern.test(err.status.message ?? ""),
  );
}

describe("strategic merge patch: maps", () => {
  test("merges keys, null deletes a key, the original is left alone", () => {
    const original = { metadata: { labels: { a: "1", b: "2" } } };
    const out = patchPod(original, { metadata: { labels: { b: null, c: "3" } } });
    assert.deepEqual(out, { metadata: { labels: { a: "1", c: "3" } } });
    assert.deepEqual(original, { metadata: { labels: { a: "1", b: "2" } } });
  });

  test("$patch: delete on a map leaves it empty (delete map from nested map)", () => {
    assert.deepEqual(patchPod({ metadata: { labels: { a: "1" } } }, { metadata: { labels: { $patch: "delete" } } }), {
      metadata: { labels: {} },
    });
  });

  test("$patch: replace replaces the map (add key and delete all keys from map)", () => {
    const out = patchPod(podSpec({ nodeSelector: { a: "1", b: "2" } }), podSpec({ nodeSelector: { $patch: "replace", other: "x" } }));
    assert.deepEqual(out, podSpec({ nodeSelector: { other: "x" } }));
  });

  test("$patch: merge is the default, said explicitly", () => {
    const out = patchPod(podSpec({ nodeSelector: { a: "1" } }), podSpec({ nodeSelector: { $patch: "merge", b: "2" } }));
    assert.deepEqual(out, podSpec({ nodeSelector: { a: "1", b: "2" } }));
  });

  test("an unknown $patch value or directive is a 400 naming the path", () => {
    refused({}, { metadata: { labels: { $patch: "explode" } } }, /metadata\.labels.*unknown \$patch directive "explode"/);
    refused({}, { spec: { $bogus: 1 } }, /at spec: unknown directive "\$bogus"/);
  });
});

describe("strategic merge patch: lists with a merge key", () => {
  test("items merge by name; new items are appended; others are kept", () => {
    const original = podSpec({ containers: containers({ name: "a", image: "x" }, { name: "b", image: "y" }) });
    const out = patchPod(original, podSpec({ containers: containers({ name: "b", image: "z" }, { name: "c", image: "w" }) }));
    assert.deepEqual(out, podSpec({ containers: containers({ name: "a", image: "x" }, { name: "b", image: "z" }, { name: "c", image: "w" }) }));
  });

  // As in Kubernetes, an item the server does not have goes before the server's
  // items that the patch does not name (kubectl sends $setElementOrder to say more).
  test("volumes merge by name and $retainKeys drops a volume's old source (merge,retainKeys); mounts merge by mountPath", () => {
    const original = podSpec({
      volumes: [{ name: "cache", emptyDir: {} }, { name: "cfg", configMap: { name: "a" } }],
      containers: [{ name: "app", volumeMounts: [{ name: "cache", mountPath: "/cache" }] }],
    });
    const out = patchPod(original, {
      spec: {
        volumes: [{ name: "cache", $retainKeys: ["name", "hostPath"], hostPath: { path: "/srv" } }],
        containers: [{ name: "app", volumeMounts: [{ name: "cfg", mountPath: "/cfg" }] }],
      },
    });
    assert.deepEqual(out, podSpec({
      volumes: [{ name: "cache", hostPath: { path: "/srv" } }, { name: "cfg", configMap: { name: "a" } }],
      // The patch's items first, as for every merged list without $setElementOrder.
      containers: [{ name: "app", volumeMounts: [{ name: "cfg", mountPath: "/cfg" }, { name: "cache", mountPath: "/cache" }] }],
    }));
  });

  test("nested merge lists merge too: env by name, ports by containerPort", () => {
    const original = podSpec({
      containers: [{ name: "a", env: [{ name: "X", value: "1" }, { name: "Y", value: "2" }], ports: [{ containerPort: 80 }] }],
    });
    const out = patchPod(original, podSpec({ containers: [{ name: "a", env: [{ name: "Y", value: "3" }], ports: [{ containerPort: 443 }] }] }));
    assert.deepEqual(out, podSpec({
      containers: [{ name: "a", env: [{ name: "X", value: "1" }, { name: "Y", value: "3" }], ports: [{ containerPort: 443 }, { containerPort: 80 }] }],
    }));
  });

  test("$patch: delete removes every item with the key", () => {
    const original = podSpec({ containers: containers("a", "b", { name: "b", image: "dup" }, "c") });
    assert.deepEqual(patchPod(original, podSpec({ containers: [{ name: "b", $patch: "delete" }] })), podSpec({ containers: containers("a", "c") }));
  });

  test("$patch: replace replaces the whole list (delete all items from merging list)", () => {
    const original = podSpec({ containers: containers("a", "b") });
    assert.deepEqual(patchPod(original, podSpec({ containers: [{ $patch: "replace" }] })), podSpec({ containers: [] }));
    assert.deepEqual(patchPod(original, podSpec({ containers: [{ $patch: "replace" }, { name: "c" }] })), podSpec({ containers: containers("c") }));
  });

  test("the patch's order wins for the items it names (preserve the order from the patch in a merging list)", () => {
    const original = podSpec({ containers: containers("1", { name: "2", image: "b" }, "3") });
    const out = patchPod(original, podSpec({ containers: containers({ name: "3", image: "c" }, { name: "1", image: "a" }, { name: "2", workingDir: "x" }) }));
    assert.deepEqual(out, podSpec({ containers: containers({ name: "3", image: "c" }, { name: "1", image: "a" }, { name: "2", image: "b", workingDir: "x" }) }));
    // preserve the order from the patch in a merging list 2: server-only items keep their place.
    const out2 = patchPod(original, podSpec({ containers: containers({ name: "3", image: "c" }, { name: "1", image: "a" }) }));
    assert.deepEqual(out2, podSpec({ containers: containers({ name: "2", image: "b" }, { name: "3", image: "c" }, { name: "1", image: "a" }) }));
  });

  test("an item without the merge key is a 400", () => {
    refused(podSpec({ containers: containers("a") }), podSpec({ containers: [{ image: "x" }] }), /containers\[0\].*merge key/);
    refused(podSpec({ containers: containers("a") }), podSpec({ containers: [{ $patch: "delete" }] }), /needs "name"/);
  });

  test("directives inside a value with nothing to merge into still apply", () => {
    const out = patchPod(podSpec({}), podSpec({ containers: [{ name: "a", env: [{ name: "X", $patch: "delete" }] }] }));
    assert.deepEqual(out, podSpec({ containers: [{ name: "a", env: [] }] }));
  });
});

describe("strategic merge patch: lists of scalars and lists without a strategy", () => {
  test("a merge list of scalars is a set (unique scalars when merging lists)", () => {
    const out = patchPod({ metadata: { finalizers: ["1", "2"] } }, { metadata: { finalizers: ["2", "3"] } });
    assert.deepEqual(out, { metadata: { finalizers: ["1", "2", "3"] } });
  });

  test("preserve the order from the patch in a merging int list", () => {
    assert.deepEqual(patchPod({ metadata: { finalizers: ["1", "2", "3"] } }, { metadata: { finalizers: ["3", "1", "2"] } }), {
      metadata: { finalizers: ["3", "1", "2"] },
    });
    assert.deepEqual(patchPod({ metadata: { finalizers: ["1", "2", "3"] } }, { metadata: { finalizers: ["3", "1"] } }), {
      metadata: { finalizers: ["2", "3", "1"] },
    });
  });

  test("$deleteFromPrimitiveList removes values; on an absent list it removes nothing", () => {
    const out = patchPod({ metadata: { finalizers: ["a", "b", "c"] } }, { metadata: { "$deleteFromPrimitiveList/finalizers": ["b", "x"] } });
    assert.deepEqual(out, { metadata: { finalizers: ["a", "c"] } });
    assert.deepEqual(patchPod({ metadata: {} }, { metadata: { "$deleteFromPrimitiveList/finalizers": ["b"] } }), { metadata: {} });
    refused({ metadata: {} }, { metadata: { "$deleteFromPrimitiveList/finalizers": "b" } }, /must be a list/);
  });

  test("a list without a merge strategy is replaced (tolerations, args)", () => {
    const original = podSpec({ tolerations: [{ key: "a" }, { key: "b" }], containers: [{ name: "c", args: ["1", "2"] }] });
    const out = patchPod(original, podSpec({ tolerations: [{ key: "c" }], containers: [{ name: "c", args: ["3"] }] }));
    assert.deepEqual(out, podSpec({ tolerations: [{ key: "c" }], containers: [{ name: "c", args: ["3"] }] }));
  });

  test("lists of lists and mixed lists are refused", () => {
    refused({ metadata: { finalizers: ["a"] } }, { metadata: { finalizers: [["b"]] } }, /lists of lists/);
    refused({ metadata: { finalizers: ["a"] } }, { metadata: { finalizers: [{ x: 1 }] } }, /mixes objects and scalars/);
  });
});

describe("strategic merge patch: $setElementOrder", () => {
  test("orders a merged list as kubectl's three-way patch asks", () => {
    const original = podSpec({ containers: containers("a", "b", "c") });
    const patch = podSpec({ "$setElementOrder/containers": [{ name: "c" }, { name: "a" }, { name: "b" }], containers: [{ name: "a", image: "new" }] });
    assert.deepEqual(patchPod(original, patch), podSpec({ containers: containers("c", { name: "a", image: "new" }, "b") }));
  });

  test("contains an item not present in the list to be merged", () => {
    const original = podSpec({ containers: containers("1", "3") });
    const patch = podSpec({
      "$setElementOrder/containers": [{ name: "3" }, { name: "2" }, { name: "1" }],
      containers: [{ name: "3", image: "3" }, { name: "1", image: "1" }],
    });
    assert.deepEqual(patchPod(original, patch), podSpec({ containers: [{ name: "3", image: "3" }, { name: "1", image: "1" }] }));
  });

  test("orders a set of scalars without changing its contents", () => {
    const out = patchPod({ metadata: { finalizers: ["1", "3"] } }, { metadata: { "$setElementOrder/finalizers": ["3", "2", "1"] } });
    assert.deepEqual(out, { metadata: { finalizers: ["3", "1"] } });
  });

  test("a patch list out of the order it gives is a 400", () => {
    const patch = podSpec({ "$setElementOrder/containers": [{ name: "a" }, { name: "b" }], containers: [{ name: "b" }, { name: "a" }] });
    refused(podSpec({ containers: containers("a", "b") }), patch, /do not match its \$setElementOrder/);
  });

  test("kubectl's patch removing an env var and reordering containers", () => {
    const original = podSpec({
      containers: [
        { name: "app", image: "app:1", env: [{ name: "A", value: "1" }, { name: "B", value: "2" }] },
        { name: "side", image: "side:1" },
      ],
    });
    const patch = podSpec({
      "$setElementOrder/containers": [{ name: "side" }, { name: "app" }],
      containers: [{ name: "app", "$setElementOrder/env": [{ name: "A" }], env: [{ name: "B", $patch: "delete" }], image: "app:2" }],
    });
    assert.deepEqual(patchPod(original, patch), podSpec({
      containers: [
        { name: "side", image: "side:1" },
        { name: "app", image: "app:2", env: [{ name: "A", value: "1" }] },
      ],
    }));
  });
});

describe("strategic merge patch: $retainKeys", () => {
  const deployment = (strategy: Obj) => ({ spec: { strategy } });

  test("clears the keys it does not list (a switch to Recreate drops rollingUpdate)", () => {
    const original = deployment({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } });
    const out = strategicMergePatch(original, deployment({ $retainKeys: ["type"], type: "Recreate" }), deployments);
    assert.deepEqual(out, deployment({ type: "Recreate" }));
  });

  test("without the directive the map merges (retainKeys map can add, change, delete a field)", () => {
    const original = deployment({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } });
    assert.deepEqual(strategicMergePatch(original, deployment({ rollingUpdate: { maxUnavailable: 0 } }), deployments), deployment({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    }));
    assert.deepEqual(strategicMergePatch(original, deployment({ rollingUpdate: null }), deployments), deployment({ type: "RollingUpdate" }));
  });

  test("a patch that sets a key $retainKeys does not list is a 400", () => {
    assert.throws(
      () => strategicMergePatch(deployment({}), deployment({ $retainKeys: ["type"], rollingUpdate: {} }), deployments),
      (err: unknown) => err instanceof StatusError && /"rollingUpdate" but \$retainKeys does not list it/.test(err.message),
    );
  });
});
