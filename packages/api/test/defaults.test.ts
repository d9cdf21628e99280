import assert from "node:assert/strict";
import { test } from "node:test";
import { applyDefaults, defaultPullPolicy, podQOSClass, resourceByName, type Namespace, type Pod } from "../src/index.js";

const pods = resourceByName("pods")!;

function pod(containers: Pod["spec"]["containers"]): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers } };
}

test("pods get Kubernetes' defaults", () => {
  const p = pod([{ name: "a", image: "busybox", ports: [{ containerPort: 80 }] }]);
  applyDefaults(pods, p);
  assert.equal(p.spec.restartPolicy, "Always");
  assert.equal(p.spec.terminationGracePeriodSeconds, 30);
  assert.equal(p.spec.dnsPolicy, "ClusterFirst");
  assert.equal(p.spec.schedulerName, "default-scheduler");
  const c = p.spec.containers[0]!;
  assert.equal(c.imagePullPolicy, "Always");
  assert.equal(c.terminationMessagePath, "/dev/termination-log");
  assert.equal(c.terminationMessagePolicy, "File");
  assert.equal(c.ports![0]!.protocol, "TCP");
  assert.equal(p.status?.phase, "Pending");
  assert.equal(p.status?.qosClass, "BestEffort");
});

test("defaults never overwrite what the user set", () => {
  const p = pod([{ name: "a", image: "busybox", imagePullPolicy: "Never" }]);
  p.spec.restartPolicy = "OnFailure";
  p.spec.terminationGracePeriodSeconds = 0;
  p.status = { phase: "Running" };
  applyDefaults(pods, p);
  assert.equal(p.spec.restartPolicy, "OnFailure");
  assert.equal(p.spec.terminationGracePeriodSeconds, 0);
  assert.equal(p.spec.containers[0]!.imagePullPolicy, "Never");
  assert.equal(p.status.phase, "Running");
});

test("imagePullPolicy follows the tag", () => {
  assert.equal(defaultPullPolicy("busybox"), "Always");
  assert.equal(defaultPullPolicy("busybox:latest"), "Always");
  assert.equal(defaultPullPolicy("bosun.local/busybox:1"), "IfNotPresent");
  assert.equal(defaultPullPolicy("localhost:5000/app"), "Always");
  assert.equal(defaultPullPolicy("localhost:5000/app:v2"), "IfNotPresent");
  assert.equal(defaultPullPolicy("app@sha256:abcd"), "IfNotPresent");
});

test("limits without requests become requests, resource by resource", () => {
  const p = pod([{ name: "a", image: "x:1", resources: { limits: { cpu: "1", memory: "64Mi" }, requests: { cpu: "500m" } } }]);
  applyDefaults(pods, p);
  assert.deepEqual(p.spec.containers[0]!.resources!.requests, { cpu: "500m", memory: "64Mi" });
  assert.equal(p.status?.qosClass, "Burstable");
});

test("QoS class as Kubernetes computes it", () => {
  const guaranteed = pod([{ name: "a", image: "x:1", resources: { limits: { cpu: "1", memory: "64Mi" } } }]);
  applyDefaults(pods, guaranteed);
  assert.equal(guaranteed.status?.qosClass, "Guaranteed");
  const equalDifferentUnits = pod([
    { name: "a", image: "x:1", resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1000m", memory: "1024Mi" } } },
  ]);
  assert.equal(podQOSClass(equalDifferentUnits.spec), "Guaranteed");
  const cpuOnly = pod([{ name: "a", image: "x:1", resources: { limits: { cpu: "1" } } }]);
  applyDefaults(pods, cpuOnly);
  assert.equal(cpuOnly.status?.qosClass, "Burstable");
  const mixed = pod([
    { name: "a", image: "x:1", resources: { limits: { cpu: "1", memory: "64Mi" } } },
    { name: "b", image: "x:1" },
  ]);
  applyDefaults(pods, mixed);
  assert.equal(mixed.status?.qosClass, "Burstable");
  assert.equal(podQOSClass(pod([{ name: "a", image: "x", resources: { requests: { cpu: "0" } } }]).spec), "BestEffort");
});

test("namespaces start Active; malformed pods do not crash defaulting", () => {
  const ns: Namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } };
  applyDefaults(resourceByName("ns")!, ns);
  assert.equal(ns.status?.phase, "Active");
  const broken = { apiVersion: "v1", kind: "Pod", metadata: {}, spec: { containers: [null, { resources: { limits: { cpu: "bad" } } }] } };
  assert.doesNotThrow(() => applyDefaults(pods, broken as unknown as Pod));
  const noSpec = { apiVersion: "v1", kind: "Pod", metadata: {} };
  assert.doesNotThrow(() => applyDefaults(pods, noSpec as unknown as Pod));
});
