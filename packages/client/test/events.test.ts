import { test } from "node:test";
import assert from "node:assert/strict";
import type { Event, KubeObject } from "@bosun/api";
import { ApiEventRecorder, type EventsApi } from "../src/events.js";

/** Just enough of the API for events: create stores, merge patch updates count and lastTimestamp. */
function fakeApi() {
  const stored = new Map<string, Event>();
  const client = {
    async create(_res: unknown, obj: KubeObject, namespace?: string) {
      stored.set(`${namespace}/${obj.metadata.name}`, structuredClone(obj) as Event);
      return obj;
    },
    async patch(_res: unknown, name: string, patch: Partial<Event>, opts: { namespace?: string }) {
      const e = stored.get(`${opts.namespace}/${name}`);
      if (!e) throw new Error("not found");
      Object.assign(e, patch);
      return e;
    },
  } as unknown as EventsApi;
  return { client, stored };
}

const node: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name: "n1", uid: "u-n1" } };
const deploy: KubeObject = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "team", uid: "u-web" } };

test("an event about a namespaced object lands in its namespace with the recorder's source", async () => {
  const { client, stored } = fakeApi();
  const recorder = new ApiEventRecorder({ client, component: "deployment-controller", now: () => new Date("2026-01-01T00:00:00Z") });
  recorder.event(deploy, "Normal", "ScalingReplicaSet", "Scaled up replica set web-abc to 3");
  await recorder.idle();
  const [e] = [...stored.values()];
  assert.ok(e);
  assert.equal(e.metadata.namespace, "team");
  assert.match(e.metadata.name!, /^web\.[0-9a-f]{16}$/);
  assert.deepEqual(e.involvedObject, { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "team", uid: "u-web" });
  assert.deepEqual(e.source, { component: "deployment-controller" });
  assert.equal(e.count, 1);
  assert.equal(e.firstTimestamp, "2026-01-01T00:00:00Z");
});

test("events about cluster-scoped objects go to the default namespace, as in Kubernetes", async () => {
  const { client, stored } = fakeApi();
  const recorder = new ApiEventRecorder({ client, component: "node-controller" });
  recorder.event(node, "Normal", "NodeNotReady", "Node n1 status is now: NodeNotReady");
  await recorder.idle();
  assert.equal([...stored.values()][0]?.metadata.namespace, "default");
});

test("repeats bump count and lastTimestamp of one Event", async () => {
  const { client, stored } = fakeApi();
  let now = Date.parse("2026-01-01T00:00:00Z");
  const recorder = new ApiEventRecorder({ client, component: "c", now: () => new Date(now) });
  recorder.event(deploy, "Warning", "FailedCreate", "quota");
  now += 5000;
  recorder.event(deploy, "Warning", "FailedCreate", "quota");
  recorder.event(deploy, "Warning", "FailedCreate", "other");
  await recorder.idle();
  const all = [...stored.values()].sort((a, b) => (b.count ?? 0) - (a.count ?? 0));
  assert.equal(all.length, 2);
  assert.equal(all[0]!.count, 2);
  assert.equal(all[0]!.lastTimestamp, "2026-01-01T00:00:05Z");
});

test("beyond maxPending waiting events, new ones are dropped rather than queued without bound", async () => {
  const { client, stored } = fakeApi();
  const recorder = new ApiEventRecorder({ client, component: "c", maxPending: 2 });
  for (let i = 0; i < 5; i++) recorder.event(deploy, "Normal", "R", `m${i}`);
  await recorder.idle();
  assert.equal(stored.size, 2);
});
