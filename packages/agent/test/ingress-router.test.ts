// The ingress router over a small cluster: Ingress backends resolved to the ready
// endpoints of their Service's port (by number and by name, named targetPorts as the
// slices record them), the 404 and 503 answers and their messages, which
// certificate serves which TLS server name, and reading a tls Secret.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Secret } from "@bosun/api";
import { IngressRouter, type IngressObjects, type RouteDecision } from "../src/ingress/router.js";
import { tlsKeyPairFromSecret } from "../src/ingress/tls.js";
import { backend, bosunIngress, ingress, path } from "./ingress-fixtures.js";
import { NOT_READY, READY, SERVING_TERMINATING, service, slice } from "./support/proxy-objects.js";

function router(objects: Partial<IngressObjects>): IngressRouter {
  return new IngressRouter({ ingresses: [], ingressClasses: [], services: [], endpointSlices: [], ...objects });
}

function addresses(decision: RouteDecision): string[] {
  assert.equal(decision.action, "proxy", `expected a backend, got ${JSON.stringify(decision)}`);
  return decision.action === "proxy" ? decision.endpoints.map((e) => e.address) : [];
}

function refusal(decision: RouteDecision): { status: number; message: string } {
  assert.equal(decision.action, "respond", `expected an answer, got ${JSON.stringify(decision)}`);
  return decision.action === "respond" ? { status: decision.status, message: decision.message } : { status: 0, message: "" };
}

// "web" has a named targetPort that the pods of two slices resolve differently, and a second port.
const web = service("web", {
  clusterIP: "10.96.0.20",
  ports: [
    { name: "http", port: 80, targetPort: "web" },
    { name: "admin", port: 9000, targetPort: 9001 },
  ],
});
const webSlices = [
  slice("web", "a", [{ name: "http", port: 8080 }, { name: "admin", port: 9001 }], [{ ip: "10.244.1.5" }, { ip: "10.244.1.6", conditions: NOT_READY }]),
  slice("web", "b", [{ name: "http", port: 8081 }, { name: "admin", port: 9001 }], [{ ip: "10.244.2.7" }, { ip: "10.244.2.8", conditions: SERVING_TERMINATING }]),
];
// "plain" has one unnamed port, as the EndpointSlice controller writes it (name "").
const plain = service("plain", { clusterIP: "10.96.0.21", ports: [{ port: 80, targetPort: 3000 }] });
const plainSlice = slice("plain", "a", [{ name: "", port: 3000, protocol: "TCP" }], [{ ip: "10.244.1.9", conditions: READY }]);

