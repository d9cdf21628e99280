// The kinds of service networking over HTTP against a real etcd: Services,
// Endpoints, EndpointSlices, Ingresses, IngressClasses and NetworkPolicies are
// created, read and listed with Kubernetes' defaults, refused with Kubernetes'
// messages (nothing written), found through discovery and OpenAPI, and printed
// by real kubectl with Kubernetes' columns.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, runKubectl, startTestApiServer, type TestApiServer } from "../src/testing/index.js";

const ns = "/namespaces/default";
const servicesPath = `/api/v1${ns}/services`;
const endpointsPath = `/api/v1${ns}/endpoints`;
const slicesPath = `/apis/discovery.k8s.io/v1${ns}/endpointslices`;
const ingressesPath = `/apis/networking.k8s.io/v1${ns}/ingresses`;
const classesPath = "/apis/networking.k8s.io/v1/ingressclasses";
const policiesPath = `/apis/networking.k8s.io/v1${ns}/networkpolicies`;

type Obj = { kind: string; metadata: { name: string; namespace?: string; resourceVersion: string }; spec?: Record<string, unknown> } & Record<string, unknown>;
type List = { kind: string; items: Obj[] };
type Status = { kind: string; code: number; reason: string; message: string; details?: { causes?: { field?: string; message?: string; reason?: string }[] } };
type Resource = { name: string; namespaced: boolean; kind: string; verbs: string[]; shortNames?: string[]; categories?: string[] };

/** One object of each kind, in an order that lets each refer to the ones before. */
const objects: { kind: string; list: string; body: Record<string, unknown> }[] = [
  {
    kind: "Service",
    list: servicesPath,
    body: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { type: "NodePort", selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }, { name: "dns", port: 53, protocol: "UDP" }] },
    },
  },
  {
    kind: "Endpoints",
    list: endpointsPath,
    body: {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "web" },
      subsets: [{ addresses: [{ ip: "10.244.1.5", nodeName: "n1", targetRef: { kind: "Pod", name: "web-1", namespace: "default" } }], ports: [{ name: "http", port: 8080 }] }],
    },
  },
  {
    kind: "EndpointSlice",
    list: slicesPath,
    body: {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "web-abcde", labels: { "kubernetes.io/service-name": "web" } },
      addressType: "IPv4",
      endpoints: [{ addresses: ["10.244.1.5"], conditions: { ready: true, serving: true, terminating: false }, nodeName: "n1" }],
      ports: [{ name: "http", port: 8080 }],
    },
  },
  // The IngressClass `bosun` is made by the apiserver itself (ingress-class.ts).
  {
    kind: "Ingress",
    list: ingressesPath,
    body: {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "web" },
      spec: {
        ingressClassName: "bosun",
        rules: [{ host: "web.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }],
      },
    },
  },
  {
    kind: "NetworkPolicy",
    list: policiesPath,
    body: { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "deny-all" }, spec: { podSelector: {} } },
  },
];

const ingressStatus = { loadBalancer: { ingress: [{ ip: "192.0.2.10" }] } };

