// /healthz, /livez and /readyz in Kubernetes' form, against a real etcd that the
// test freezes (SIGSTOP) and thaws (SIGCONT): readiness and health fail naming
// the etcd check, liveness does not, and all recover once etcd answers again.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { sleep } from "@bosun/client";
import { apiServerForSuite, call } from "../src/testing/index.js";

describe("health endpoints", () => {
  const api = apiServerForSuite();
  const get = (path: string) => call<string>(api.url, "GET", path);

  test("with etcd up every endpoint is ok; ?verbose lists the checks; a single check has its own path", async () => {
    for (const path of ["/healthz", "/livez", "/readyz", "/readyz/etcd", "/healthz/etcd", "/readyz/ping", "/livez/ping"]) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      assert.equal(res.body, "ok", path);
      assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8", path);
    }
    assert.equal((await get("/readyz?verbose")).body, "[+]ping ok\n[+]etcd ok\nreadyz check passed\n");
    assert.equal((await get("/healthz?verbose")).body, "[+]ping ok\n[+]etcd ok\nhealthz check passed\n");
    assert.equal((await get("/livez?verbose")).body, "[+]ping ok\nlivez check passed\n");
    assert.equal((await get("/readyz?verbose&exclude=etcd")).body, "[+]ping ok\n[+]etcd excluded: ok\nreadyz check passed\n");
    assert.equal(
      (await get("/readyz?verbose&exclude=nothing")).body,
      '[+]ping ok\n[+]etcd ok\nwarn: some health checks cannot be excluded: no matches for "nothing"\nreadyz check passed\n',
    );
    // Liveness has no etcd check; a check an endpoint does not have is not found.
    assert.equal((await get("/livez/etcd")).status, 404);
    assert.equal((await get("/readyz/nothing")).status, 404);
  });

  test("with etcd frozen /readyz and /healthz fail naming etcd, /livez stays ok; thawed, all recover", { timeout: 60_000 }, async () => {
    const { pid } = api.server.etcd;
    process.kill(pid, "SIGSTOP");
    try {
      // The signal stops each of etcd's threads when it is next scheduled; on a busy
      // machine one may still answer a request just after kill() returns.
      await waitUntilStopped(pid);
      const ready = await get("/readyz");
      assert.equal(ready.status, 500);
      assert.equal(ready.body, "[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n");
      const verbose = await get("/readyz?verbose");
      assert.equal(verbose.status, 500);
      assert.equal(verbose.body, "[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n");
      const healthz = await get("/healthz");
      assert.equal(healthz.status, 500);
      assert.equal(healthz.body, "[+]ping ok\n[-]etcd failed: reason withheld\nhealthz check failed\n");
      const single = await get("/readyz/etcd");
      assert.equal(single.status, 500);
      assert.match(single.body, /^internal server error: error getting data from etcd: /);
      const live = await get("/livez?verbose");
      assert.equal(live.status, 200);
      assert.equal(live.body, "[+]ping ok\nlivez check passed\n");
      assert.equal((await get("/readyz?exclude=etcd")).status, 200);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    // The etcd client may hold its connection broken for a few seconds after failures.
    let last = await get("/readyz");
    for (let i = 0; i < 60 && last.status !== 200; i++) {
      await sleep(500);
      last = await get("/readyz");
    }
    assert.equal(last.status, 200, `readyz after etcd thawed: ${last.body}`);
    assert.equal(last.body, "ok");
    assert.equal((await get("/healthz")).status, 200);
  });
});

/** Resolves once every thread of `pid` is in the stopped state ("T" in /proc/<pid>/task/<tid>/stat). */
async function waitUntilStopped(pid: number): Promise<void> {
  const stopped = () =>
    readdirSync(`/proc/${pid}/task`).every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      // The state follows the command name, which is in parentheses and may hold spaces.
      return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "T";
    });
  for (let i = 0; i < 200 && !stopped(); i++) await sleep(10);
  assert.ok(stopped(), `etcd (pid ${pid}) did not stop after SIGSTOP`);
}
