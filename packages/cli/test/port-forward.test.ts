// bosun port-forward: port specs as kubectl reads them, a Service's ports turned into
// the container ports their targetPorts name, the pod chosen for a Service or a
// workload, and clear refusals. The bytes themselves travel in the e2e suite
// (e2e/test/kubectl-services.test.ts) against a real cluster.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, Service } from "@bosun/api";
import { resolveForwardTarget } from "../src/commands/port-forward.js";
import { CliError } from "../src/context.js";
import { choosePod, parsePortSpecs, podPorts, servicePorts } from "../src/port-forward/forwarded-ports.js";
import { fakeApiServerForSuite } from "../src/testing/fake-apiserver.js";
import { deployment, pod } from "../src/testing/workloads.js";

function webPod(name: string, opts: Parameters<typeof pod>[1] & { ready?: boolean; createdAt?: string } = {}): Pod {
  const p = pod(name, { labels: { app: "web" }, node: "n1", ...opts });
  p.spec.containers[0]!.ports = [{ name: "http", containerPort: 8080 }, { name: "admin", containerPort: 9090 }];
  if (opts.createdAt) p.metadata.creationTimestamp = opts.createdAt;
  if (opts.ready !== undefined) p.status!.conditions = [{ type: "Ready", status: opts.ready ? "True" : "False" }];
  return p;
}

const web: Service = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web", namespace: "default" },
  spec: {
    selector: { app: "web" },
    ports: [
      { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
      { name: "metrics", port: 9100, targetPort: 9090, protocol: "TCP" },
      { name: "same", port: 7000, protocol: "TCP" },
      { name: "dns", port: 53, protocol: "UDP" },
    ],
  },
};

describe("port specs", () => {
  test("REMOTE, LOCAL:REMOTE and :REMOTE", () => {
    assert.deepEqual(parsePortSpecs(["8080", "5000:80", ":http", "0:9090"]), [
      { local: -1, remote: "8080" },
      { local: 5000, remote: "80" },
      { local: 0, remote: "http" },
      { local: 0, remote: "9090" },
    ]);
  });

  test("bad specs are refused, naming the spec", () => {
    assert.throws(() => parsePortSpecs([]), /name at least one port/);
    assert.throws(() => parsePortSpecs(["1:2:3"]), /"1:2:3" is not a port spec/);
    assert.throws(() => parsePortSpecs(["80:"]), /"80:" is not a port spec/);
    assert.throws(() => parsePortSpecs(["70000"]), /remote port "70000" of "70000" must be between 1 and 65535/);
    assert.throws(() => parsePortSpecs(["x:80"]), /local port of "x:80" "x" is not a port number/);
    assert.throws(() => parsePortSpecs(["0"]), /remote port "0"/);
  });
});

describe("ports of the pod", () => {
  const p = webPod("w");

  test("a pod's ports by number or by its containers' port names", () => {
    assert.deepEqual(podPorts(p, parsePortSpecs(["8080", "5000:admin", "http"])), [
      { local: 8080, remote: 8080 },
      { local: 5000, remote: 9090 },
      { local: 8080, remote: 8080 },
    ]);
    assert.throws(() => podPorts(p, parsePortSpecs(["nope"])), /Pod 'w' does not have a named port 'nope'/);
  });

  test("a Service's port becomes the container port its targetPort names; the local port stays the Service's", () => {
    assert.deepEqual(servicePorts(web, p, parsePortSpecs(["80", "8000:metrics", "7000", ":http"])), [
      { local: 80, remote: 8080 },
      { local: 8000, remote: 9090 },
      { local: 7000, remote: 7000 },
      { local: 0, remote: 8080 },
    ]);
  });

  test("ports the Service does not have, and UDP ports, are refused by name", () => {
    assert.throws(() => servicePorts(web, p, parsePortSpecs(["81"])), /Service web does not have a service port 81/);
    assert.throws(() => servicePorts(web, p, parsePortSpecs(["grpc"])), /Service 'web' does not have a named port 'grpc'/);
    assert.throws(() => servicePorts(web, p, parsePortSpecs(["53"])), /UDP protocol is not supported for port 53 of Service web/);
  });

  test("the pod chosen is running and ready before running, before pending; the oldest among equals", () => {
    const pods = [
      webPod("pending", { phase: "Pending" }),
      webPod("unready", { ready: false }),
      webPod("ready-new", { ready: true, createdAt: "2024-05-02T00:00:00Z" }),
      webPod("ready-old", { ready: true, createdAt: "2024-05-01T00:00:00Z" }),
    ];
    assert.equal(choosePod(pods)?.metadata.name, "ready-old");
    assert.equal(choosePod(pods.slice(0, 2))?.metadata.name, "unready");
    assert.equal(choosePod([]), undefined);
  });
});