describe("service networking kinds", () => {
  let server: TestApiServer;
  let url: string;
  let dir: string;
  before(async () => {
    server = await startTestApiServer();
    url = server.url;
    dir = await mkdtemp(join(tmpdir(), "bosun-service-kinds-"));
    for (const o of objects) {
      const res = await call<Obj>(url, "POST", o.list, o.body);
      assert.equal(res.status, 201, `${o.kind}: ${JSON.stringify(res.body)}`);
    }
    // The address an ingress proxy reports, which kubectl shows as ADDRESS.
    const ingress = (await call<Obj>(url, "GET", `${ingressesPath}/web`)).body;
    assert.equal((await call(url, "PUT", `${ingressesPath}/web/status`, { ...ingress, status: ingressStatus })).status, 200);
  });
  after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("each kind is created, got and listed, with Kubernetes' defaults filled in", async () => {
    for (const o of objects) {
      const name = (o.body.metadata as { name: string }).name;
      const got = await call<Obj>(url, "GET", `${o.list}/${name}`);
      assert.equal(got.status, 200, o.kind);
      assert.equal(got.body.kind, o.kind);
      const listed = await call<List>(url, "GET", o.list);
      assert.equal(listed.body.kind, `${o.kind}List`);
      assert.deepEqual(listed.body.items.map((i) => i.metadata.name), [name], o.kind);
    }
    const svc = (await call<Obj>(url, "GET", `${servicesPath}/web`)).body.spec!;
    assert.deepEqual(
      [svc.type, svc.sessionAffinity, svc.externalTrafficPolicy, svc.internalTrafficPolicy, svc.ports],
      [
        "NodePort",
        "None",
        "Cluster",
        "Cluster",
        [
          { name: "http", port: 80, targetPort: "http", protocol: "TCP", nodePort: (svc.ports as { nodePort?: number }[])[0]!.nodePort },
          { name: "dns", port: 53, protocol: "UDP", targetPort: 53, nodePort: (svc.ports as { nodePort?: number }[])[1]!.nodePort },
        ],
      ],
    );
    const policy = (await call<Obj>(url, "GET", `${policiesPath}/deny-all`)).body.spec;
    assert.deepEqual(policy, { podSelector: {}, policyTypes: ["Ingress"] });
    const slice = (await call<Obj>(url, "GET", `${slicesPath}/web-abcde`)).body;
    assert.deepEqual(slice.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
    const ingressClass = await call<Obj>(url, "GET", `${classesPath}/bosun`);
    assert.equal(ingressClass.body.metadata.namespace, undefined, "IngressClass is cluster-scoped");
  });

  test("a bad Service is refused with Kubernetes' message and field path, and nothing is written", async () => {
    const bad = { apiVersion: "v1", kind: "Service", metadata: { name: "bad" }, spec: { ports: [{ port: 80, nodePort: 30080 }] } };
    const res = await call<Status>(url, "POST", servicesPath, bad);
    assert.equal(res.status, 422);
    assert.equal(res.body.reason, "Invalid");
    assert.equal(res.body.message, "Service \"bad\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");
    assert.deepEqual(res.body.details?.causes, [
      { reason: "FieldValueForbidden", message: "Forbidden: may not be used when `type` is 'ClusterIP'", field: "spec.ports[0].nodePort" },
    ]);
    assert.equal((await call(url, "GET", `${servicesPath}/bad`)).status, 404);

    const lb = { apiVersion: "v1", kind: "Service", metadata: { name: "lb" }, spec: { type: "LoadBalancer", ports: [{ port: 80 }] } };
    const refused = await call<Status>(url, "POST", servicesPath, lb);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.details?.causes?.[0]?.field, "spec.type");
    assert.match(refused.body.message, /^Service "lb" is invalid: spec\.type: Unsupported value: "LoadBalancer": Bosun does not support Services of type LoadBalancer yet/);
    assert.equal((await call(url, "GET", `${servicesPath}/lb`)).status, 404);

    const unknown = { ...lb, metadata: { name: "typo" }, spec: { ports: [{ port: 80, targetPrt: 8080 }] } };
    const typo = await call<Status>(url, "POST", servicesPath, unknown);
    assert.equal(typo.status, 422, JSON.stringify(typo.body));
    assert.match(typo.body.message, /spec\.ports\[0\]\.targetPrt/);
  });

  test("an Ingress's status is written through its status subresource, and the spec is kept", async () => {
    const current = (await call<Obj>(url, "GET", `${ingressesPath}/web`)).body;
    assert.deepEqual(current.status, ingressStatus);
    const status = { loadBalancer: { ingress: [{ ip: "192.0.2.10" }, { hostname: "lb.example.com" }] } };
    const res = await call<Obj>(url, "PUT", `${ingressesPath}/web/status`, { ...current, spec: { defaultBackend: { service: { name: "x", port: { number: 1 } } } }, status });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.status, status);
    const bad = await call<Status>(url, "PUT", `${ingressesPath}/web/status`, { ...res.body, status: { loadBalancer: { ingress: [{ hostname: "10.0.0.1" }] } } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.details?.causes?.[0]?.message, 'Invalid value: "10.0.0.1": must be a DNS name, not an IP address');
    assert.equal((await call(url, "PUT", `${ingressesPath}/web/status`, { ...res.body, status: ingressStatus })).status, 200);
    assert.equal((res.body.spec as { ingressClassName?: string }).ingressClassName, "bosun", "a status write leaves the spec alone");
  });

  test("discovery lists every kind with its short names, scope, subresources and kubectl's 'all' category for services", async () => {
    const resourcesOf = async (gv: string) => {
      const res = await call<{ resources: Resource[] }>(url, "GET", gv);
      assert.equal(res.status, 200, gv);
      return new Map(res.body.resources.map((r) => [r.name, r]));
    };
    const core = await resourcesOf("/api/v1");
    assert.deepEqual(core.get("services")?.shortNames, ["svc"]);
    assert.deepEqual(core.get("services")?.categories, ["all"]);
    assert.deepEqual(core.get("services/status")?.verbs, ["get", "patch", "update"]);
    assert.deepEqual(core.get("endpoints")?.shortNames, ["ep"]);
    const discovery = await resourcesOf("/apis/discovery.k8s.io/v1");
    assert.deepEqual([discovery.get("endpointslices")?.kind, discovery.get("endpointslices")?.namespaced], ["EndpointSlice", true]);
    const networking = await resourcesOf("/apis/networking.k8s.io/v1");
    assert.deepEqual(networking.get("ingresses")?.shortNames, ["ing"]);
    assert.ok(networking.has("ingresses/status"));
    assert.deepEqual([networking.get("ingressclasses")?.namespaced, networking.get("networkpolicies")?.shortNames], [false, ["netpol"]]);
  });

  test("the OpenAPI v3 documents name the kinds as Kubernetes does", async () => {
    const root = await call<{ paths: Record<string, { serverRelativeURL: string }> }>(url, "GET", "/openapi/v3");
    for (const [gv, kinds] of [
      ["apis/networking.k8s.io/v1", ["io.k8s.api.networking.v1.Ingress", "io.k8s.api.networking.v1.IngressClass", "io.k8s.api.networking.v1.NetworkPolicy"]],
      ["apis/discovery.k8s.io/v1", ["io.k8s.api.discovery.v1.EndpointSlice", "io.k8s.api.discovery.v1.EndpointPort"]],
      ["api/v1", ["io.k8s.api.core.v1.Service", "io.k8s.api.core.v1.ServicePort", "io.k8s.api.core.v1.Endpoints"]],
    ] as const) {
      const doc = await call<{ components: { schemas: Record<string, unknown> } }>(url, "GET", root.body.paths[gv]!.serverRelativeURL);
      assert.equal(doc.status, 200, gv);
      for (const kind of kinds) assert.ok(kind in doc.body.components.schemas, `${gv} defines ${kind}`);
    }
  });

  for (const version of ["1.33", "1.27"]) {
    test(`kubectl ${version} get prints Kubernetes' columns for every kind`, async () => {
      const kubectl = (...args: string[]) => runKubectl({ server: url, dir, version, cache: `cache-${version}` }, ...args);
      const svc = (await kubectl("get", "svc", "web", "-o", "wide")).stdout;
      assert.match(svc, /^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE +SELECTOR\nweb +NodePort +\S+ +<none> +80:3\d{4}\/TCP,53:3\d{4}\/UDP +\d+s +app=web\n$/);
      assert.match((await kubectl("get", "ep")).stdout, /^NAME +ENDPOINTS +AGE\nweb +10\.244\.1\.5:8080 +\d+s\n$/);
      assert.match((await kubectl("get", "endpointslices")).stdout, /^NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE\nweb-abcde +IPv4 +8080 +10\.244\.1\.5 +\d+s\n$/);
      assert.match((await kubectl("get", "ing", "web")).stdout, /^NAME +CLASS +HOSTS +ADDRESS +PORTS +AGE\nweb +bosun +web\.example\.com +192\.0\.2\.10 +80 +\d+s\n$/);
      assert.match((await kubectl("get", "ingressclass")).stdout, /^NAME +CONTROLLER +PARAMETERS +AGE\nbosun +bosun\.io\/ingress +<none> +\d+s\n$/);
      assert.match((await kubectl("get", "netpol", "deny-all")).stdout, /^NAME +POD-SELECTOR +AGE\ndeny-all +<none> +\d+s\n$/);
    });

    test(`kubectl ${version} apply creates and changes a Service, an Ingress and a NetworkPolicy, and explains them`, async () => {
      const kubectl = (...args: string[]) => runKubectl({ server: url, dir, version, cache: `apply-${version}` }, ...args);
      const name = `app-${version.replace(".", "-")}`;
      const manifest = (ports: string, nodePortType: boolean) => `
apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  type: ${nodePortType ? "NodePort" : "ClusterIP"}
  selector:
    app: ${name}
  ports:
${ports}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
spec:
  rules:
  - host: "*.${name}.example.com"
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: ${name}
            port:
              name: http
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ${name}
spec:
  podSelector:
    matchLabels:
      app: ${name}
  ingress:
  - from:
    - namespaceSelector: {}
    ports:
    - port: http
`;
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, manifest("  - name: http\n    port: 80\n    targetPort: 8080", true));
      const created = await kubectl("apply", "-f", file);
      assert.match(created.stdout, new RegExp(`service/${name} created\ningress.networking.k8s.io/${name} created\nnetworkpolicy.networking.k8s.io/${name} created`));
      const before = (await call<Obj>(url, "GET", `${servicesPath}/${name}`)).body.spec as { ports: { nodePort: number }[] };
      // A second port: a strategic merge by port, which keeps the first port's node port.
      await writeFile(file, manifest("  - name: http\n    port: 80\n    targetPort: 8080\n  - name: metrics\n    port: 9090", true));
      const changed = await kubectl("apply", "-f", file);
      assert.match(changed.stdout, new RegExp(`service/${name} configured`), changed.stderr);
      type Port = { name: string; port: number; targetPort: number; nodePort: number };
      const svc = (await call<Obj>(url, "GET", `${servicesPath}/${name}`)).body.spec as { type: string; ports: Port[] };
      assert.equal(svc.type, "NodePort");
      assert.deepEqual(svc.ports.map((p) => [p.name, p.port, p.targetPort]), [["http", 80, 8080], ["metrics", 9090, 9090]]);
      assert.equal(svc.ports[0]!.nodePort, before.ports[0]!.nodePort);
      const explained = (await kubectl("explain", "ingress.spec.rules.http.paths.backend.service.port")).stdout;
      assert.match(explained, /number\s+<integer>/);
      assert.match((await kubectl("explain", "service.spec.sessionAffinityConfig.clientIP")).stdout, /timeoutSeconds\s+<integer>/);
    });
  }
});
