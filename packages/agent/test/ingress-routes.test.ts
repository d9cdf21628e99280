// The ingress routing table as pure functions: which Ingresses are Bosun's (class
// selection), hosts exact and wildcard, paths Exact / Prefix / ImplementationSpecific
// by the table of Kubernetes' Ingress documentation and the ingress conformance
// suite, precedence, default backends, and backends Bosun cannot serve.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  bosunIngresses,
  buildRoutingTable,
  isBosunIngress,
  matchRoute,
  normalizeHost,
  pathSegments,
  type RoutingTable,
} from "../src/ingress/routes.js";
import { backend, bosunIngress, ingress, ingressClass, path } from "./ingress-fixtures.js";

/** The Service a request reaches ("default:" before it when a default backend answers), or "404". */
function target(table: RoutingTable, host: string | undefined, requestPath: string): string {
  const match = matchRoute(table, host, requestPath);
  if (!match) return "404";
  const b = match.backend;
  const name = b.type === "service" ? b.service : `unsupported(${b.ingress.name})`;
  return match.via === "default" ? `default:${name}` : name;
}

function table(...ingresses: Parameters<typeof buildRoutingTable>[0]): RoutingTable {
  return buildRoutingTable(ingresses, []);
}

describe("class selection", () => {
  const named = (cls: string | undefined) => ingress("i", { ...(cls ? { ingressClassName: cls } : {}), defaultBackend: backend("s") });

  test("an Ingress of class bosun is served, one of another class is not", () => {
    assert.equal(isBosunIngress(named("bosun"), []), true);
    assert.equal(isBosunIngress(named("nginx"), [ingressClass("bosun", true)]), false);
  });

  test("an Ingress without a class is served only while the IngressClass bosun is marked default", () => {
    assert.equal(isBosunIngress(named(undefined), []), false);
    assert.equal(isBosunIngress(named(undefined), [ingressClass("bosun", false)]), false);
    assert.equal(isBosunIngress(named(undefined), [ingressClass("nginx", true)]), false);
    assert.equal(isBosunIngress(named(undefined), [ingressClass("nginx"), ingressClass("bosun", true)]), true);
  });

  test("the default-class annotation counts only with the value \"true\"", () => {
    const cls = ingressClass("bosun");
    cls.metadata.annotations = { "ingressclass.kubernetes.io/is-default-class": "True" };
    assert.equal(isBosunIngress(named(undefined), [cls]), false);
  });

  test("the older kubernetes.io/ingress.class annotation names the class when spec.ingressClassName does not", () => {
    const annotated = (cls: string) => ingress("i", { defaultBackend: backend("s") }, { annotations: { "kubernetes.io/ingress.class": cls } });
    assert.equal(isBosunIngress(annotated("bosun"), []), true);
    assert.equal(isBosunIngress(annotated("nginx"), [ingressClass("bosun", true)]), false);
  });

  test("the table holds only Bosun's Ingresses: another class's rules route nothing", () => {
    const mine = bosunIngress("mine", "a.example.com", [path("/", "Prefix", backend("mine"))]);
    const theirs = ingress("theirs", { ingressClassName: "nginx", rules: [{ host: "b.example.com", http: { paths: [path("/", "Prefix", backend("theirs"))] } }] });
    const t = buildRoutingTable([mine, theirs], [ingressClass("bosun", true)]);
    assert.deepEqual(t.ingresses, [{ namespace: "default", name: "mine" }]);
    assert.equal(target(t, "a.example.com", "/"), "mine");
    assert.equal(target(t, "b.example.com", "/"), "404");
  });

  test("Ingresses are taken oldest first, then by namespace and name", () => {
    const at = (name: string, created?: string, namespace = "default") =>
      ingress(name, { ingressClassName: "bosun", defaultBackend: backend(name) }, { namespace, ...(created ? { created } : {}) });
    const sorted = bosunIngresses([at("c"), at("b", "2024-01-02T00:00:00Z"), at("a", "2024-01-03T00:00:00Z"), at("z", "2024-01-02T00:00:00Z", "alpha")], []);
    assert.deepEqual(sorted.map((i) => `${i.metadata.namespace}/${i.metadata.name}`), ["alpha/z", "default/b", "default/a", "default/c"]);
  });
});

