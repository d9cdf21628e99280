import { test } from "node:test";
import assert from "node:assert/strict";
import { conflict, mustResource, notFound, statusError, type KubeObject, type Pod, type ReplicaSet, type ResourceInfo } from "@bosun/api";
import { ApiError, type DeleteRequestOptions, type EventRecorder, type EventType } from "@bosun/client";
import { Expectations, PodControl, type PodControlApi } from "../src/common/index.js";

const pods = mustResource("pods");

const owner: ReplicaSet = {
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name: "web", namespace: "ns", uid: "rs-uid" },
  spec: { selector: { matchLabels: { app: "web" } } },
};
const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };

class Events implements EventRecorder {
  readonly seen: string[] = [];
  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    this.seen.push(`${object.metadata.name} ${type} ${reason}: ${message}`);
  }
}

interface Deletion {
  name: string;
  opts: DeleteRequestOptions;
}

/** Records requests; creates fail from call `failFrom` on, deletes of a name fail as `deleteErrors` says. */
function fakeApi(failFrom = Infinity, deleteErrors: Record<string, ApiError> = {}) {
  const created: Pod[] = [];
  const deleted: Deletion[] = [];
  let calls = 0;
  const api: PodControlApi = {
    async create<T extends KubeObject>(_res: ResourceInfo, obj: T, namespace?: string): Promise<T> {
      if (++calls >= failFrom) throw new ApiError(statusError(403, "Forbidden", "exceeded quota: pods"));
      const name = `${obj.metadata.generateName ?? ""}${calls}`;
      const pod = { ...obj, metadata: { ...obj.metadata, name, namespace } };
      created.push(pod as KubeObject as Pod);
      return pod;
    },
    async delete(_res: ResourceInfo, name: string, opts: DeleteRequestOptions = {}) {
      deleted.push({ name, opts });
      const err = deleteErrors[name];
      if (err) throw err;
      return statusError(200, "", "deleted");
    },
  };
  return { api, created, deleted };
}

function pod(name: string): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "ns", uid: `${name}-uid` }, spec: { containers: [] } };
}

test("creates pods from the template with the owner's controllerRef, tells each, and expects them", async () => {
  const { api, created } = fakeApi();
  const events = new Events();
  const expectations = new Expectations(() => 0);
  const control = new PodControl(api, events, expectations);

  const result = await control.apply("ns/web", owner, {
    create: { template, count: 3, naming: { extraLabels: { rev: "abc" } }, customize: (p, i) => void (p.spec.nodeName = `node-${i}`) },
  });

  assert.deepEqual(result, { created: 3, gone: [], errors: [] });
  assert.deepEqual(
    created.map((p) => [p.metadata.name, p.metadata.namespace, p.metadata.labels, p.spec.nodeName, p.metadata.ownerReferences?.[0]?.uid]),
    [
      ["web-1", "ns", { app: "web", rev: "abc" }, "node-0", "rs-uid"],
      ["web-2", "ns", { app: "web", rev: "abc" }, "node-1", "rs-uid"],
      ["web-3", "ns", { app: "web", rev: "abc" }, "node-2", "rs-uid"],
    ],
  );
  assert.deepEqual(events.seen, ["web Normal SuccessfulCreate: Created pod: web-1", "web Normal SuccessfulCreate: Created pod: web-2", "web Normal SuccessfulCreate: Created pod: web-3"]);
  assert.equal(expectations.satisfied("ns/web"), false, "the creates are not observed yet");
  for (let i = 0; i < 3; i++) expectations.creationObserved("ns/web");
  assert.equal(expectations.satisfied("ns/web"), true);
});

test("a failed create stops the slow start, is told, and neither it nor the creates never tried are expected", async () => {
  // Batches of 1, 2, 4: the second call fails, so the batch of 2 is the last one tried.
  const { api, created } = fakeApi(2);
  const events = new Events();
  const expectations = new Expectations(() => 0);
  const control = new PodControl(api, events, expectations);

  const result = await control.apply("ns/web", owner, { create: { template, count: 10 } });

  assert.equal(result.created, 1);
  assert.equal(result.errors.length, 1);
  assert.match(String(result.errors[0]), /exceeded quota/);
  assert.equal(created.length, 1);
  assert.deepEqual(
    events.seen.filter((e) => e.includes("FailedCreate")),
    ["web Warning FailedCreate: Error creating: exceeded quota: pods", "web Warning FailedCreate: Error creating: exceeded quota: pods"],
  );
  assert.equal(expectations.satisfied("ns/web"), false);
  expectations.creationObserved("ns/web");
  assert.equal(expectations.satisfied("ns/web"), true, "only the one pod created is waited for");
});

test("deletes the very pods given, forced where asked; a pod gone or replaced is gone, another failure is told", async () => {
  const { api, deleted } = fakeApi(Infinity, {
    gone: new ApiError(notFound(pods, "gone")),
    replaced: new ApiError(conflict(pods, "replaced", "Precondition failed: UID in precondition: replaced-uid, UID in object meta: other")),
    stuck: new ApiError(statusError(500, "InternalError", "etcd is unavailable")),
  });
  const events = new Events();
  const expectations = new Expectations(() => 0);
  const control = new PodControl(api, events, expectations);
  const victims = [pod("a"), pod("gone"), pod("replaced"), pod("stuck"), pod("b")];

  const result = await control.apply("ns/web", owner, { delete: victims.map((p) => ({ pod: p, force: p.metadata.name === "b" })) });

  assert.deepEqual(
    deleted.map((d) => [d.name, d.opts.namespace, d.opts.preconditions?.uid, d.opts.gracePeriodSeconds]),
    [
      ["a", "ns", "a-uid", undefined],
      ["gone", "ns", "gone-uid", undefined],
      ["replaced", "ns", "replaced-uid", undefined],
      ["stuck", "ns", "stuck-uid", undefined],
      ["b", "ns", "b-uid", 0],
    ],
  );
  assert.deepEqual(result.gone.map((p) => p.metadata.name), ["a", "gone", "replaced", "b"]);
  assert.equal(result.errors.length, 1);
  assert.match(String(result.errors[0]), /etcd is unavailable/);
  assert.deepEqual(events.seen, [
    "web Normal SuccessfulDelete: Deleted pod: a",
    "web Warning FailedDelete: Error deleting: etcd is unavailable",
    "web Normal SuccessfulDelete: Deleted pod: b",
  ]);
  // Only the two deletions made here will be observed.
  expectations.deletionObserved("ns/web");
  assert.equal(expectations.satisfied("ns/web"), false);
  expectations.deletionObserved("ns/web");
  assert.equal(expectations.satisfied("ns/web"), true);
});

test("nothing to create or delete sends nothing and expects nothing", async () => {
  const { api, created, deleted } = fakeApi();
  const expectations = new Expectations(() => 0);
  expectations.expect("ns/web", 1, 0);
  const control = new PodControl(api, new Events(), expectations);
  assert.deepEqual(await control.apply("ns/web", owner, { create: { template, count: 0 }, delete: [] }), { created: 0, gone: [], errors: [] });
  assert.equal(created.length + deleted.length, 0);
  assert.equal(expectations.satisfied("ns/web"), false, "an earlier expectation stands");
});
