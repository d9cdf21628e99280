import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { call, testPod, startTestApiServer, WatchReader, type TestApiServer } from "../src/testing/index.js";

type Obj = { metadata: { name: string; resourceVersion: string } };
type StatusBody = { kind: string; code: number; reason: string; message: string; details?: { causes?: { reason?: string }[] } };

const ns = "watching";
const pods = `/api/v1/namespaces/${ns}/pods`;

describe("watch options: resourceVersion, sendInitialEvents, bookmarks, timeouts", () => {
  let server: TestApiServer;
  let url: string;
  const open: WatchReader[] = [];
  const watch = async (query: string): Promise<WatchReader> => {
    const w = await WatchReader.open(url, `${pods}?watch=true&${query}`);
    open.push(w);
    return w;
  };
  /** Moves the store's revision on without touching pods. */
  const otherWrite = (name: string) => call(url, "POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name } });

  before(async () => {
    server = await startTestApiServer();
    url = server.url;
    await call(url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    await call(url, "POST", pods, testPod("one"));
    await call(url, "POST", pods, testPod("two"));
  });
  after(async () => {
    for (const w of open) w.close();
    await server.stop();
  });

  test('resourceVersion "0" and "" both start with an ADDED per current object', async () => {
    for (const query of ["resourceVersion=0", ""]) {
      const w = await watch(query);
      const first = [await w.next(), await w.next()];
      assert.deepEqual(
        first.map((e) => `${e.type}:${e.object.metadata.name}`),
        ["ADDED:one", "ADDED:two"],
      );
      w.close();
    }
  });

  test("sendInitialEvents=true ends the initial ADDED events with an initial-events-end BOOKMARK", async () => {
    const w = await watch("sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=");
    const events = [await w.next(), await w.next(), await w.next()];
    assert.deepEqual(
      events.map((e) => e.type),
      ["ADDED", "ADDED", "BOOKMARK"],
    );
    const bookmark = events[2].object;
    assert.equal(bookmark.kind, "Pod");
    assert.equal(bookmark.apiVersion, "v1");
    assert.deepEqual(bookmark.metadata.annotations, { "k8s.io/initial-events-end": "true" });
    assert.ok(Number(bookmark.metadata.resourceVersion) >= Number(events[1].object.metadata.resourceVersion));
    await call(url, "POST", pods, testPod("three"));
    const next = await w.next();
    assert.equal(`${next.type}:${next.object.metadata.name}`, "ADDED:three");
    await call(url, "DELETE", `${pods}/three`);
  });

  test("sendInitialEvents=false starts from now without the current objects", async () => {
    const w = await watch("sendInitialEvents=false&resourceVersionMatch=NotOlderThan");
    await call(url, "POST", pods, testPod("fresh"));
    const ev = await w.next();
    assert.equal(`${ev.type}:${ev.object.metadata.name}`, "ADDED:fresh");
    await call(url, "DELETE", `${pods}/fresh`);
  });

  test("watch options are validated as Kubernetes validates them", async () => {
    const noMatch = await call<StatusBody>(url, "GET", `${pods}?watch=true&sendInitialEvents=true`);
    assert.equal(noMatch.status, 422);
    assert.equal(
      noMatch.body.message,
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    );
    const matchOnly = await call<StatusBody>(url, "GET", `${pods}?watch=true&resourceVersionMatch=NotOlderThan`);
    assert.equal(matchOnly.status, 422);
    assert.match(matchOnly.body.message, /resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided/);
    const badRv = await call<StatusBody>(url, "GET", `${pods}?watch=true&resourceVersion=abc`);
    assert.equal(badRv.status, 400);
    const badTimeout = await call<StatusBody>(url, "GET", `${pods}?watch=true&timeoutSeconds=soon`);
    assert.equal(badTimeout.status, 400);
  });

  test("allowWatchBookmarks: a BOOKMARK with only kind, apiVersion and resourceVersion before the timeout", async () => {
    const list = await call<{ metadata: { resourceVersion: string } }>(url, "GET", pods);
    const w = await watch(`resourceVersion=${list.body.metadata.resourceVersion}&allowWatchBookmarks=true&timeoutSeconds=3`);
    // Writes elsewhere move the revision on; the watcher learns it from the bookmark.
    const node = await call<Obj>(url, "POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: "bm-1" } });
    const started = Date.now();
    const ev = await w.next(3000);
    assert.equal(ev.type, "BOOKMARK");
    // Kubernetes sends it two seconds before the watch times out.
    assert.ok(Date.now() - started < 2000, "the bookmark came before the timeout");
    assert.deepEqual(ev.object, { kind: "Pod", apiVersion: "v1", metadata: { resourceVersion: node.body.metadata.resourceVersion } });
    await w.waitEnd(4000);
    assert.equal(w.events.length, 1, "nothing but the bookmark, then a clean end");
  });

  test("without allowWatchBookmarks no BOOKMARK is sent", async () => {
    const list = await call<{ metadata: { resourceVersion: string } }>(url, "GET", pods);
    const w = await watch(`resourceVersion=${list.body.metadata.resourceVersion}&timeoutSeconds=3`);
    await otherWrite("bm-2");
    await w.waitEnd(5000);
    assert.equal(w.events.length, 0);
  });

  test("timeoutSeconds ends the watch cleanly at that time; 0 means the server's default", async () => {
    const started = Date.now();
    const w = await watch("resourceVersion=0&timeoutSeconds=2");
    await w.next();
    await w.next();
    await w.waitEnd(4000);
    const took = Date.now() - started;
    assert.ok(took >= 1900 && took < 3500, `ended after ${took} ms`);
    assert.ok(!w.events.some((e) => e.type === "ERROR"));
    const unlimited = await watch("resourceVersion=0&timeoutSeconds=0");
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(unlimited.ended, false, "timeoutSeconds=0 does not end the watch at once");
    unlimited.close();
  });

  test("a watch from a resourceVersion the server has not reached ends with a 504 ERROR event", async () => {
    const w = await watch("resourceVersion=999999999");
    assert.equal(w.status, 200);
    const ev = await w.next(6000);
    assert.equal(ev.type, "ERROR");
    const status = ev.object as unknown as StatusBody;
    assert.equal(status.code, 504);
    assert.equal(status.reason, "Timeout");
    assert.equal(status.details?.causes?.[0]?.reason, "ResourceVersionTooLarge");
    await w.waitEnd();
  });
});
