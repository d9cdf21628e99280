// pods/{name}/ephemeralcontainers against a real etcd: what kubectl debug 1.33 and
// 1.27 send (a strategic merge patch of the Pod), PUT and the other patch types,
// the rules of the subresource (only additions; the rest of the body ignored) and
// of the main resource (ephemeral containers neither on create nor by update).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { execRequest } from "../src/http/streaming/options.js";
import { apiServerForSuite, call, runKubectl, testPod } from "../src/testing/index.js";

type PodObj = Pod & { metadata: { name: string; resourceVersion: string; labels?: Record<string, string> } };
type StatusBody = { reason: string; code: number; message: string; details?: { causes?: { field?: string; message?: string }[] } };

const pods = "/api/v1/namespaces/default/pods";
const debugger1 = { name: "debugger", image: "bosun.local/busybox:1", stdin: true, tty: true, targetContainerName: "app" };

function podWithApp(name: string): ReturnType<typeof testPod> {
  const pod = testPod(name, { nodeName: "node-a" });
  (pod.spec as Pod["spec"]).containers = [{ name: "app", image: "bosun.local/busybox:1", command: ["sleep", "3600"] }];
  return pod;
}

test("attach and exec may name an ephemeral container, which is never the default one", () => {
  const pod = podWithApp("p") as unknown as Pod;
  pod.spec.ephemeralContainers = [{ name: "debugger", image: "bosun.local/busybox:1", stdin: true, tty: true }];
  const attach = execRequest(pod, new URLSearchParams("container=debugger&stdin=true&stdout=true&stderr=true&tty=true"), true);
  // A terminal has one output stream.
  assert.deepEqual(attach, { container: "debugger", command: [], attach: true, stdin: true, stdout: true, stderr: false, tty: true });
  assert.equal(execRequest(pod, new URLSearchParams("stdout=true&command=ps"), false).container, "app");
});