describe("hosts", () => {
  const t = table(
    bosunIngress("wild", "*.foo.com", [path("/", "Prefix", backend("wildcard-foo-com"))]),
    bosunIngress("exact", "foo.bar.com", [path("/", "Prefix", backend("foo-bar-com"))]),
  );

  test("an exact host matches only itself, case-insensitively and with any port", () => {
    assert.equal(target(t, "foo.bar.com", "/"), "foo-bar-com");
    assert.equal(target(t, "FOO.Bar.com:8080", "/x"), "foo-bar-com");
    assert.equal(target(t, "foo.bar.com.", "/"), "foo-bar-com");
    assert.equal(target(t, "subdomain.bar.com", "/"), "404");
  });

  test("a wildcard covers exactly one more label", () => {
    assert.equal(target(t, "bar.foo.com", "/"), "wildcard-foo-com");
    assert.equal(target(t, "baz.bar.foo.com", "/"), "404");
    assert.equal(target(t, "foo.com", "/"), "404");
  });

  test("an exact host goes before a wildcard covering it", () => {
    const both = table(
      bosunIngress("wild", "*.example.com", [path("/", "Prefix", backend("wild"))]),
      bosunIngress("exact", "www.example.com", [path("/", "Prefix", backend("exact"))]),
    );
    assert.equal(target(both, "www.example.com", "/"), "exact");
    assert.equal(target(both, "api.example.com", "/"), "wild");
  });

  test("a path of the exact host goes first even when a wildcard's path is longer; the wildcard takes what the exact host does not match", () => {
    const both = table(
      bosunIngress("exact", "www.example.com", [path("/app", "Prefix", backend("exact"))]),
      bosunIngress("wild", "*.example.com", [path("/app/long", "Prefix", backend("wild-long")), path("/", "Prefix", backend("wild-root"))]),
    );
    assert.equal(target(both, "www.example.com", "/app/long"), "exact");
    assert.equal(target(both, "www.example.com", "/other"), "wild-root");
  });

  test("rules without a host apply to every host, after the host's own rules", () => {
    const t2 = table(
      bosunIngress("any", "", [path("/", "Prefix", backend("any"))]),
      bosunIngress("host", "a.example.com", [path("/api", "Prefix", backend("api"))]),
    );
    assert.equal(target(t2, "a.example.com", "/api/v1"), "api");
    assert.equal(target(t2, "a.example.com", "/web"), "any");
    assert.equal(target(t2, "other.example.com", "/api"), "any");
    assert.equal(target(t2, undefined, "/"), "any");
    assert.equal(target(t2, "10.0.0.5", "/"), "any");
  });

  test("the Host header is normalized: case, port, trailing dot, IPv6 brackets", () => {
    assert.equal(normalizeHost("Example.COM:443"), "example.com");
    assert.equal(normalizeHost("example.com."), "example.com");
    assert.equal(normalizeHost("[::1]:8080"), "::1");
    assert.equal(normalizeHost(undefined), "");
  });
});

