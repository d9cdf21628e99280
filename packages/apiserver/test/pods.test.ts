import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import type { PodLogOptions, PodLogSource } from "../src/index.js";
import { call, testPod, startTestApiServer, type TestApiServer } from "../src/testing/index.js";

type PodObj = Pod & { metadata: { name: string; resourceVersion: string } };
const pods = "/api/v1/namespaces/default/pods";

const logRequests: PodLogOptions[] = [];
const logSource: PodLogSource = {
  async *streamLogs(pod, opts) {
    logRequests.push(opts);
    yield new TextEncoder().encode(`hello from ${pod.metadata.name ?? ""}/${opts.container}\n`);
    yield new TextEncoder().encode("second line\n");
  },
};

describe("pods", () => {
  let server: TestApiServer;
  let url: string;
  before(async () => {
    server = await startTestApiServer({ logSource });
    url = server.url;
  });
  after(async () => server.stop());

  const binding = (name: string, node: string) => ({
    apiVersion: "v1",
    kind: "Binding",
    metadata: { name },
    target: { apiVersion: "v1", kind: "Node", name: node },
  });

  test("binding sets nodeName and PodScheduled once; a second binding is 409", async () => {
    await call(url, "POST", pods, testPod("bind-me"));
    const res = await call<{ status: string; code: number }>(url, "POST", `${pods}/bind-me/binding`, binding("bind-me", "node-a"));
    assert.equal(res.status, 201);
    assert.equal(res.body.status, "Success");
    const bound = await call<PodObj>(url, "GET", `${pods}/bind-me`);
    assert.equal(bound.body.spec.nodeName, "node-a");
    const cond = bound.body.status?.conditions?.find((c) => c.type === "PodScheduled");
    assert.equal(cond?.status, "True");
    const again = await call<{ reason: string; message: string }>(url, "POST", `${pods}/bind-me/binding`, binding("bind-me", "node-b"));
    assert.equal(again.status, 409);
    assert.match(again.body.message, /already assigned to node "node-a"/);
    assert.equal((await call<PodObj>(url, "GET", `${pods}/bind-me`)).body.spec.nodeName, "node-a");
  });

  test("binding a missing pod is 404; a binding without a target is 422", async () => {
    assert.equal((await call(url, "POST", `${pods}/nobody/binding`, binding("nobody", "n"))).status, 404);
    await call(url, "POST", pods, testPod("no-target"));
    const res = await call(url, "POST", `${pods}/no-target/binding`, { apiVersion: "v1", kind: "Binding", metadata: { name: "no-target" }, target: {} });
    assert.equal(res.status, 422);
  });

  test("deleting a bound pod is graceful; a second delete only shortens; grace 0 removes", async () => {
    await call(url, "POST", pods, testPod("graceful", { nodeName: "node-a" }));
    const first = await call<PodObj>(url, "DELETE", `${pods}/graceful`);
    assert.equal(first.status, 200);
    assert.equal(first.body.metadata.deletionGracePeriodSeconds, 30);
    const deadline = Date.parse(String(first.body.metadata.deletionTimestamp));
    assert.ok(Math.abs(deadline - (Date.now() + 30_000)) < 3000);
    assert.equal((await call(url, "GET", `${pods}/graceful`)).status, 200);

    const longer = await call<PodObj>(url, "DELETE", `${pods}/graceful?gracePeriodSeconds=60`);
    assert.equal(longer.body.metadata.deletionGracePeriodSeconds, 30, "a longer grace period does not extend");
    const shorter = await call<PodObj>(url, "DELETE", `${pods}/graceful`, { gracePeriodSeconds: 5 });
    assert.equal(shorter.body.metadata.deletionGracePeriodSeconds, 5);

    // An update cannot clear the deletion mark.
    const put = structuredClone(shorter.body);
    delete put.metadata.deletionTimestamp;
    const updated = await call<PodObj>(url, "PUT", `${pods}/graceful`, put);
    assert.ok(updated.body.metadata.deletionTimestamp);

    const now = await call<PodObj>(url, "DELETE", `${pods}/graceful?gracePeriodSeconds=0`);
    assert.equal(now.status, 200);
    assert.equal((await call(url, "GET", `${pods}/graceful`)).status, 404);
  });

  test("an unbound pod is deleted at once; terminationGracePeriodSeconds is the default grace", async () => {
    await call(url, "POST", pods, testPod("unbound"));
    await call(url, "DELETE", `${pods}/unbound`);
    assert.equal((await call(url, "GET", `${pods}/unbound`)).status, 404);
    const body = testPod("short", { nodeName: "node-a" });
    (body.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds = 7;
    await call(url, "POST", pods, body);
    const res = await call<PodObj>(url, "DELETE", `${pods}/short`);
    assert.equal(res.body.metadata.deletionGracePeriodSeconds, 7);
  });

  test("logs stream from the log source; the container defaults to the only one", async () => {
    await call(url, "POST", pods, testPod("talker", { nodeName: "node-a" }));
    const res = await fetch(`${url}${pods}/talker/log?tailLines=5&follow=true`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "hello from talker/main\nsecond line\n");
    assert.deepEqual(logRequests.at(-1), { container: "main", follow: true, tailLines: 5 });
  });

  test("logs of a pod with several containers need a container name", async () => {
    const body = testPod("two", { nodeName: "node-a" });
    (body.spec as { containers: unknown[] }).containers.push({ name: "side", image: "bosun.local/busybox:1" });
    await call(url, "POST", pods, body);
    const res = await call<{ message: string }>(url, "GET", `${pods}/two/log`);
    assert.equal(res.status, 400);
    assert.equal(res.body.message, "a container name must be specified for pod two, choose one of: [main side]");
    const ok = await fetch(`${url}${pods}/two/log?container=side`);
    assert.equal(await ok.text(), "hello from two/side\nsecond line\n");
  });
});
