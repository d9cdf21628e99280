// The ingress proxy end to end on 127.0.0.1: real HTTP and WebSocket backends on
// ephemeral ports stand for the pods, EndpointSlices point at them, and clients
// talk to the proxy's HTTP and HTTPS listeners (ephemeral ports too). Covers host
// and path routing, round-robin, the X-Forwarded-* headers, 404/502/503 bodies,
// WebSocket tunnels, SNI certificates from tls Secrets (made here with @bosun/pki),
// live updates and stop().
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import http from "node:http";
import https from "node:https";
import net, { type AddressInfo } from "node:net";
import tls from "node:tls";
import { WebSocket, WebSocketServer } from "ws";
import type { EndpointSlice, Service } from "@bosun/api";
import { createCertificateAuthority, signCertificate, type KeyPair } from "@bosun/pki";
import { IngressProxy, type IngressProxyOptions } from "../src/ingress/server.js";
import type { IngressObjects } from "../src/ingress/router.js";
import type { TlsKeyPair, TlsSecretRef } from "../src/ingress/tls.js";
import { backend, bosunIngress, ingress, path } from "./ingress-fixtures.js";
import { NOT_READY, service, slice } from "./support/proxy-objects.js";

const loopback = "127.0.0.1";
const hourMs = 3_600_000;

interface Echo {
  backend: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A pod: answers every request with what it received, as JSON; WebSocket messages come back prefixed with its name. */
class EchoBackend {
  readonly server: http.Server;
  readonly upgrades: http.IncomingHttpHeaders[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(readonly name: string) {
    this.server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        const echo: Echo = { backend: name, method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
        const json = JSON.stringify(echo);
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
        res.end(json);
      });
    });
    this.server.on("upgrade", (req, socket, head) => {
      this.upgrades.push(req.headers);
      this.wss.handleUpgrade(req, socket, head, (ws) => ws.on("message", (data) => ws.send(`${name}: ${String(data)}`)));
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, loopback, resolve));
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port on 127.0.0.1 that nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, loopback, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A Service "name" with port 80 named "http", whose pods are the given 127.0.0.1 ports (one slice each, as each port differs). */
function serviceOn(name: string, ports: number[], ready = true): { service: Service; slices: EndpointSlice[] } {
  return {
    service: service(name, { clusterIP: "10.96.0.50", ports: [{ name: "http", port: 80, targetPort: "web" }] }),
    slices: ports.map((port, i) => slice(name, `s${i}`, [{ name: "http", port }], [{ ip: loopback, ...(ready ? {} : { conditions: NOT_READY }) }])),
  };
}

function request(port: number, opts: { host?: string; path?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: loopback,
        port,
        path: opts.path ?? "/",
        method: opts.method ?? "GET",
        agent: false,
        headers: { ...(opts.host !== undefined ? { host: opts.host } : {}), ...opts.headers },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** Writes `raw` on a new connection and returns all that comes back until the proxy closes it. */
function rawExchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, loopback, () => socket.write(raw));
    let reply = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (reply += chunk));
    socket.on("end", () => resolve(reply));
    socket.on("error", reject);
  });
}

