import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { call, testPod, startTestApiServer, WatchReader, type TestApiServer } from "../src/testing/index.js";

type Obj = { metadata: { name: string; resourceVersion: string; labels?: Record<string, string> } };
const pods = "/api/v1/namespaces/default/pods";

describe("watch", () => {
  let server: TestApiServer;
  let url: string;
  const open: WatchReader[] = [];
  const watch = async (path: string) => {
    const w = await WatchReader.open(url, path);
    open.push(w);
    return w;
  };
  before(async () => {
    // A tiny ring, so a watch from a few writes back already needs etcd's history.
    server = await startTestApiServer({ watchCacheSize: 4 });
    url = server.url;
  });
  after(async () => {
    for (const w of open) w.close();
    await server.stop();
  });

  test("a list right after a create sees it (consistent read)", async () => {
    for (let i = 0; i < 5; i++) {
      await call(url, "POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: `fresh-${i}` } });
      const list = await call<{ items: Obj[] }>(url, "GET", pods);
      assert.equal(list.status, 200);
      const created = await call<Obj>(url, "POST", pods, testPod(`fresh-${i}`));
      const after = await call<{ items: Obj[] }>(url, "GET", pods);
      assert.ok(after.body.items.some((p) => p.metadata.name === created.body.metadata.name));
    }
  });

  test("streams ADDED, MODIFIED, DELETED from a resourceVersion, headers first", async () => {
    const list = await call<{ metadata: { resourceVersion: string } }>(url, "GET", pods);
    const w = await watch(`${pods}?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`);
    assert.equal(w.status, 200);
    assert.equal(w.contentType, "application/json");
    await call(url, "POST", pods, testPod("w1"));
    await call(url, "PATCH", `${pods}/w1`, { metadata: { labels: { x: "1" } } }, "application/merge-patch+json");
    await call(url, "DELETE", `${pods}/w1`);
    const types = [];
    for (let i = 0; i < 3; i++) {
      const ev = await w.next();
      assert.equal(ev.object.metadata.name, "w1");
      types.push(ev.type);
    }
    assert.deepEqual(types, ["ADDED", "MODIFIED", "DELETED"]);
  });

  test("resumes from an older resourceVersion: from the ring and from etcd", async () => {
    const created = await call<Obj>(url, "POST", pods, testPod("resume"));
    const rv = created.body.metadata.resourceVersion;
    for (let i = 0; i < 6; i++) {
      await call(url, "PATCH", `${pods}/resume`, { metadata: { labels: { n: String(i) } } }, "application/merge-patch+json");
    }
    // Six changes after rv with a ring of four: this watch is served by its own etcd watch.
    const w = await watch(`${pods}?watch=1&resourceVersion=${rv}`);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const ev = await w.next();
      assert.equal(ev.type, "MODIFIED");
      seen.push(String(ev.object.metadata.labels?.n));
    }
    assert.deepEqual(seen, ["0", "1", "2", "3", "4", "5"]);
    // From the last-but-one revision: the ring still has it.
    const now = await call<Obj>(url, "GET", `${pods}/resume`);
    await call(url, "PATCH", `${pods}/resume`, { metadata: { labels: { n: "6" } } }, "application/merge-patch+json");
    const recent = await watch(`${pods}?watch=1&resourceVersion=${now.body.metadata.resourceVersion}`);
    const ev = await recent.next();
    assert.equal(ev.object.metadata.labels?.n, "6");
  });

  test("a compacted resourceVersion answers an ERROR event with a 410 Expired Status", async () => {
    const created = await call<Obj>(url, "POST", pods, testPod("compact"));
    const rv = Number(created.body.metadata.resourceVersion);
    for (let i = 0; i < 6; i++) {
      await call(url, "PATCH", `${pods}/compact`, { metadata: { labels: { n: String(i) } } }, "application/merge-patch+json");
    }
    const etcd = new Etcd3({ hosts: server.etcd.endpoint });
    try {
      const head = await etcd.kv.range({ key: Buffer.from("/registry/") , count_only: true });
      await etcd.kv.compact({ revision: Number(head.header.revision), physical: true });
    } finally {
      etcd.close();
    }
    const w = await watch(`${pods}?watch=true&resourceVersion=${rv}`);
    // As Kubernetes: the watch is established (200), then ends with one ERROR event.
    assert.equal(w.status, 200);
    const error = await w.next();
    await w.waitEnd();
    assert.equal(error.type, "ERROR");
    assert.equal(w.events.length, 1);
    const status = error.object as unknown as { kind: string; reason: string; code: number; message: string };
    assert.equal(status.kind, "Status");
    assert.equal(status.reason, "Expired");
    assert.equal(status.code, 410);
    assert.match(status.message, new RegExp(`^too old resource version: ${rv} \\(\\d+\\)$`));
  });

  test("selectors: an object leaving the selection is DELETED, entering it is ADDED", async () => {
    await call(url, "POST", pods, testPod("sel", { labels: { app: "a" } }));
    const w = await watch(`${pods}?watch=true&labelSelector=app%3Db`);
    await call(url, "PATCH", `${pods}/sel`, { metadata: { labels: { app: "b" } } }, "application/merge-patch+json");
    await call(url, "PATCH", `${pods}/sel`, { metadata: { labels: { app: "b", more: "1" } } }, "application/merge-patch+json");
    await call(url, "PATCH", `${pods}/sel`, { metadata: { labels: { app: "c" } } }, "application/merge-patch+json");
    const events = [await w.next(), await w.next(), await w.next()].map((e) => `${e.type}:${e.object.metadata.labels?.app}`);
    assert.deepEqual(events, ["ADDED:b", "MODIFIED:b", "DELETED:c"]);
  });

  test("without a resourceVersion a watch starts with the current objects", async () => {
    await call(url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "initial" } });
    await call(url, "POST", "/api/v1/namespaces/initial/pods", testPod("one"));
    const w = await watch("/api/v1/namespaces/initial/pods?watch=true");
    const ev = await w.next();
    assert.equal(ev.type, "ADDED");
    assert.equal(ev.object.metadata.name, "one");
    await call(url, "POST", "/api/v1/namespaces/initial/pods", testPod("two"));
    assert.equal((await w.next()).object.metadata.name, "two");
  });

  test("timeoutSeconds ends the watch", async () => {
    const w = await watch(`${pods}?watch=true&timeoutSeconds=1`);
    await w.waitEnd(4000);
    assert.ok(w.ended);
  });
});