describe("the target of port-forward on the server", () => {
  const fake = fakeApiServerForSuite();
  const opts = { namespace: "default", podRunningTimeoutMs: 0 };

  test("svc/NAME picks a ready pod of the Service and translates its ports", async () => {
    fake.api.put("services", web);
    fake.api.put("pods", webPod("a", { ready: false }));
    fake.api.put("pods", webPod("b", { ready: true }));
    fake.api.put("pods", pod("other", { labels: { app: "db" } }));
    const t = await resolveForwardTarget(fake.client, "svc/web", parsePortSpecs(["8000:80"]), opts);
    assert.equal(t.pod.metadata.name, "b");
    assert.deepEqual(t.ports, [{ local: 8000, remote: 8080 }]);
  });

  test("deploy/NAME and a bare pod name", async () => {
    fake.api.put("deployments", deployment("web"));
    fake.api.put("pods", webPod("a", { ready: true }));
    assert.equal((await resolveForwardTarget(fake.client, "deployment/web", parsePortSpecs(["http"]), opts)).pod.metadata.name, "a");
    assert.deepEqual((await resolveForwardTarget(fake.client, "a", parsePortSpecs(["admin"]), opts)).ports, [{ local: 9090, remote: 9090 }]);
  });

  test("refusals name what is wrong: no pods, a pod not running, a kind without pods, a Service without a selector", async () => {
    fake.api.put("services", web);
    await assert.rejects(resolveForwardTarget(fake.client, "svc/web", parsePortSpecs(["80"]), opts), /service\/web has no pods \(selector app=web\)/);
    fake.api.put("pods", webPod("p", { phase: "Pending" }));
    await assert.rejects(resolveForwardTarget(fake.client, "svc/web", parsePortSpecs(["80"]), opts), /pod p of service\/web is not running. Current status=Pending/);
    await assert.rejects(resolveForwardTarget(fake.client, "pod/p", parsePortSpecs(["80"]), opts), /pod is not running. Current status=Pending/);
    fake.api.put("services", { ...web, metadata: { name: "manual", namespace: "default" }, spec: { ports: web.spec!.ports! } });
    await assert.rejects(resolveForwardTarget(fake.client, "svc/manual", parsePortSpecs(["80"]), opts), /service\/manual has no pod selector/);
    fake.api.put("nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
    await assert.rejects(resolveForwardTarget(fake.client, "node/n1", parsePortSpecs(["80"]), opts), (err: unknown) => err instanceof CliError && /cannot port-forward to a Node/.test(err.message));
  });

  test("a Service's pod that becomes running within --pod-running-timeout is waited for", async () => {
    fake.api.put("services", web);
    const pending = webPod("late", { phase: "Pending" });
    fake.api.put("pods", pending);
    setTimeout(() => fake.api.put("pods", webPod("late", { ready: true })), 300);
    const t = await resolveForwardTarget(fake.client, "svc/web", parsePortSpecs(["80"]), { ...opts, podRunningTimeoutMs: 10_000 });
    assert.equal(t.pod.status?.phase, "Running");
  });
});
