import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { call, runKubectl, testPod, startTestApiServer, type TestApiServer } from "../src/testing/index.js";

type Obj = { metadata: { name: string; namespace?: string; resourceVersion: string; labels?: Record<string, string> } };
type List = { metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number }; items: Obj[] };
type StatusBody = {
  kind: string;
  code: number;
  reason: string;
  message: string;
  metadata: { continue?: string };
  details?: { kind?: string; group?: string; causes?: { reason?: string; field?: string; message?: string }[] };
};

const ns = "paging";
const pods = `/api/v1/namespaces/${ns}/pods`;
const names = ["a", "b", "c", "d", "e", "f", "g"].map((n) => `pod-${n}`);

function decodeToken(token: string): { v: string; rv: number; start: string } {
  return JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
}

async function compact(server: TestApiServer): Promise<void> {
  const etcd = new Etcd3({ hosts: server.etcd.endpoint });
  try {
    const head = await etcd.kv.range({ key: Buffer.from("/registry/"), count_only: true });
    await etcd.kv.compact({ revision: Number(head.header.revision), physical: true });
  } finally {
    etcd.close();
  }
}

describe("list pagination (limit and continue)", () => {
  let server: TestApiServer;
  let url: string;
  let dir: string;
  before(async () => {
    // A small ring: a few writes push a page's revision out of memory, onto etcd.
    server = await startTestApiServer({ watchCacheSize: 8 });
    url = server.url;
    dir = await mkdtemp(join(tmpdir(), "bosun-paging-"));
    await call(url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    // Created out of order: pages come in key order regardless.
    for (const name of [...names].reverse()) {
      const res = await call(url, "POST", pods, testPod(name, { labels: { parity: names.indexOf(name) % 2 === 0 ? "even" : "odd" } }));
      assert.equal(res.status, 201);
    }
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const list = (query: string) => call<List>(url, "GET", `${pods}?${query}`);

  async function walk(query: string): Promise<{ pages: List[]; names: string[] }> {
    const pages: List[] = [];
    let token: string | undefined;
    do {
      const res = await list(`${query}${token ? `&continue=${encodeURIComponent(token)}` : ""}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      pages.push(res.body);
      token = res.body.metadata.continue;
    } while (token);
    return { pages, names: pages.flatMap((p) => p.items.map((i) => i.metadata.name)) };
  }

  test("limit pages through every object in key order, with remainingItemCount and one revision", async () => {
    const { pages, names: listed } = await walk("limit=3");
    assert.deepEqual(listed, names);
    assert.deepEqual(
      pages.map((p) => p.items.length),
      [3, 3, 1],
    );
    assert.deepEqual(
      pages.map((p) => p.metadata.remainingItemCount),
      [4, 1, undefined],
    );
    const revisions = new Set(pages.map((p) => p.metadata.resourceVersion));
    assert.equal(revisions.size, 1, "every page is read at the first page's revision");
    const token = decodeToken(pages[0].metadata.continue!);
    // Kubernetes' encoding: the version, the revision, the key after the last item relative to the list.
    assert.deepEqual(token, { v: "meta.k8s.io/v1", rv: Number(pages[0].metadata.resourceVersion), start: "pod-c\u0000" });
    assert.equal(pages[2].metadata.continue, undefined);
  });

  test("a limit at or above the count answers everything without a continue token", async () => {
    const res = await list("limit=7");
    assert.equal(res.body.items.length, 7);
    assert.equal(res.body.metadata.continue, undefined);
    assert.equal(res.body.metadata.remainingItemCount, undefined);
  });

  test("later pages show the state of the first page's revision, from the cache and then from etcd", async () => {
    const first = await list("limit=2");
    const rv = first.body.metadata.resourceVersion;
    // Changes after the first page: a new object before the cursor, one after it, an update and a delete.
    await call(url, "POST", pods, testPod("pod-0"));
    await call(url, "POST", pods, testPod("pod-z"));
    await call(url, "PATCH", `${pods}/pod-d`, { metadata: { labels: { changed: "yes" } } }, "application/merge-patch+json");
    await call(url, "DELETE", `${pods}/pod-e`);
    const second = await list(`limit=2&continue=${first.body.metadata.continue}`);
    assert.deepEqual(
      second.body.items.map((i) => i.metadata.name),
      ["pod-c", "pod-d"],
    );
    assert.equal(second.body.items[1].metadata.labels?.changed, undefined, "pod-d as it was at the first page");
    assert.equal(second.body.metadata.resourceVersion, rv);
    // Enough writes to push that revision out of the ring (8 events): the rest comes from etcd at rv.
    for (let i = 0; i < 10; i++) {
      await call(url, "PATCH", `${pods}/pod-f`, { metadata: { labels: { n: String(i) } } }, "application/merge-patch+json");
    }
    const rest = await list(`limit=10&continue=${second.body.metadata.continue}`);
    assert.equal(rest.status, 200);
    assert.deepEqual(
      rest.body.items.map((i) => i.metadata.name),
      ["pod-e", "pod-f", "pod-g"],
    );
    assert.equal(rest.body.items[1].metadata.labels?.n, undefined, "pod-f as it was at the first page");
    assert.equal(rest.body.metadata.resourceVersion, rv);
    assert.equal(rest.body.metadata.continue, undefined);
    // Put the namespace back as the other tests expect it.
    await call(url, "DELETE", `${pods}/pod-0`);
    await call(url, "DELETE", `${pods}/pod-z`);
    await call(url, "POST", pods, testPod("pod-e", { labels: { parity: "even" } }));
  });

  test("with a selector pages hold only matches and remainingItemCount is left out", async () => {
    const { pages, names: listed } = await walk("limit=2&labelSelector=parity%3Deven");
    assert.deepEqual(listed, ["pod-a", "pod-c", "pod-e", "pod-g"]);
    for (const page of pages) assert.equal(page.metadata.remainingItemCount, undefined);
  });

  test("selector pages read from etcd once the ring has moved past their revision", async () => {
    const first = await list("limit=1&labelSelector=parity%3Dodd");
    assert.deepEqual(
      first.body.items.map((i) => i.metadata.name),
      ["pod-b"],
    );
    for (let i = 0; i < 10; i++) {
      await call(url, "PATCH", `${pods}/pod-a`, { metadata: { labels: { parity: "odd" } } }, "application/merge-patch+json");
      await call(url, "PATCH", `${pods}/pod-a`, { metadata: { labels: { parity: "even" } } }, "application/merge-patch+json");
    }
    await call(url, "PATCH", `${pods}/pod-f`, { metadata: { labels: { parity: "even" } } }, "application/merge-patch+json");
    const seen: string[] = [];
    let token = first.body.metadata.continue;
    while (token) {
      const page = await list(`limit=1&labelSelector=parity%3Dodd&continue=${token}`);
      assert.equal(page.body.metadata.resourceVersion, first.body.metadata.resourceVersion);
      seen.push(...page.body.items.map((i) => i.metadata.name));
      token = page.body.metadata.continue;
    }
    // pod-f was odd at the first page's revision.
    assert.deepEqual(seen, ["pod-d", "pod-f"]);
    await call(url, "PATCH", `${pods}/pod-f`, { metadata: { labels: { parity: "odd" } } }, "application/merge-patch+json");
  });

  test("an all-namespaces list pages across namespaces", async () => {
    const all = await call<List>(url, "GET", "/api/v1/pods");
    const { names: listed } = await (async () => {
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const res = await call<List>(url, "GET", `/api/v1/pods?limit=4${token ? `&continue=${token}` : ""}`);
        seen.push(...res.body.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`));
        token = res.body.metadata.continue;
      } while (token);
      return { names: seen };
    })();
    assert.deepEqual(
      listed,
      all.body.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`),
    );
    assert.equal(listed.length, 7);
  });

  test("resourceVersion=0 may answer from any state and ignores the limit, as Kubernetes", async () => {
    const res = await list("limit=2&resourceVersion=0");
    assert.equal(res.body.items.length, 7);
    assert.equal(res.body.metadata.continue, undefined);
  });

  test("bad continue tokens and options are 400 or 422 with Kubernetes' messages", async () => {
    const garbage = await call<StatusBody>(url, "GET", `${pods}?limit=2&continue=not*base64`);
    assert.equal(garbage.status, 400);
    assert.equal(garbage.body.reason, "BadRequest");
    assert.match(garbage.body.message, /^invalid continue token: continue key is not valid/);
    const escape = Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: 5, start: "../other/x" })).toString("base64url");
    const traversal = await call<StatusBody>(url, "GET", `${pods}?limit=2&continue=${escape}`);
    assert.equal(traversal.status, 400);
    assert.match(traversal.body.message, /continue key is not valid: \.\.\/other\/x/);
    const version = Buffer.from(JSON.stringify({ v: "v9", rv: 5, start: "x" })).toString("base64url");
    assert.match((await call<StatusBody>(url, "GET", `${pods}?continue=${version}`)).body.message, /server does not recognize this encoded version/);
    const first = await list("limit=2");
    const withRv = await call<StatusBody>(url, "GET", `${pods}?resourceVersion=5&continue=${first.body.metadata.continue}`);
    assert.equal(withRv.status, 400);
    assert.equal(withRv.body.message, "specifying resource version is not allowed when using continue");
    const badLimit = await call<StatusBody>(url, "GET", `${pods}?limit=many`);
    assert.equal(badLimit.status, 400);
    const match = await call<StatusBody>(url, "GET", `${pods}?resourceVersionMatch=Exact`);
    assert.equal(match.status, 422);
    assert.equal(match.body.reason, "Invalid");
    assert.equal(
      match.body.message,
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
    assert.deepEqual(match.body.details?.kind, "ListOptions");
    assert.equal(match.body.details?.causes?.[0]?.reason, "FieldValueForbidden");
    const several = await call<StatusBody>(url, "GET", `${pods}?resourceVersion=0&resourceVersionMatch=Exact&sendInitialEvents=true`);
    assert.equal(several.status, 422);
    assert.match(several.body.message, /\[resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0", sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list\]/);
    const unsupported = await call<StatusBody>(url, "GET", `${pods}?resourceVersion=1&resourceVersionMatch=Newest`);
    assert.match(unsupported.body.message, /Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""/);
  });

  test("resourceVersionMatch=Exact reads that revision; NotOlderThan reads one at least as new", async () => {
    const before = await list("");
    const rv = before.body.metadata.resourceVersion;
    await call(url, "POST", pods, testPod("pod-later"));
    const exact = await list(`resourceVersion=${rv}&resourceVersionMatch=Exact`);
    assert.equal(exact.body.metadata.resourceVersion, rv);
    assert.ok(!exact.body.items.some((i) => i.metadata.name === "pod-later"));
    const exactPaged = await list(`resourceVersion=${rv}&resourceVersionMatch=Exact&limit=3`);
    assert.equal(decodeToken(exactPaged.body.metadata.continue!).rv, Number(rv));
    const notOlder = await list(`resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`);
    assert.ok(Number(notOlder.body.metadata.resourceVersion) > Number(rv));
    assert.ok(notOlder.body.items.some((i) => i.metadata.name === "pod-later"));
    const legacy = await list(`resourceVersion=${rv}`);
    assert.ok(legacy.body.items.some((i) => i.metadata.name === "pod-later"));
    await call(url, "DELETE", `${pods}/pod-later`);
  });

  test("a resourceVersion the server has not reached is 504 Timeout, ResourceVersionTooLarge", async () => {
    const res = await call<StatusBody & { details: { retryAfterSeconds?: number } }>(url, "GET", `${pods}?resourceVersion=999999999`);
    assert.equal(res.status, 504);
    assert.equal(res.body.reason, "Timeout");
    assert.match(res.body.message, /^Timeout: Too large resource version: 999999999, current: \d+$/);
    assert.equal(res.body.details?.causes?.[0]?.reason, "ResourceVersionTooLarge");
    assert.equal(res.body.details.retryAfterSeconds, 1);
  });

  test("real kubectl 1.33 and 1.27: get --chunk-size=2 lists every pod, following continue tokens", async () => {
    for (const version of ["1.33", "1.27"]) {
      const { stdout, stderr } = await runKubectl({ server: url, dir, version }, "-n", ns, "get", "pods", "--chunk-size=2", "-o", "name", "-v=6");
      assert.deepEqual(
        stdout.trim().split("\n"),
        names.map((n) => `pod/${n}`),
      );
      const pageRequests = stderr.split("\n").filter((l) => /pods\?.*limit=2/.test(l) && /200 OK/.test(l));
      assert.equal(pageRequests.length, 4, `kubectl ${version} asked for four pages:\n${stderr}`);
      assert.equal(pageRequests.filter((l) => l.includes("continue=")).length, 3);
    }
  });

  test("a continue token whose revision was compacted is 410 Expired with an inconsistent token to go on", async () => {
    const first = await list("limit=2");
    // Move etcd (and the ring) on past the first page's revision, then compact it away.
    for (let i = 0; i < 10; i++) {
      await call(url, "PATCH", `${pods}/pod-g`, { metadata: { labels: { round: String(i) } } }, "application/merge-patch+json");
    }
    await compact(server);
    const expired = await call<StatusBody>(url, "GET", `${pods}?limit=2&continue=${first.body.metadata.continue}`);
    assert.equal(expired.status, 410);
    assert.equal(expired.body.reason, "Expired");
    assert.equal(
      expired.body.message,
      "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
    );
    const inconsistent = expired.body.metadata.continue!;
    assert.deepEqual(decodeToken(inconsistent), { v: "meta.k8s.io/v1", rv: -1, start: "pod-b\u0000" });
    // The inconsistent token lists the rest at the latest revision.
    const rest = await list(`limit=10&continue=${inconsistent}`);
    assert.equal(rest.status, 200);
    assert.deepEqual(
      rest.body.items.map((i) => i.metadata.name),
      names.slice(2),
    );
    assert.equal(rest.body.items.at(-1)?.metadata.labels?.round, "9");
    // An Exact list at a compacted revision is 410 too.
    const exact = await call<StatusBody>(url, "GET", `${pods}?resourceVersion=${first.body.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    assert.equal(exact.status, 410);
    assert.equal(exact.body.message, "The resourceVersion for the provided list is too old.");
  });
});
