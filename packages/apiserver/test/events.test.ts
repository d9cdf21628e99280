import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createApiServer } from "../src/index.js";
import { call, startTestApiServer, WatchReader, type TestApiServer } from "../src/testing/index.js";

type Ev = { metadata: { name: string; resourceVersion: string }; count?: number };

const events = "/api/v1/namespaces/default/events";

function event(name: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name },
    involvedObject: { kind: "Pod", name: "web", namespace: "default" },
    reason: "Started",
    message: "Started container main",
    type: "Normal",
    count: 1,
  };
}

describe("events expire", () => {
  const ttlSeconds = 2;
  let server: TestApiServer;
  let url: string;
  before(async () => {
    server = await startTestApiServer({ eventTtlSeconds: ttlSeconds });
    url = server.url;
  });
  after(async () => server.stop());

  test("an event disappears after the TTL, and watchers see it DELETED", async () => {
    const created = await call<Ev>(url, "POST", events, event("short-lived"));
    assert.equal(created.status, 201);
    const watch = await WatchReader.open(url, `${events}?watch=true&resourceVersion=${created.body.metadata.resourceVersion}`);
    try {
      const started = Date.now();
      const gone = await watch.next((ttlSeconds + 5) * 1000);
      assert.equal(gone.type, "DELETED");
      assert.equal(gone.object.metadata.name, "short-lived");
      assert.ok(Date.now() - started >= (ttlSeconds - 1) * 1000, "not before the TTL");
      assert.equal((await call(url, "GET", `${events}/short-lived`)).status, 404);
    } finally {
      watch.close();
    }
  });

  test("an update attaches a fresh lease: the event lives a TTL after its last write", async () => {
    const created = await call<Ev>(url, "POST", events, event("bumped"));
    assert.equal(created.status, 201);
    // Keep writing for longer than one TTL: each write restarts the clock.
    for (let i = 2; i <= 4; i++) {
      await new Promise((r) => setTimeout(r, 900));
      const bumped = await call<Ev>(url, "PATCH", `${events}/bumped`, { count: i }, "application/merge-patch+json");
      assert.equal(bumped.status, 200, `still there after ${i - 1} updates`);
      assert.equal(bumped.body.count, i);
    }
    const deadline = Date.now() + (ttlSeconds + 5) * 1000;
    while ((await call(url, "GET", `${events}/bumped`)).status === 200) {
      assert.ok(Date.now() < deadline, "the updated event expires too");
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  test("other kinds do not expire", async () => {
    await call(url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "durable" } });
    await new Promise((r) => setTimeout(r, (ttlSeconds + 1) * 1000));
    assert.equal((await call(url, "GET", "/api/v1/namespaces/durable")).status, 200);
  });
});

test("eventTtlSeconds must be a positive whole number", async () => {
  await assert.rejects(createApiServer({ etcdEndpoints: ["http://127.0.0.1:1"], prefix: "/registry", tls: { cert: "", key: "", clientCa: "" }, eventTtlSeconds: 0 }), /eventTtlSeconds must be a whole number/);
});
