// An Ingress's status.loadBalancer.ingress from the nodes running the proxy.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Node, NodeAddress } from "@bosun/api";
import { ingressLoadBalancerIngress, loadBalancerIngressEqual } from "../src/ingress/status.js";

function node(name: string, addresses: NodeAddress[]): Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name }, status: { addresses } };
}

describe("ingress load-balancer status", () => {
  test("one entry per node: its ExternalIP when it has one, else its InternalIP; sorted numerically, without duplicates", () => {
    const nodes = [
      node("a", [{ type: "InternalIP", address: "10.0.0.10" }, { type: "Hostname", address: "a" }]),
      node("b", [{ type: "InternalIP", address: "10.0.0.9" }, { type: "ExternalIP", address: "203.0.113.4" }]),
      node("c", [{ type: "InternalIP", address: "10.0.0.9" }]),
      node("d", [{ type: "Hostname", address: "d" }]),
    ];
    assert.deepEqual(ingressLoadBalancerIngress(nodes), [{ ip: "10.0.0.9" }, { ip: "10.0.0.10" }, { ip: "203.0.113.4" }]);
  });

  test("no node with an address gives an empty list", () => {
    assert.deepEqual(ingressLoadBalancerIngress([]), []);
  });

  test("an unchanged status is equal (no write), a changed one is not", () => {
    const wanted = [{ ip: "10.0.0.9" }, { ip: "10.0.0.10" }];
    assert.equal(loadBalancerIngressEqual([{ ip: "10.0.0.9" }, { ip: "10.0.0.10" }], wanted), true);
    assert.equal(loadBalancerIngressEqual([{ ip: "10.0.0.10" }, { ip: "10.0.0.9" }], wanted), false);
    assert.equal(loadBalancerIngressEqual(undefined, wanted), false);
    assert.equal(loadBalancerIngressEqual(undefined, []), true);
  });
});