describe("paths", () => {
  test("path elements are the non-empty parts between slashes", () => {
    assert.deepEqual(pathSegments("/aaa//bbb/"), ["aaa", "bbb"]);
    assert.deepEqual(pathSegments("/"), []);
  });

  // The conformance suite's path-rules feature, host by host.
  const t = table(
    bosunIngress("exact", "exact-path-rules", [path("/foo", "Exact", backend("foo-exact"))]),
    bosunIngress("prefix", "prefix-path-rules", [
      path("/foo", "Prefix", backend("foo-prefix")),
      path("/aaa/bbb", "Prefix", backend("aaa-slash-bbb-prefix")),
      path("/aaa", "Prefix", backend("aaa-prefix")),
    ]),
    bosunIngress("mixed", "mixed-path-rules", [path("/foo", "Prefix", backend("foo-prefix")), path("/foo", "Exact", backend("foo-exact"))]),
    bosunIngress("trailing", "trailing-slash-path-rules", [
      path("/aaa/bbb/", "Prefix", backend("aaa-slash-bbb-slash-prefix")),
      path("/foo/", "Exact", backend("foo-slash-exact")),
    ]),
  );
  const cases: [host: string, requestPath: string, expected: string][] = [
    ["exact-path-rules", "/foo", "foo-exact"],
    ["exact-path-rules", "/foo/", "404"],
    ["exact-path-rules", "/FOO", "404"],
    ["exact-path-rules", "/bar", "404"],
    ["prefix-path-rules", "/foo", "foo-prefix"],
    ["prefix-path-rules", "/foo/", "foo-prefix"],
    ["prefix-path-rules", "/FOO", "404"],
    ["prefix-path-rules", "/aaa/bbb", "aaa-slash-bbb-prefix"],
    ["prefix-path-rules", "/aaa/bbb/ccc", "aaa-slash-bbb-prefix"],
    ["prefix-path-rules", "/aaa/ccc", "aaa-prefix"],
    ["prefix-path-rules", "/aaaccc", "404"],
    ["prefix-path-rules", "/aaa/bbbxyz", "aaa-prefix"],
    ["mixed-path-rules", "/foo", "foo-exact"],
    ["mixed-path-rules", "/foo/bar", "foo-prefix"],
    ["trailing-slash-path-rules", "/aaa/bbb", "aaa-slash-bbb-slash-prefix"],
    ["trailing-slash-path-rules", "/aaa/bbb/", "aaa-slash-bbb-slash-prefix"],
    ["trailing-slash-path-rules", "/foo", "404"],
    ["trailing-slash-path-rules", "/foo/", "foo-slash-exact"],
  ];
  for (const [host, requestPath, expected] of cases) {
    test(`${host} ${requestPath} -> ${expected}`, () => assert.equal(target(t, host, requestPath), expected));
  }

  test("the documentation's examples: / matches everything, /aaa/bb does not match /aaa/bbb, the longest of /, /aaa, /aaa/bbb wins", () => {
    const t2 = table(
      bosunIngress("i", "h", [
        path("/", "Prefix", backend("root")),
        path("/aaa", "Prefix", backend("aaa")),
        path("/aaa/bbb", "Prefix", backend("aaa-bbb")),
        path("/x/bb", "Prefix", backend("x-bb")),
      ]),
    );
    assert.equal(target(t2, "h", "/aaa/bbb"), "aaa-bbb");
    assert.equal(target(t2, "h", "/aaa/ccc"), "aaa");
    assert.equal(target(t2, "h", "/ccc"), "root");
    assert.equal(target(t2, "h", "/x/bbb"), "root");
    assert.equal(target(t2, "h", "/"), "root");
  });

  test("ImplementationSpecific is matched as Prefix, an empty one as /", () => {
    const t2 = table(
      bosunIngress("i", "h", [path("/docs", "ImplementationSpecific", backend("docs")), { pathType: "ImplementationSpecific", backend: backend("rest") }]),
    );
    assert.equal(target(t2, "h", "/docs/intro"), "docs");
    assert.equal(target(t2, "h", "/docsy"), "rest");
    assert.equal(target(t2, "h", "/"), "rest");
    assert.equal(t2.exactHosts.get("h")!.paths[0]!.declaredPathType, "ImplementationSpecific");
  });

  test("Exact goes before Prefix of the same length, whatever the order written; a longer Prefix goes before a shorter Exact", () => {
    const t2 = table(
      bosunIngress("i", "h", [path("/a", "Prefix", backend("prefix-a")), path("/a", "Exact", backend("exact-a")), path("/a/b", "Prefix", backend("prefix-ab"))]),
      bosunIngress("j", "h", [path("/a/b/c", "Exact", backend("exact-abc"))]),
    );
    assert.equal(target(t2, "h", "/a"), "exact-a");
    assert.equal(target(t2, "h", "/a/"), "prefix-a");
    assert.equal(target(t2, "h", "/a/b/c"), "exact-abc");
    assert.equal(target(t2, "h", "/a/b/c/d"), "prefix-ab");
  });

  test("the same host and path in two Ingresses: the older one wins, whatever the order given", () => {
    const older = bosunIngress("older", "h", [path("/", "Prefix", backend("older"))], {}, "2024-01-01T00:00:00Z");
    const newer = bosunIngress("newer", "h", [path("/", "Prefix", backend("newer"))], {}, "2024-06-01T00:00:00Z");
    assert.equal(target(table(newer, older), "h", "/"), "older");
    assert.equal(target(table(older, newer), "h", "/"), "older");
  });
});

