// The Ingresses' status: the addresses of the nodes whose agents run the ingress
// proxy, written only when it differs, only for Ingresses of class bosun.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ApiClient } from "@bosun/client";
import type { Ingress, IngressClass, Node } from "@bosun/api";
import { ingressProxyLabel, IngressStatusWriter } from "../src/ingress/status-writer.js";

function node(name: string, ip: string, proxy: boolean): Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels: proxy ? { [ingressProxyLabel]: "true" } : {} }, status: { addresses: [{ type: "InternalIP", address: ip }] } };
}

function ingress(name: string, className: string | undefined, status?: string[]): Ingress {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "default", creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: { ...(className ? { ingressClassName: className } : {}), defaultBackend: { service: { name: "web", port: { number: 80 } } } },
    ...(status ? { status: { loadBalancer: { ingress: status.map((ip) => ({ ip })) } } } : {}),
  };
}

const classes: IngressClass[] = [{ apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "bosun", annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } }, spec: { controller: "bosun.io/ingress" } }];

test("each Ingress of class bosun gets the proxies' addresses, once", async () => {
  const patches: { name: string; body: unknown }[] = [];
  const client = { patch: async (_res: unknown, name: string, body: unknown) => void patches.push({ name, body }) } as unknown as ApiClient;
  const writer = new IngressStatusWriter(client);
  const nodes = [node("n2", "192.0.2.12", true), node("n1", "192.0.2.11", true), node("n3", "192.0.2.13", false)];
  await writer.sync({ ingresses: [ingress("mine", "bosun"), ingress("default-class", undefined), ingress("theirs", "nginx"), ingress("done", "bosun", ["192.0.2.11", "192.0.2.12"])], ingressClasses: classes, nodes });
  assert.deepEqual(patches.map((p) => p.name).sort(), ["default-class", "mine"], "not another class's, and not one already right");
  assert.deepEqual(patches[0]?.body, { status: { loadBalancer: { ingress: [{ ip: "192.0.2.11" }, { ip: "192.0.2.12" }] } } });
});
