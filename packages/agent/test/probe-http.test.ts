// The HTTP and TCP probe handlers against local servers on 127.0.0.1.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { httpProbe, probeHeaders, probeURL } from "../src/probe/http.js";
import { tcpProbe } from "../src/probe/tcp.js";
import { PROBE_USER_AGENT } from "../src/probe/outcome.js";

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("httpGet probes", () => {
  let server: http.Server;
  let port = 0;
  const seen: http.IncomingHttpHeaders[] = [];
  const url = (path: string, host = "127.0.0.1") => probeURL("HTTP", host, port, path);

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      const path = req.url ?? "";
      if (path === "/ok") res.end("fine");
      else if (path === "/fail") {
        res.statusCode = 500;
        res.end("broken");
      } else if (path === "/same-host") {
        res.writeHead(302, { location: "/ok" }).end();
      } else if (path === "/other-host") {
        res.writeHead(302, { location: `http://localhost:${port}/ok` }).end("moved");
      } else if (path.startsWith("/loop")) {
        res.writeHead(302, { location: `/loop${path.length}` }).end();
      } else if (path === "/slow") {
        // Never answers: the probe's timeout ends it.
      } else if (path === "/big") {
        res.end("x".repeat(1024 * 1024));
      } else if (path === "/query?a=1") res.end("query");
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test("200 is success and sends kube-probe's User-Agent, Accept and the probe's headers", async () => {
    seen.length = 0;
    const out = await httpProbe({ url: url("/ok"), headers: [{ name: "X-Custom", value: "1" }, { name: "Host", value: "example.test" }], timeoutMs: 1000 });
    assert.deepEqual(out, { result: "success", output: "fine" });
    assert.equal(seen[0]?.["user-agent"], PROBE_USER_AGENT);
    assert.equal(seen[0]?.accept, "*/*");
    assert.equal(seen[0]?.["x-custom"], "1");
    assert.equal(seen[0]?.host, "example.test");
  });

  test("500 fails with the kubelet's message", async () => {
    assert.deepEqual(await httpProbe({ url: url("/fail"), headers: [], timeoutMs: 1000 }), {
      result: "failure",
      output: "HTTP probe failed with statuscode: 500",
    });
  });

  test("a redirect to the same host is followed; one to another host is a success with a warning", async () => {
    assert.equal((await httpProbe({ url: url("/same-host"), headers: [], timeoutMs: 1000 })).result, "success");
    assert.deepEqual(await httpProbe({ url: url("/other-host"), headers: [], timeoutMs: 1000 }), {
      result: "warning",
      output: "Probe terminated redirects, Response body: moved",
    });
  });

  test("more than 10 redirects fail", async () => {
    const out = await httpProbe({ url: url("/loop"), headers: [], timeoutMs: 2000 });
    assert.equal(out.result, "failure");
    assert.match(out.output, /: stopped after 10 redirects$/);
  });

  test("a server that does not answer in time fails as Go's client words it", async () => {
    const started = Date.now();
    const out = await httpProbe({ url: url("/slow"), headers: [], timeoutMs: 300 });
    assert.ok(Date.now() - started < 2000);
    assert.deepEqual(out, {
      result: "failure",
      output: `Get "http://127.0.0.1:${port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
  });

  test("a large body is cut at 10 KiB; the status decides", async () => {
    const out = await httpProbe({ url: url("/big"), headers: [], timeoutMs: 2000 });
    assert.equal(out.result, "success");
    assert.equal(out.output.length, 10 * 1024);
  });

  test("the path keeps its query", async () => {
    assert.deepEqual(await httpProbe({ url: url("/query?a=1"), headers: [], timeoutMs: 1000 }), { result: "success", output: "query" });
  });

  test("a refused connection fails with Go's dial error", async () => {
    const p = await closedPort();
    const out = await httpProbe({ url: probeURL("HTTP", "127.0.0.1", p, "/healthz"), headers: [], timeoutMs: 1000 });
    assert.deepEqual(out, {
      result: "failure",
      output: `Get "http://127.0.0.1:${p}/healthz": dial tcp 127.0.0.1:${p}: connect: connection refused`,
    });
  });
});

test("probe URLs and headers are built as the kubelet builds them", () => {
  assert.equal(probeURL("HTTP", "10.0.0.5", 8080, undefined).href, "http://10.0.0.5:8080/");
  assert.equal(probeURL("HTTPS", "10.0.0.5", 8443, "healthz").href, "https://10.0.0.5:8443/healthz");
  assert.equal(probeURL("HTTP", "fd00::5", 8080, "/x?y=1").href, "http://[fd00::5]:8080/x?y=1");
  assert.deepEqual(probeHeaders([{ name: "User-Agent", value: "mine" }, { name: "Accept", value: "" }]), { "user-agent": "mine" });
  assert.deepEqual(probeHeaders([{ name: "X-A", value: "1" }, { name: "x-a", value: "2" }]), {
    "x-a": ["1", "2"],
    "user-agent": PROBE_USER_AGENT,
    accept: "*/*",
  });
});

describe("tcpSocket probes", () => {
  test("an open port is success; a closed one fails with Go's dial error", async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      assert.deepEqual(await tcpProbe("127.0.0.1", port, 1000), { result: "success", output: "" });
    } finally {
      await new Promise((r) => server.close(r));
    }
    const p = await closedPort();
    assert.deepEqual(await tcpProbe("127.0.0.1", p, 1000), {
      result: "failure",
      output: `dial tcp 127.0.0.1:${p}: connect: connection refused`,
    });
  });
});
