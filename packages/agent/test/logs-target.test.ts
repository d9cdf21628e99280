import { test } from "node:test";
import assert from "node:assert/strict";
import type { LogsRequest } from "@bosun/proto";
import { logsSince, pickLogContainer } from "../src/agent-service.js";
import type { ContainerSummary } from "../src/runtime/runtime.js";

const c = (id: string, name: string, restart: number): ContainerSummary => ({
  id,
  labels: { "bosun.io/container-name": name, "bosun.io/restart-count": String(restart) },
  state: "running",
  created: restart,
});
const req = (over: Partial<LogsRequest>): LogsRequest => ({
  podUid: "u", namespace: "default", podName: "p", container: "", follow: false, tailLines: -1, timestamps: false, sinceSeconds: 0, previous: false, sinceTime: "", limitBytes: 0, ...over,
});

test("logs go to the newest instance, or the one before it with previous", () => {
  const list = [c("infra", "POD", 0), c("a0", "a", 0), c("a1", "a", 1)];
  assert.equal(pickLogContainer(req({}), list).id, "a1");
  assert.equal(pickLogContainer(req({ previous: true }), list).id, "a0");
  assert.throws(() => pickLogContainer(req({ previous: true }), [c("a0", "a", 0)]), /previous terminated container "a"/);
});

test("a pod with several containers needs a container name", () => {
  const list = [c("a0", "a", 0), c("b0", "b", 0)];
  assert.throws(() => pickLogContainer(req({}), list), /choose one of: \[a b\]/);
  assert.equal(pickLogContainer(req({ container: "b" }), list).id, "b0");
});

test("sinceTime wins over sinceSeconds, and neither means all logs", () => {
  const now = Date.parse("2026-01-02T03:04:05.500Z");
  assert.equal(logsSince(req({}), now), 0);
  assert.equal(logsSince(req({ sinceSeconds: 10 }), now), Math.floor(now / 1000) - 10);
  assert.equal(logsSince(req({ sinceSeconds: 10, sinceTime: "2026-01-02T03:00:00Z" }), now), Date.parse("2026-01-02T03:00:00Z") / 1000);
  assert.throws(() => logsSince(req({ sinceTime: "soon" }), now), /sinceTime "soon" is not an RFC 3339 time/);
});
