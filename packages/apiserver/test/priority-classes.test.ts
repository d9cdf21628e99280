// PriorityClasses and the Priority admission through the API, on real etcd: the
// system classes exist from the start and cannot be deleted; only one class is
// the global default; a new pod gets its class's value and policy, the default
// class's, or 0; a missing class and a disagreeing priority or policy are refused
// with Kubernetes' 403s; an update never changes a pod's priority; pod templates
// are validated, not admitted.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, PriorityClass } from "@bosun/api";
import { call, startTestApiServer, testPod, type Reply, type TestApiServer } from "../src/testing/index.js";

const classes = "/apis/scheduling.k8s.io/v1/priorityclasses";
const pods = "/api/v1/namespaces/default/pods";

type Body = { reason?: string; message?: string };

function priorityClass(name: string, value: number, extra: Partial<PriorityClass> = {}): PriorityClass {
  return { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value, ...extra };
}

/** A test pod with these spec fields. */
function podWith(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  const pod = testPod(name);
  return { ...pod, spec: { ...(pod.spec as Record<string, unknown>), ...spec } };
}

function assertForbidden(reply: Reply, message: string): void {
  assert.equal(reply.status, 403, JSON.stringify(reply.body));
  assert.equal((reply.body as Body).reason, "Forbidden");
  assert.equal((reply.body as Body).message, message);
}

