// A pod's dnsConfig and hostNetwork, refused with Kubernetes' messages and paths.
import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDefaults, mustResource, validateObject, type Pod, type PodSpec } from "../src/index.js";

const pods = mustResource("pods");

function causes(spec: Partial<PodSpec>): [string | undefined, string | undefined][] {
  const pod: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } };
  applyDefaults(pods, pod);
  return validateObject(pods, pod).map((c) => [c.field, c.message]);
}

test("dnsConfig: nameservers, searches and options as Kubernetes allows them", () => {
  assert.deepEqual(causes({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"], searches: ["corp.example.", "svc.cluster.local"], options: [{ name: "ndots", value: "2" }] } }), []);
  assert.deepEqual(causes({ dnsConfig: { options: [{ name: "edns0" }] } }), [], "merged into ClusterFirst");
  assert.deepEqual(causes({ dnsPolicy: "None" }), [["spec.dnsConfig", "Required value: must provide `dnsConfig` when `dnsPolicy` is None"]]);
  assert.deepEqual(causes({ dnsPolicy: "None", dnsConfig: { searches: ["a.b"] } }), [
    ["spec.dnsConfig.nameservers", "Required value: must provide at least one DNS nameserver when `dnsPolicy` is None"],
  ]);
  assert.deepEqual(causes({ dnsConfig: { nameservers: ["1.1.1.1", "1.0.0.1", "8.8.8.8", "9.9.9.9"] } }), [
    ["spec.dnsConfig.nameservers", 'Invalid value: ["1.1.1.1","1.0.0.1","8.8.8.8","9.9.9.9"]: must not have more than 3 nameservers'],
  ]);
  assert.deepEqual(causes({ dnsConfig: { nameservers: ["dns.example"] } }), [["spec.dnsConfig.nameservers[0]", 'Invalid value: "dns.example": must be a valid IP address']]);
  const many = Array.from({ length: 33 }, (_, i) => `d${i}.example`);
  assert.deepEqual(causes({ dnsConfig: { searches: many } }).map(([f]) => f), ["spec.dnsConfig.searches"]);
  assert.match(causes({ dnsConfig: { searches: many } })[0]?.[1] ?? "", /must not have more than 32 search paths/);
  assert.match(causes({ dnsConfig: { searches: ["Not_A_Name"] } })[0]?.[1] ?? "", /^Invalid value: "Not_A_Name": a lowercase RFC 1123 subdomain/);
  assert.deepEqual(causes({ dnsConfig: { options: [{ value: "2" }] } }), [["spec.dnsConfig.options[0].name", "Required value: Option.Name must not be empty"]]);
});

test("hostNetwork: a hostPort must be the containerPort", () => {
  const ports = (hostPort: number) => ({ containers: [{ name: "c", image: "busybox", ports: [{ containerPort: 8080, hostPort }] }] });
  assert.deepEqual(causes({ hostNetwork: true, ...ports(8080) }), []);
  assert.deepEqual(causes({ hostNetwork: true, ...ports(9090) }), [["spec.containers[0].ports[0].hostPort", "Invalid value: 9090: must match `containerPort` when `hostNetwork` is true"]]);
  assert.deepEqual(causes(ports(9090)), [], "off the host's network any hostPort may be published");
});