describe("pods/ephemeralcontainers", () => {
  const api = apiServerForSuite();
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bosun-ephemeral-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test("discovery lists the subresource with get, patch and update of a Pod", async () => {
    const res = await call<{ resources: { name: string; kind: string; verbs: string[] }[] }>(api.url, "GET", "/api/v1");
    const entry = res.body.resources.find((r) => r.name === "pods/ephemeralcontainers");
    assert.deepEqual(entry && { kind: entry.kind, verbs: entry.verbs }, { kind: "Pod", verbs: ["get", "patch", "update"] });
  });

  test("a strategic merge patch adds a container, defaulted; GET answers the pod", async () => {
    await call(api.url, "POST", pods, podWithApp("smp"));
    const res = await call<PodObj>(api.url, "PATCH", `${pods}/smp/ephemeralcontainers`, { spec: { ephemeralContainers: [debugger1] } }, "application/strategic-merge-patch+json");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const added = res.body.spec.ephemeralContainers?.[0];
    assert.equal(added?.name, "debugger");
    assert.equal(added?.targetContainerName, "app");
    assert.equal(added?.terminationMessagePolicy, "File");
    assert.equal(added?.imagePullPolicy, "IfNotPresent");
    const got = await call<PodObj>(api.url, "GET", `${pods}/smp/ephemeralcontainers`);
    assert.equal(got.status, 200);
    assert.equal(got.body.kind, "Pod");
    assert.deepEqual(got.body.spec.ephemeralContainers, res.body.spec.ephemeralContainers);
  });

  test("only spec.ephemeralContainers changes: the rest of a PUT body is ignored", async () => {
    await call(api.url, "POST", pods, podWithApp("put"));
    const current = (await call<PodObj>(api.url, "GET", `${pods}/put`)).body;
    const body = structuredClone(current);
    body.metadata.labels = { sneaky: "label" };
    body.spec.containers[0]!.image = "bosun.local/other:1";
    body.spec.ephemeralContainers = [{ name: "dbg", image: "bosun.local/busybox:1" }];
    const res = await call<PodObj>(api.url, "PUT", `${pods}/put/ephemeralcontainers`, body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.spec.ephemeralContainers?.map((c) => c.name), ["dbg"]);
    assert.equal(res.body.metadata.labels?.sneaky, undefined);
    assert.equal(res.body.spec.containers[0]!.image, "bosun.local/busybox:1");
    // A stale resourceVersion is a conflict, as on every update.
    const stale = await call<StatusBody>(api.url, "PUT", `${pods}/put/ephemeralcontainers`, body);
    assert.equal(stale.status, 409);
  });

  test("existing ephemeral containers may not be changed nor removed; a second one may be added", async () => {
    await call(api.url, "POST", pods, podWithApp("rules"));
    const merge = "application/merge-patch+json";
    await call(api.url, "PATCH", `${pods}/rules/ephemeralcontainers`, { spec: { ephemeralContainers: [debugger1] } }, merge);
    const changed = await call<StatusBody>(api.url, "PATCH", `${pods}/rules/ephemeralcontainers`, { spec: { ephemeralContainers: [{ ...debugger1, image: "bosun.local/other:1" }] } }, merge);
    assert.equal(changed.status, 422);
    assert.match(changed.body.message, /existing ephemeral containers "debugger" may not be changed/);
    const removed = await call<StatusBody>(api.url, "PATCH", `${pods}/rules/ephemeralcontainers`, [{ op: "remove", path: "/spec/ephemeralContainers/0" }], "application/json-patch+json");
    assert.equal(removed.status, 422);
    assert.match(removed.body.message, /existing ephemeral containers "debugger" may not be removed/);
    const second = await call<PodObj>(
      api.url,
      "PATCH",
      `${pods}/rules/ephemeralcontainers`,
      [{ op: "add", path: "/spec/ephemeralContainers/-", value: { name: "second", image: "bosun.local/busybox:1" } }],
      "application/json-patch+json",
    );
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.deepEqual(second.body.spec.ephemeralContainers?.map((c) => c.name), ["debugger", "second"]);
  });

  test("an ephemeral container is validated: no ports, probes or resources, a unique name, a target that exists", async () => {
    await call(api.url, "POST", pods, podWithApp("invalid"));
    const bad = {
      name: "app",
      image: "bosun.local/busybox:1",
      ports: [{ containerPort: 80 }],
      readinessProbe: { exec: { command: ["true"] } },
      resources: { limits: { cpu: "1" } },
      targetContainerName: "nope",
    };
    const res = await call<StatusBody>(api.url, "PATCH", `${pods}/invalid/ephemeralcontainers`, { spec: { ephemeralContainers: [bad] } }, "application/strategic-merge-patch+json");
    assert.equal(res.status, 422);
    const causes = (res.body.details?.causes ?? []).map((c) => `${c.field ?? ""}: ${c.message ?? ""}`);
    for (const field of ["ports", "readinessProbe", "resources"]) {
      assert.ok(causes.includes(`spec.ephemeralContainers[0].${field}: Forbidden: cannot be set for an Ephemeral Container`), causes.join("\n"));
    }
    assert.ok(causes.some((c) => c.startsWith("spec.ephemeralContainers[0].name: Duplicate value")), causes.join("\n"));
    assert.ok(causes.some((c) => c.startsWith('spec.ephemeralContainers[0].targetContainerName: Not found: "nope"')), causes.join("\n"));
    assert.equal((await call<PodObj>(api.url, "GET", `${pods}/invalid`)).body.spec.ephemeralContainers, undefined);
  });

  test("the pod itself takes no ephemeral containers: not on create, not by an update", async () => {
    const pod = podWithApp("main");
    (pod.spec as Pod["spec"]).ephemeralContainers = [{ name: "dbg", image: "bosun.local/busybox:1" }];
    const created = await call<StatusBody>(api.url, "POST", pods, pod);
    assert.equal(created.status, 422);
    assert.match(created.body.message, /spec\.ephemeralContainers: Forbidden: cannot be set on create/);
    await call(api.url, "POST", pods, podWithApp("main"));
    const patched = await call<StatusBody>(api.url, "PATCH", `${pods}/main`, { spec: { ephemeralContainers: [{ name: "dbg", image: "bosun.local/busybox:1" }] } }, "application/merge-patch+json");
    assert.equal(patched.status, 422);
    assert.match(patched.body.message, /pod updates may not change fields/);
  });

  for (const version of ["1.33", "1.27"]) {
    test(`kubectl ${version} debug adds an ephemeral container targeting a container`, async () => {
      const name = `kubectl-${version.replace(".", "")}`;
      await call(api.url, "POST", pods, podWithApp(name));
      const target = { server: api.url, dir, version, cache: `cache-${version}` };
      const out = await runKubectl(target, "debug", `pod/${name}`, "--image=bosun.local/busybox:1", "--target=app", "-c", "debugger", "--", "sleep", "1");
      assert.match(out.stdout + out.stderr, /Targeting container "app"/);
      const pod = (await call<PodObj>(api.url, "GET", `${pods}/${name}`)).body;
      const ec = pod.spec.ephemeralContainers?.[0];
      assert.equal(ec?.name, "debugger");
      assert.equal(ec?.targetContainerName, "app");
      assert.deepEqual(ec?.command, ["sleep", "1"]);
    });
  }
});