function echoOf(reply: Reply): Echo {
  assert.equal(reply.status, 200, `expected a backend's answer, got ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body) as Echo;
}

/** Opens a WebSocket through the proxy; resolves once open, rejects with the HTTP status if refused. */
function openSocket(port: number, host: string, path: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${loopback}:${port}${path}`, { headers: { host, "x-forwarded-for": "198.51.100.7" } });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => reject(Object.assign(new Error(`refused with ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.on("error", reject);
  });
}

function commonName(cert: tls.PeerCertificate): string | undefined {
  const cn = cert.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once("message", (data) => resolve(String(data))));
}

describe("the ingress proxy over HTTP and WebSocket", () => {
  const web = [new EchoBackend("web-0"), new EchoBackend("web-1"), new EchoBackend("web-2")];
  const api = new EchoBackend("api-0");
  let proxy: IngressProxy;
  let deadPort: number;

  function objects(): IngressObjects {
    const webSvc = serviceOn("web", web.map((b) => b.port));
    const apiSvc = serviceOn("api", [api.port]);
    const downSvc = serviceOn("down", [api.port], false);
    const deadSvc = serviceOn("dead", [deadPort]);
    return {
      ingresses: [
        bosunIngress("site", "site.example.com", [
          path("/api", "Prefix", backend("api", "http")),
          path("/down", "Prefix", backend("down", 80)),
          path("/dead", "Prefix", backend("dead", 80)),
          path("/bucket", "Prefix", { resource: { kind: "Bucket", name: "assets" } }),
          path("/", "Prefix", backend("web", 80)),
        ]),
        bosunIngress("wild", "*.apps.example.com", [path("/", "Prefix", backend("api", 80))]),
      ],
      ingressClasses: [],
      services: [webSvc.service, apiSvc.service, downSvc.service, deadSvc.service],
      endpointSlices: [...webSvc.slices, ...apiSvc.slices, ...downSvc.slices, ...deadSvc.slices],
    };
  }

  before(async () => {
    await Promise.all([...web, api].map((b) => b.start()));
    deadPort = await closedPort();
    proxy = new IngressProxy({ http: { host: loopback, port: 0 }, https: false, tlsSecret: () => undefined });
    proxy.update(objects());
    await proxy.start();
  });

  after(async () => {
    await proxy.stop();
    await Promise.all([...web, api].map((b) => b.stop()));
  });

  test("routes by host and path, keeping the Host header, the path and the query", async () => {
    const toApi = echoOf(await request(proxy.httpPort, { host: "site.example.com", path: "/api/v1/items?limit=5&x=a%20b" }));
    assert.equal(toApi.backend, "api-0");
    assert.equal(toApi.url, "/api/v1/items?limit=5&x=a%20b");
    assert.equal(toApi.headers.host, "site.example.com");
    const toWeb = echoOf(await request(proxy.httpPort, { host: "site.example.com", path: "/index.html" }));
    assert.match(toWeb.backend, /^web-\d$/);
    const wildcard = echoOf(await request(proxy.httpPort, { host: "shop.apps.example.com:8080", path: "/" }));
    assert.equal(wildcard.backend, "api-0");
    assert.equal(wildcard.headers.host, "shop.apps.example.com:8080");
  });

  test("forwards the method and the body", async () => {
    const echo = echoOf(await request(proxy.httpPort, { host: "site.example.com", path: "/api/items", method: "POST", body: '{"name":"a"}', headers: { "content-type": "application/json" } }));
    assert.equal(echo.method, "POST");
    assert.equal(echo.body, '{"name":"a"}');
    assert.equal(echo.headers["content-type"], "application/json");
  });

  test("takes the ready endpoints in turn", async () => {
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) seen.push(echoOf(await request(proxy.httpPort, { host: "site.example.com", path: "/" })).backend);
    assert.deepEqual(seen.slice(0, 3).sort(), ["web-0", "web-1", "web-2"]);
    assert.deepEqual(seen.slice(3), seen.slice(0, 3));
  });

  test("X-Forwarded-For gets the client appended; Proto, Host and Port describe this hop", async () => {
    const echo = echoOf(
      await request(proxy.httpPort, {
        host: "site.example.com",
        path: "/api",
        headers: { "x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "https", "x-forwarded-host": "spoofed.example.com" },
      }),
    );
    assert.equal(echo.headers["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
    assert.equal(echo.headers["x-forwarded-proto"], "http");
    assert.equal(echo.headers["x-forwarded-host"], "site.example.com");
    assert.equal(echo.headers["x-forwarded-port"], String(proxy.httpPort));
    const first = echoOf(await request(proxy.httpPort, { host: "site.example.com", path: "/api" }));
    assert.equal(first.headers["x-forwarded-for"], "127.0.0.1");
  });

  test("404 with a short text body when nothing matches", async () => {
    const reply = await request(proxy.httpPort, { host: "unknown.example.com", path: "/x" });
    assert.equal(reply.status, 404);
    assert.equal(reply.headers["content-type"], "text/plain; charset=utf-8");
    assert.equal(reply.body, 'no Ingress of class "bosun" has a rule for host "unknown.example.com" and path "/x", and none has a defaultBackend\n');
  });

  test("503 naming the Service without ready endpoints, and the backend Bosun does not serve", async () => {
    const down = await request(proxy.httpPort, { host: "site.example.com", path: "/down" });
    assert.equal(down.status, 503);
    assert.equal(down.body, 'Ingress default/site: service "default/down" port 80 has no ready endpoints\n');
    const bucket = await request(proxy.httpPort, { host: "site.example.com", path: "/bucket/logo.png" });
    assert.equal(bucket.status, 503);
    assert.match(bucket.body, /names resource Bucket "assets", which Bosun's ingress proxy does not support; use a service backend/);
  });

  test("502 naming the endpoint when the backend refuses the connection", async () => {
    const reply = await request(proxy.httpPort, { host: "site.example.com", path: "/dead" });
    assert.equal(reply.status, 502);
    assert.match(reply.body, new RegExp(`^endpoint 127\\.0\\.0\\.1:${deadPort} of service "default/dead:80" failed: .*ECONNREFUSED`));
  });

  test("400 for a request target that is no path", async () => {
    const reply = await request(proxy.httpPort, { host: "site.example.com", path: "http://[bad" });
    assert.equal(reply.status, 400);
    assert.match(reply.body, /is not a URL path/);
  });

  test("tunnels WebSocket upgrades, with the X-Forwarded headers on the upgrade request", async () => {
    const before = api.upgrades.length;
    const ws = await openSocket(proxy.httpPort, "site.example.com", "/api/chat");
    ws.send("hello");
    assert.equal(await nextMessage(ws), "api-0: hello");
    ws.send("again");
    assert.equal(await nextMessage(ws), "api-0: again");
    ws.close();
    const upgrade = api.upgrades[before]!;
    assert.equal(upgrade.host, "site.example.com");
    assert.equal(upgrade["x-forwarded-for"], "198.51.100.7, 127.0.0.1");
    assert.equal(upgrade["x-forwarded-proto"], "http");
  });

  test("a WebSocket upgrade gets the same 404, 503 and 502 answers", async () => {
    const refused = (p: Promise<WebSocket>) => p.then(() => assert.fail("the upgrade should have been refused"), (err: { status?: number; body?: string }) => err);
    const notFound = await refused(openSocket(proxy.httpPort, "nowhere.example.com", "/"));
    assert.equal(notFound.status, 404);
    assert.match(notFound.body ?? "", /no Ingress of class "bosun" has a rule for host "nowhere\.example\.com"/);
    const unavailable = await refused(openSocket(proxy.httpPort, "site.example.com", "/down"));
    assert.equal(unavailable.status, 503);
    assert.match(unavailable.body ?? "", /service "default\/down" port 80 has no ready endpoints/);
    const failed = await refused(openSocket(proxy.httpPort, "site.example.com", "/dead"));
    assert.equal(failed.status, 502);
    assert.match(failed.body ?? "", /of service "default\/dead:80" failed/);
  });

  test("an upgrade to something other than WebSocket (h2c) is served as the HTTP/1.1 request it also is; with a body it is refused", async () => {
    const plain = await rawExchange(
      proxy.httpPort,
      "GET /api/h2c HTTP/1.1\r\nHost: site.example.com\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n",
    );
    assert.match(plain, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(plain, /\r\nconnection: close\r\n/i);
    const echo = JSON.parse(plain.slice(plain.indexOf("\r\n\r\n") + 4)) as Echo;
    assert.equal(echo.backend, "api-0");
    assert.equal(echo.url, "/api/h2c");
    assert.equal(echo.headers.upgrade, undefined);
    const withBody = await rawExchange(
      proxy.httpPort,
      "POST /api/h2c HTTP/1.1\r\nHost: site.example.com\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert.match(withBody, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(withBody, /an upgrade to "h2c" with a request body is not supported/);
  });

  test("an update routes new requests by the new objects", async () => {
    const changed = objects();
    changed.ingresses = [bosunIngress("site", "site.example.com", [path("/", "Prefix", backend("api", 80))])];
    proxy.update(changed);
    try {
      assert.equal(echoOf(await request(proxy.httpPort, { host: "site.example.com", path: "/index.html" })).backend, "api-0");
      assert.equal((await request(proxy.httpPort, { host: "shop.apps.example.com", path: "/" })).status, 404);
    } finally {
      proxy.update(objects());
    }
  });
});

describe("the ingress proxy's lifecycle", () => {
  test("stop() closes open WebSocket tunnels and both listeners", async () => {
    const backendPod = new EchoBackend("pod");
    await backendPod.start();
    const svc = serviceOn("web", [backendPod.port]);
    const proxy = new IngressProxy({ http: { host: loopback, port: 0 }, https: false, tlsSecret: () => undefined });
    proxy.update({ ingresses: [ingress("all", { ingressClassName: "bosun", defaultBackend: backend("web", 80) })], ingressClasses: [], services: [svc.service], endpointSlices: svc.slices });
    await proxy.start();
    const port = proxy.httpPort;
    try {
      const ws = await openSocket(port, "any.example.com", "/");
      const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
      await proxy.stop();
      // 1006: the connection went away without a close frame, as a tunnel cut by stop() does.
      assert.equal(await closed, 1006);
      await assert.rejects(request(port, { host: "any.example.com" }), /ECONNREFUSED/);
    } finally {
      await proxy.stop();
      await backendPod.stop();
    }
  });

  test("a port already in use is refused naming the address", async () => {
    const holder = http.createServer();
    await new Promise<void>((resolve) => holder.listen(0, loopback, resolve));
    const { port } = holder.address() as AddressInfo;
    const proxy = new IngressProxy({ http: { host: loopback, port }, https: false, tlsSecret: () => undefined });
    try {
      await assert.rejects(proxy.start(), new RegExp(`cannot serve ingress HTTP on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.*nothing else holds the port`));
      assert.equal(proxy.httpPort, 0);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  test("a backend that stays silent past the timeout gets 502", async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, loopback, resolve));
    const svc = serviceOn("slow", [(silent.address() as AddressInfo).port]);
    const proxy = new IngressProxy({ http: { host: loopback, port: 0 }, https: false, tlsSecret: () => undefined, backendTimeoutMs: 100 });
    proxy.update({ ingresses: [ingress("all", { ingressClassName: "bosun", defaultBackend: backend("slow", 80) })], ingressClasses: [], services: [svc.service], endpointSlices: svc.slices });
    await proxy.start();
    try {
      const reply = await request(proxy.httpPort, { host: "x" });
      assert.equal(reply.status, 502);
      assert.match(reply.body, /of service "default\/slow:80" failed/);
    } finally {
      await proxy.stop();
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe("the ingress proxy over HTTPS", () => {
  const pod = new EchoBackend("secure-pod");
  let ca: KeyPair;
  let otherCa: KeyPair;
  let site: KeyPair;
  let wildcard: KeyPair;
  let fallback: KeyPair;
  const secrets = new Map<string, TlsKeyPair>();
  const asked: string[] = [];
  let proxy: IngressProxy;

  const serving = (issuer: KeyPair, names: string[]) => signCertificate(issuer, { commonName: names[0]!, sans: names, usages: ["server"], validityMs: hourMs });

  function start(extra: Partial<IngressProxyOptions> = {}): Promise<IngressProxy> {
    const svc = serviceOn("web", [pod.port]);
    const p = new IngressProxy({
      http: false,
      https: { host: loopback, port: 0 },
      tlsSecret: (ref: TlsSecretRef) => {
        asked.push(`${ref.namespace}/${ref.name}`);
        return secrets.get(`${ref.namespace}/${ref.name}`);
      },
      ...extra,
    });
    p.update({
      ingresses: [
        bosunIngress("site", "site.example.com", [path("/", "Prefix", backend("web", 80))], {
          tls: [{ hosts: ["site.example.com"], secretName: "site-tls" }, { hosts: ["*.apps.example.com"], secretName: "apps-tls" }, { hosts: ["broken.example.com"], secretName: "missing-tls" }],
        }),
        bosunIngress("apps", "*.apps.example.com", [path("/", "Prefix", backend("web", 80))]),
      ],
      ingressClasses: [],
      services: [svc.service],
      endpointSlices: svc.slices,
    });
    return p.start().then(() => p);
  }

  /** A GET over TLS with SNI `servername`, trusting only `trust`; resolves with the reply and the certificate's subject CN. */
  function secureGet(port: number, servername: string, trust: string): Promise<Reply & { cn: string | undefined }> {
    return new Promise((resolve, reject) => {
      const req = https.request({ host: loopback, port, servername, path: "/hello", ca: trust, agent: false, headers: { host: servername } }, (res) => {
        const cert = (res.socket as tls.TLSSocket).getPeerCertificate();
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cn: commonName(cert) }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  /** The certificate the proxy presents for `servername` (none: no SNI), signed by `trust`; its host name is not checked. */
  function presented(port: number, servername: string | undefined, trust: string): Promise<{ cn: string | undefined; fingerprint: string }> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: loopback, port, ...(servername ? { servername } : {}), ca: trust, checkServerIdentity: () => undefined }, () => {
        const cert = socket.getPeerCertificate();
        resolve({ cn: commonName(cert), fingerprint: cert.fingerprint256 });
        socket.end();
      });
      socket.on("error", reject);
    });
  }

  before(async () => {
    await pod.start();
    ca = await createCertificateAuthority("ingress-test-ca");
    otherCa = await createCertificateAuthority("ingress-test-other-ca");
    site = await serving(ca, ["site.example.com"]);
    wildcard = await serving(ca, ["*.apps.example.com"]);
    fallback = await serving(otherCa, ["ingress-default"]);
    secrets.set("default/site-tls", site);
    secrets.set("default/apps-tls", wildcard);
    proxy = await start();
  });

  after(async () => {
    await proxy.stop();
    await pod.stop();
  });

  test("presents the certificate of the tls Secret the Ingress names for the server name, and forwards with X-Forwarded-Proto https", async () => {
    const reply = await secureGet(proxy.httpsPort, "site.example.com", ca.cert);
    assert.equal(reply.cn, "site.example.com");
    const echo = echoOf(reply);
    assert.equal(echo.backend, "secure-pod");
    assert.equal(echo.headers["x-forwarded-proto"], "https");
    assert.equal(echo.headers.host, "site.example.com");
    assert.ok(asked.includes("default/site-tls"));
  });

  test("a wildcard TLS host covers one label", async () => {
    const reply = await secureGet(proxy.httpsPort, "shop.apps.example.com", ca.cert);
    assert.equal(reply.cn, "*.apps.example.com");
    assert.equal(echoOf(reply).backend, "secure-pod");
  });

  test("a name no Ingress has a certificate for, or whose Secret is missing, fails the handshake without a default certificate", async () => {
    for (const name of ["unknown.example.com", "broken.example.com"]) {
      const failure = await presented(proxy.httpsPort, name, ca.cert).then(
        () => assert.fail(`the handshake for ${name} should have failed`),
        (err: NodeJS.ErrnoException) => err,
      );
      assert.match(String(failure.code), /ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR|ECONNRESET/, `${name}: ${failure.message}`);
    }
    assert.ok(asked.includes("default/missing-tls"));
  });

  test("with a default certificate, such names and clients without SNI get it", async () => {
    const withDefault = await start({ defaultCertificate: fallback });
    try {
      assert.equal((await presented(withDefault.httpsPort, "unknown.example.com", otherCa.cert)).cn, "ingress-default");
      assert.equal((await presented(withDefault.httpsPort, "broken.example.com", otherCa.cert)).cn, "ingress-default");
      assert.equal((await presented(withDefault.httpsPort, undefined, otherCa.cert)).cn, "ingress-default");
      assert.equal((await presented(withDefault.httpsPort, "site.example.com", ca.cert)).cn, "site.example.com");
    } finally {
      await withDefault.stop();
    }
  });

  test("a renewed certificate in the Secret is presented from the next handshake on", async () => {
    const renewed = await serving(ca, ["site.example.com", "www.site.example.com"]);
    const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
    assert.equal((await presented(proxy.httpsPort, "site.example.com", ca.cert)).fingerprint, fingerprint(site.cert));
    secrets.set("default/site-tls", renewed);
    try {
      assert.equal((await presented(proxy.httpsPort, "site.example.com", ca.cert)).fingerprint, fingerprint(renewed.cert));
    } finally {
      secrets.set("default/site-tls", site);
    }
  });
});