describe("priority classes and the Priority admission", () => {
  let server: TestApiServer;
  before(async () => {
    server = await startTestApiServer();
  });
  after(async () => server.stop());
  const post = (path: string, body: unknown) => call(server.url, "POST", path, body);
  const get = <T>(path: string) => call<T>(server.url, "GET", path);

  test("the system classes are made at start and cannot be deleted", async () => {
    const critical = (await get<PriorityClass>(`${classes}/system-node-critical`)).body;
    assert.equal(critical.value, 2_000_001_000);
    assert.equal(critical.preemptionPolicy, "PreemptLowerPriority");
    assert.equal((await get<PriorityClass>(`${classes}/system-cluster-critical`)).body.value, 2_000_000_000);
    assertForbidden(
      await call(server.url, "DELETE", `${classes}/system-cluster-critical`),
      'priorityclasses.scheduling.k8s.io "system-cluster-critical" is forbidden: this is a system priority class and cannot be deleted',
    );
    assert.equal((await get(`${classes}/system-cluster-critical`)).status, 200);
  });

  test("a pod gets its class's value and policy; no class and no default: 0 and PreemptLowerPriority", async () => {
    assert.equal((await post(classes, priorityClass("high", 1000, { preemptionPolicy: "Never" }))).status, 201);
    assert.equal((await post(pods, podWith("with-class", { priorityClassName: "high" }))).status, 201);
    const withClass = (await get<Pod>(`${pods}/with-class`)).body;
    assert.deepEqual([withClass.spec.priorityClassName, withClass.spec.priority, withClass.spec.preemptionPolicy], ["high", 1000, "Never"]);

    assert.equal((await post(pods, testPod("plain"))).status, 201);
    const plain = (await get<Pod>(`${pods}/plain`)).body;
    assert.deepEqual([plain.spec.priorityClassName, plain.spec.priority, plain.spec.preemptionPolicy], [undefined, 0, "PreemptLowerPriority"]);

    const critical = podWith("critical", { priorityClassName: "system-node-critical", priority: 2_000_001_000 });
    assert.equal((await post(pods, critical)).status, 201, "a priority that agrees with the class is accepted");

    // An update cannot change what admission set: the pod update validation refuses it, as Kubernetes'.
    const changed = await call<Pod>(server.url, "PATCH", `${pods}/with-class`, { metadata: { labels: { a: "b" } }, spec: { priority: 5 } }, "application/merge-patch+json");
    assert.equal(changed.status, 422, JSON.stringify(changed.body));
    assert.match(JSON.stringify(changed.body), /pod updates may not change fields other than .*changed: spec\.priority/);
    assert.equal((await get<Pod>(`${pods}/with-class`)).body.metadata.labels?.a, undefined, "nothing of the refused patch is stored");
    // An update that leaves them out (a PUT of the pod as first sent) keeps them.
    const current = (await get<Pod>(`${pods}/with-class`)).body;
    const { priority: _priority, preemptionPolicy: _policy, ...specWithout } = current.spec;
    const put = await call<Pod>(server.url, "PUT", `${pods}/with-class`, { ...current, metadata: { ...current.metadata, labels: { a: "b" } }, spec: specWithout });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual([put.body.spec.priority, put.body.spec.preemptionPolicy, put.body.metadata.labels?.a], [1000, "Never", "b"]);
  });

  test("a missing class, or a priority or policy the class disagrees with, is refused in Kubernetes' words", async () => {
    assertForbidden(
      await post(pods, podWith("lost", { priorityClassName: "nonexistent" })),
      'pods "lost" is forbidden: no PriorityClass with name nonexistent was found',
    );
    assertForbidden(
      await post(pods, podWith("own-priority", { priority: 7 })),
      'pods "own-priority" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name',
    );
    assertForbidden(
      await post(pods, podWith("own-policy", { priorityClassName: "high", preemptionPolicy: "PreemptLowerPriority" })),
      'pods "own-policy" is forbidden: the string value of PreemptionPolicy (PreemptLowerPriority) must not be provided in pod spec; priority admission controller computed Never from the given PriorityClass name',
    );
    assert.equal((await get(`${pods}/lost`)).status, 404, "nothing was written");
  });

  test("one global default: pods without a class get it, a second one is refused", async () => {
    assert.equal((await post(classes, priorityClass("everyday", 10, { globalDefault: true }))).status, 201);
    assertForbidden(
      await post(classes, priorityClass("another", 20, { globalDefault: true })),
      'priorityclasses.scheduling.k8s.io "another" is forbidden: PriorityClass everyday is already marked as default. Only one default can exist',
    );
    assert.equal((await post(classes, priorityClass("another", 20))).status, 201);
    const promote = await call(server.url, "PATCH", `${classes}/another`, { globalDefault: true }, "application/merge-patch+json");
    assertForbidden(promote, 'priorityclasses.scheduling.k8s.io "another" is forbidden: PriorityClass everyday is already marked as default. Only one default can exist');
    // The default itself may be written again.
    const described = await call(server.url, "PATCH", `${classes}/everyday`, { description: "most pods" }, "application/merge-patch+json");
    assert.equal(described.status, 200, JSON.stringify(described.body));

    assert.equal((await post(pods, testPod("defaulted"))).status, 201);
    const defaulted = (await get<Pod>(`${pods}/defaulted`)).body;
    assert.deepEqual([defaulted.spec.priorityClassName, defaulted.spec.priority, defaulted.spec.preemptionPolicy], ["everyday", 10, "PreemptLowerPriority"]);
    assert.equal((await call(server.url, "DELETE", `${classes}/everyday`)).status, 200);
  });

  test("a class's value never changes and user classes stay at or below 1000000000", async () => {
    const changed = await call<Body>(server.url, "PATCH", `${classes}/high`, { value: 2000 }, "application/merge-patch+json");
    assert.equal(changed.status, 422);
    assert.match(changed.body.message ?? "", /value: Forbidden: may not be changed in an update\./);
    const tooHigh = await post(classes, priorityClass("too-high", 1_000_000_001));
    assert.equal(tooHigh.status, 422);
    assert.match((tooHigh.body as Body).message ?? "", /value: Forbidden: maximum allowed value of a user defined priority is 1000000000/);
  });

  test("a workload's template is validated but not admitted: a missing class is the pods' problem, later", async () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { ...(testPod("x").spec as Record<string, unknown>), priorityClassName: "not-made-yet" } },
      },
    };
    const created = await post("/apis/apps/v1/namespaces/default/deployments", deployment);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const stored = (created.body as { spec: { template: { spec: Pod["spec"] } } }).spec.template.spec;
    assert.equal(stored.priority, undefined);
    const bad = await post("/apis/apps/v1/namespaces/default/deployments", {
      ...deployment,
      metadata: { name: "bad" },
      spec: { ...deployment.spec, template: { ...deployment.spec.template, spec: { ...deployment.spec.template.spec, preemptionPolicy: "Sometimes" } } },
    });
    assert.equal(bad.status, 422);
    assert.match((bad.body as Body).message ?? "", /spec\.template\.spec\.preemptionPolicy/);
  });
});
