// NodeResourcesFit counts ephemeral-storage (and extended resources) as Kubernetes does: a pod that asks for
// some fits only where the node's allocatable ephemeral-storage, less what its pods
// ask for, leaves room; a node that publishes none has none.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { newNodeInfo } from "../src/framework/node-info.js";
import { ResourceFit } from "../src/plugins/resource-fit.js";
import { makeNode, makePod } from "./fixtures.js";

function withStorage(pod: Pod, request: string): Pod {
  pod.spec.containers[0]!.resources = { requests: { "ephemeral-storage": request } };
  return pod;
}

test("ResourceFit refuses a pod whose ephemeral-storage the node's pods leave no room for", () => {
  const plugin = new ResourceFit();
  const node = makeNode("a");
  node.status!.allocatable!["ephemeral-storage"] = "10Gi";
  const info = newNodeInfo(node, [withStorage(makePod("b1", { nodeName: "a" }), "6Gi")]);
  assert.equal(plugin.filter(withStorage(makePod("p"), "4Gi"), info).code, "Success");
  assert.deepEqual(plugin.filter(withStorage(makePod("p"), "5Gi"), info), { code: "Unschedulable", reasons: ["Insufficient ephemeral-storage"] });
  // A pod that asks for none fits whatever is left; one whose init container asks for more than its app containers counts the init container's.
  assert.equal(plugin.filter(makePod("p"), info).code, "Success");
  const init = makePod("p");
  init.spec.initContainers = [{ name: "init", image: "x", resources: { requests: { "ephemeral-storage": "5Gi" } } }];
  assert.deepEqual(plugin.filter(init, info), { code: "Unschedulable", reasons: ["Insufficient ephemeral-storage"] });
});

test("a node that publishes no ephemeral-storage takes no pod that asks for some", () => {
  const plugin = new ResourceFit();
  const info = newNodeInfo(makeNode("a"), []);
  assert.deepEqual(plugin.filter(withStorage(makePod("p"), "1Mi"), info), { code: "Unschedulable", reasons: ["Insufficient ephemeral-storage"] });
});

test("extended resources and hugepages fit only what the node publishes, each named in the reason", () => {
  const plugin = new ResourceFit();
  const node = makeNode("a");
  node.status!.allocatable!["example.com/gpu"] = "2";
  const bound = makePod("b1", { nodeName: "a" });
  bound.spec.containers[0]!.resources = { requests: { "example.com/gpu": "1" }, limits: { "example.com/gpu": "1" } };
  const info = newNodeInfo(node, [bound]);
  const asking = (resources: Record<string, string>): Pod => {
    const p = makePod("p");
    p.spec.containers[0]!.resources = { requests: resources, limits: resources };
    return p;
  };
  assert.equal(plugin.filter(asking({ "example.com/gpu": "1" }), info).code, "Success");
  assert.deepEqual(plugin.filter(asking({ "example.com/gpu": "2", "hugepages-2Mi": "4Mi", "ephemeral-storage": "1Ki" }), info), {
    code: "Unschedulable",
    reasons: ["Insufficient ephemeral-storage", "Insufficient example.com/gpu", "Insufficient hugepages-2Mi"],
  });
});