describe("backends", () => {
  const objects = (paths: Parameters<typeof bosunIngress>[2]) => ({
    ingresses: [bosunIngress("site", "site.example.com", paths)],
    services: [web, plain],
    endpointSlices: [...webSlices, plainSlice],
  });

  test("a port by number reaches the ready endpoints at the targetPort each slice records, sorted", () => {
    const r = router(objects([path("/", "Prefix", backend("web", 80))]));
    const decision = r.route("site.example.com", "/");
    assert.deepEqual(addresses(decision), ["10.244.1.5:8080", "10.244.2.7:8081"]);
    assert.equal(decision.action === "proxy" && decision.backend, "default/web:80");
  });

  test("a port by name is the Service port's name, not the container port's", () => {
    const r = router(objects([path("/admin", "Prefix", backend("web", "admin")), path("/", "Prefix", backend("web", "http"))]));
    assert.deepEqual(addresses(r.route("site.example.com", "/admin")), ["10.244.1.5:9001", "10.244.2.7:9001"]);
    assert.deepEqual(addresses(r.route("site.example.com", "/")), ["10.244.1.5:8080", "10.244.2.7:8081"]);
  });

  test("an unnamed Service port", () => {
    const r = router(objects([path("/", "Prefix", backend("plain", 80))]));
    assert.deepEqual(addresses(r.route("site.example.com", "/")), ["10.244.1.9:3000"]);
  });

  test("the Service is looked up in the Ingress's namespace", () => {
    const elsewhere = service("web", { clusterIP: "10.96.0.30", ports: [{ port: 80 }] }, "team");
    const teamSlice = slice("web", "t", [{ name: "", port: 80 }], [{ ip: "10.244.3.3" }], "team");
    const ing = ingress("team-site", { ingressClassName: "bosun", rules: [{ host: "team.example.com", http: { paths: [path("/", "Prefix", backend("web", 80))] } }] }, { namespace: "team" });
    const r = router({ ingresses: [ing], services: [web, elsewhere], endpointSlices: [...webSlices, teamSlice] });
    assert.deepEqual(addresses(r.route("team.example.com", "/")), ["10.244.3.3:80"]);
  });

  test("503 for a Service that does not exist, a port it does not have, and a port without ready endpoints, each named", () => {
    const down = service("down", { clusterIP: "10.96.0.22", ports: [{ name: "http", port: 80 }] });
    const downSlice = slice("down", "a", [{ name: "http", port: 80 }], [{ ip: "10.244.1.10", conditions: NOT_READY }]);
    const r = router({
      ingresses: [
        bosunIngress("site", "h", [
          path("/missing", "Prefix", backend("nope", 80)),
          path("/port", "Prefix", backend("web", 81)),
          path("/named", "Prefix", backend("web", "grpc")),
          path("/down", "Prefix", backend("down", 80)),
          path("/empty", "Prefix", backend("empty", 80)),
        ]),
      ],
      services: [web, down, service("empty", { clusterIP: "10.96.0.23", ports: [{ port: 80 }] })],
      endpointSlices: [...webSlices, downSlice],
    });
    assert.deepEqual(refusal(r.route("h", "/missing")), { status: 503, message: 'Ingress default/site: service "default/nope" not found' });
    assert.deepEqual(refusal(r.route("h", "/port")), { status: 503, message: 'Ingress default/site: service "default/web" has no port 81' });
    assert.deepEqual(refusal(r.route("h", "/named")), { status: 503, message: 'Ingress default/site: service "default/web" has no port "grpc"' });
    assert.deepEqual(refusal(r.route("h", "/down")), { status: 503, message: 'Ingress default/site: service "default/down" port 80 has no ready endpoints' });
    assert.deepEqual(refusal(r.route("h", "/empty")), { status: 503, message: 'Ingress default/site: service "default/empty" port 80 has no ready endpoints' });
  });

  test("503 for ExternalName Services and UDP ports, which an HTTP proxy cannot reach", () => {
    const external = service("ext", { type: "ExternalName", externalName: "example.org" });
    const dns = service("dns", { clusterIP: "10.96.0.10", ports: [{ name: "dns", port: 53, protocol: "UDP" }] });
    const r = router({
      ingresses: [bosunIngress("site", "h", [path("/ext", "Prefix", backend("ext", 80)), path("/dns", "Prefix", backend("dns", 53))])],
      services: [external, dns],
    });
    assert.match(refusal(r.route("h", "/ext")).message, /service "default\/ext" is of type ExternalName/);
    assert.match(refusal(r.route("h", "/dns")).message, /service "default\/dns" port 53 is UDP; an Ingress needs a TCP port/);
  });

  test("404 names the host and path nothing matched; a resource backend gets 503 with its message", () => {
    const r = router({
      ingresses: [bosunIngress("site", "h", [{ path: "/bucket", pathType: "Prefix", backend: { resource: { kind: "Bucket", name: "b" } } }])],
    });
    assert.deepEqual(refusal(r.route("Other.example.com:80", "/x")), {
      status: 404,
      message: 'no Ingress of class "bosun" has a rule for host "other.example.com" and path "/x", and none has a defaultBackend',
    });
    const unsupported = refusal(r.route("h", "/bucket/file"));
    assert.equal(unsupported.status, 503);
    assert.match(unsupported.message, /names resource Bucket "b", which Bosun's ingress proxy does not support/);
  });

  test("an empty router answers every request with 404", () => {
    assert.equal(refusal(IngressRouter.empty().route("h", "/")).status, 404);
  });
});

describe("TLS certificates by server name", () => {
  const r = router({
    ingresses: [
      bosunIngress("a", "a.example.com", [path("/", "Prefix", backend("web"))], { tls: [{ hosts: ["a.example.com", "*.wild.example.com"], secretName: "a-tls" }] }, "2024-01-01T00:00:00Z"),
      bosunIngress("b", "a.example.com", [path("/", "Prefix", backend("web"))], { tls: [{ hosts: ["a.example.com", "b.example.com"], secretName: "b-tls" }, { secretName: "any-tls" }] }, "2024-02-01T00:00:00Z"),
      bosunIngress("c", "c.example.com", [path("/", "Prefix", backend("web"))], { tls: [{ hosts: ["c.example.com"] }] }, "2024-03-01T00:00:00Z"),
      ingress("other", { ingressClassName: "nginx", tls: [{ hosts: ["d.example.com"], secretName: "nginx-tls" }], defaultBackend: backend("web") }),
    ],
  });
  const secret = (name: string | undefined) => r.tlsSecretFor(name)?.name;

  test("an exact host, the oldest Ingress first; a wildcard covers one label", () => {
    assert.equal(secret("a.example.com"), "a-tls");
    assert.equal(secret("B.example.com"), "b-tls");
    assert.equal(secret("x.wild.example.com"), "a-tls");
    assert.equal(r.tlsSecretFor("a.example.com")?.namespace, "default");
    assert.deepEqual(r.tlsSecretFor("a.example.com")?.ingress, { namespace: "default", name: "a" });
  });

  test("an entry without hosts serves the names no other entry covers, and no server name at all; one without a Secret offers nothing", () => {
    assert.equal(secret("y.x.wild.example.com"), "any-tls");
    assert.equal(secret("c.example.com"), "any-tls");
    assert.equal(secret(undefined), "any-tls");
  });

  test("Ingresses of other classes name no certificate", () => {
    assert.equal(secret("d.example.com"), "any-tls");
    assert.deepEqual(r.secretsNamed().map((s) => s.name).sort(), ["a-tls", "any-tls", "b-tls"]);
  });
});

describe("tls Secrets", () => {
  const tlsSecret = (type: string | undefined, data: Record<string, string>): Secret => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace: "default", name: "site-tls" },
    ...(type ? { type } : {}),
    data,
  });
  const b64 = (s: string) => Buffer.from(s).toString("base64");

  test("a kubernetes.io/tls Secret gives its certificate and key, decoded", () => {
    const read = tlsKeyPairFromSecret(tlsSecret("kubernetes.io/tls", { "tls.crt": b64("CERT PEM"), "tls.key": b64("KEY PEM") }));
    assert.deepEqual(read, { ok: true, pair: { cert: "CERT PEM", key: "KEY PEM" } });
  });

  test("another type, or a missing key, is refused with what to do", () => {
    const opaque = tlsKeyPairFromSecret(tlsSecret(undefined, { "tls.crt": b64("c"), "tls.key": b64("k") }));
    assert.deepEqual(opaque, { ok: false, message: 'secret "default/site-tls" is of type Opaque, not kubernetes.io/tls; recreate it with `kubectl create secret tls`' });
    const partial = tlsKeyPairFromSecret(tlsSecret("kubernetes.io/tls", { "tls.crt": b64("c") }));
    assert.deepEqual(partial, { ok: false, message: 'secret "default/site-tls" lacks tls.crt or tls.key; give it both' });
  });
});
