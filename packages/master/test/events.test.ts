import { test } from "node:test";
import assert from "node:assert/strict";
import type { Event } from "@bosun/api";
import type { PodEvent } from "@bosun/proto";
import { ApiEventRecorder } from "@bosun/client";
import { AgentEvents, eventSourceComponent } from "../src/dispatcher/events.js";
import { FakeApi, FakePodCache, pod } from "./fakes.js";

function podEvent(overrides: Partial<PodEvent> = {}): PodEvent {
  return {
    namespace: "default",
    podName: "a",
    podUid: "uid-a",
    type: "Warning",
    reason: "BackOff",
    message: "Back-off restarting failed container c",
    fieldPath: "spec.containers{c}",
    timestamp: "2025-01-01T00:00:00Z",
    ...overrides,
  };
}

function setup() {
  const api = new FakeApi();
  const cache = new FakePodCache();
  cache.set(pod("a", "n1"));
  let now = Date.parse("2025-01-01T00:00:00Z");
  const recorder = new AgentEvents({
    pods: cache,
    recorder: new ApiEventRecorder({ client: api.client(), component: eventSourceComponent, now: () => new Date(now), dedupWindowMs: 60_000 }),
  });
  const events = () => [...api.objects.values()] as Event[];
  return { api, recorder, events, advance: (ms: number) => (now += ms) };
}

test("a pod event becomes a v1 Event about the pod, from bosun-agent on the node", async () => {
  const { recorder, events } = setup();
  assert.equal(recorder.record("n1", [podEvent()]), 1);
  await recorder.idle();
  const [e] = events();
  assert.ok(e);
  assert.match(e.metadata.name!, /^a\.[0-9a-f]{16}$/);
  assert.equal(e.metadata.namespace, "default");
  assert.deepEqual(e.involvedObject, {
    apiVersion: "v1",
    kind: "Pod",
    namespace: "default",
    name: "a",
    uid: "uid-a",
    fieldPath: "spec.containers{c}",
  });
  assert.deepEqual(e.source, { component: "bosun-agent", host: "n1" });
  assert.equal(e.type, "Warning");
  assert.equal(e.reason, "BackOff");
  assert.equal(e.count, 1);
  assert.equal(e.firstTimestamp, "2025-01-01T00:00:00Z");
  assert.equal(e.lastTimestamp, "2025-01-01T00:00:00Z");
});

test("a repeat within the window increases the count; a different message or a late repeat is a new Event", async () => {
  const { recorder, events, advance } = setup();
  recorder.record("n1", [podEvent()]);
  recorder.record("n1", [podEvent({ timestamp: "2025-01-01T00:00:10Z" })]);
  recorder.record("n1", [podEvent({ timestamp: "2025-01-01T00:00:20Z" })]);
  await recorder.idle();
  assert.equal(events().length, 1);
  assert.equal(events()[0]!.count, 3);
  assert.equal(events()[0]!.lastTimestamp, "2025-01-01T00:00:20Z");

  recorder.record("n1", [podEvent({ reason: "Started", type: "Normal", message: "Started container c" })]);
  await recorder.idle();
  assert.equal(events().length, 2);

  advance(120_000);
  recorder.record("n1", [podEvent()]);
  await recorder.idle();
  assert.equal(events().length, 3);
});

test("events for pods not bound to the calling node are ignored", async () => {
  const { api, recorder } = setup();
  assert.equal(recorder.record("n2", [podEvent()]), 0);
  assert.equal(recorder.record("n1", [podEvent({ podUid: "other" })]), 0);
  await recorder.idle();
  assert.equal(api.calls.length, 0);
});