describe("default backends", () => {
  test("an Ingress with only a defaultBackend takes every request", () => {
    const t = table(ingress("d", { ingressClassName: "bosun", defaultBackend: backend("echo") }));
    assert.equal(target(t, "my-host", "/"), "default:echo");
    assert.equal(target(t, undefined, "/resource"), "default:echo");
  });

  test("without rules matching and without a defaultBackend the answer is 404", () => {
    const t = table(bosunIngress("i", "h", [path("/app", "Prefix", backend("app"))]));
    assert.equal(target(t, "h", "/other"), "404");
    assert.equal(target(t, "other", "/app"), "404");
    assert.equal(target(table(), "h", "/"), "404");
  });

  test("a path match goes before any default backend", () => {
    const t = table(bosunIngress("i", "h", [path("/app", "Prefix", backend("app"))], { defaultBackend: backend("fallback") }));
    assert.equal(target(t, "h", "/app/x"), "app");
    assert.equal(target(t, "h", "/other"), "default:fallback");
    assert.equal(target(t, "unknown", "/app"), "default:fallback");
  });

  test("the default backend of the Ingress naming the host goes before the oldest Ingress's", () => {
    const catchAll = ingress("catch-all", { ingressClassName: "bosun", defaultBackend: backend("catch-all") }, { created: "2024-01-01T00:00:00Z" });
    const site = bosunIngress("site", "site.example.com", [path("/app", "Prefix", backend("app"))], { defaultBackend: backend("site-errors") }, "2024-02-01T00:00:00Z");
    const wild = bosunIngress("wild", "*.wild.com", [path("/app", "Exact", backend("app"))], { defaultBackend: backend("wild-errors") }, "2024-03-01T00:00:00Z");
    const t = table(site, wild, catchAll);
    assert.equal(target(t, "site.example.com", "/nothing"), "default:site-errors");
    assert.equal(target(t, "x.wild.com", "/nothing"), "default:wild-errors");
    assert.equal(target(t, "elsewhere.com", "/nothing"), "default:catch-all");
  });
});

describe("backends Bosun cannot serve", () => {
  test("a resource backend routes to an unsupported backend whose message names it, and is listed once among the problems", () => {
    const t = table(
      bosunIngress("static", "h", [
        { path: "/assets", pathType: "Prefix", backend: { resource: { apiGroup: "k8s.example.com", kind: "StorageBucket", name: "static-assets" } } },
        path("/", "Prefix", backend("web")),
      ]),
    );
    const match = matchRoute(t, "h", "/assets/logo.png");
    assert.equal(match?.backend.type, "unsupported");
    assert.equal(target(t, "h", "/index.html"), "web");
    assert.equal(t.problems.length, 1);
    assert.match(t.problems[0]!, /Ingress default\/static spec\.rules\[0\]\.http\.paths\[0\]\.backend names resource StorageBucket\.k8s\.example\.com "static-assets"/);
    assert.match(t.problems[0]!, /use a service backend/);
  });

  test("a resource defaultBackend is one problem too", () => {
    const t = table(ingress("d", { ingressClassName: "bosun", defaultBackend: { resource: { kind: "Bucket", name: "b" } } }));
    assert.equal(matchRoute(t, "h", "/")?.backend.type, "unsupported");
    assert.deepEqual(t.problems.length, 1);
    assert.match(t.problems[0]!, /spec\.defaultBackend names resource Bucket "b"/);
  });
});
