// bosun describe svc|ingress|netpol, line for line as kubectl 1.33, from objects
// and through the binary against the fake API server (which also shows `bosun get
// svc,ep,endpointslices,ing,netpol` printing every kind's table).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { EndpointSlice, Endpoints, Event, Ingress, NetworkPolicy, Service } from "@bosun/api";
import { describeIngress, describeNetworkPolicy, describeService, endpointSlicesText, type BackendService } from "../src/printers/describe-services.js";
import { startCliAgainstFakeApi, type CliAgainstFakeApi } from "../src/testing/run-cli.js";

const now = Date.parse("2024-05-01T12:00:00Z");
const created = "2024-05-01T11:00:00Z";

const web: Service = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web", namespace: "default", labels: { app: "web" }, creationTimestamp: created },
  spec: {
    type: "NodePort",
    selector: { tier: "front", app: "web" },
    clusterIP: "10.96.0.20",
    clusterIPs: ["10.96.0.20"],
    ipFamilies: ["IPv4"],
    ipFamilyPolicy: "SingleStack",
    ports: [
      { name: "http", port: 80, protocol: "TCP", targetPort: 8080, nodePort: 30080 },
      { name: "dns", port: 53, protocol: "UDP", targetPort: "dns" },
    ],
    sessionAffinity: "None",
    externalTrafficPolicy: "Cluster",
    internalTrafficPolicy: "Cluster",
  },
};

function slice(name: string, ports: EndpointSlice["ports"], endpoints: Array<[string, boolean | undefined]>): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name, namespace: "default", labels: { "kubernetes.io/service-name": "web" }, creationTimestamp: created },
    addressType: "IPv4",
    ...(ports ? { ports } : {}),
    endpoints: endpoints.map(([ip, ready]) => ({ addresses: [ip], ...(ready === undefined ? {} : { conditions: { ready } }) })),
  };
}

const webSlices = [
  slice("web-abc", [{ name: "http", port: 8080, protocol: "TCP" }, { name: "dns", port: 5353, protocol: "UDP" }], [
    ["10.244.0.5", true],
    ["10.244.0.6", false],
    ["10.244.0.7", undefined],
  ]),
  slice("web-def", [{ name: "http", port: 8080, protocol: "TCP" }, { name: "dns", port: 5353, protocol: "UDP" }], [
    ["10.244.1.5", true],
    ["10.244.1.6", true],
  ]),
];

const typeChanged: Event = {
  apiVersion: "v1",
  kind: "Event",
  metadata: { name: "web.1", namespace: "default" },
  involvedObject: { kind: "Service", name: "web", namespace: "default" },
  type: "Normal",
  reason: "Type",
  message: "ClusterIP -> NodePort",
  source: { component: "service-controller" },
  lastTimestamp: "2024-05-01T11:59:00Z",
};

test("describe svc: kubectl's lines; each port's ready endpoints from the slices, '+ N more...' past three", () => {
  assert.equal(
    describeService(web, webSlices, [typeChanged], now),
    [
      "Name:                     web",
      "Namespace:                default",
      "Labels:                   app=web",
      "Annotations:              <none>",
      "Selector:                 app=web,tier=front",
      "Type:                     NodePort",
      "IP Family Policy:         SingleStack",
      "IP Families:              IPv4",
      "IP:                       10.96.0.20",
      "IPs:                      10.96.0.20",
      "Port:                     http  80/TCP",
      "TargetPort:               8080/TCP",
      "NodePort:                 http  30080/TCP",
      "Endpoints:                10.244.0.5:8080,10.244.0.7:8080,10.244.1.5:8080 + 1 more...",
      "Port:                     dns  53/UDP",
      "TargetPort:               dns/UDP",
      "Endpoints:                10.244.0.5:5353,10.244.0.7:5353,10.244.1.5:5353 + 1 more...",
      "Session Affinity:         None",
      "External Traffic Policy:  Cluster",
      "Internal Traffic Policy:  Cluster",
      "Events:",
      "  Type    Reason  Age   From                Message",
      "  ----    ------  ----  ----                -------",
      "  Normal  Type    60s   service-controller  ClusterIP -> NodePort",
      "",
    ].join("\n"),
  );
});

test("describe svc: a ClusterIP Service without endpoints, a headless one, an ExternalName", () => {
  const plain: Service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "api", namespace: "default" },
    spec: { type: "ClusterIP", clusterIP: "10.96.0.30", clusterIPs: ["10.96.0.30"], ports: [{ port: 80, protocol: "TCP", targetPort: 80 }], sessionAffinity: "ClientIP" },
  };
  assert.equal(
    describeService(plain, [], [], now),
    [
      "Name:              api",
      "Namespace:         default",
      "Labels:            <none>",
      "Annotations:       <none>",
      "Selector:          <none>",
      "Type:              ClusterIP",
      "IP Families:       <none>",
      "IP:                10.96.0.30",
      "IPs:               10.96.0.30",
      "Port:              <unset>  80/TCP",
      "TargetPort:        80/TCP",
      "Endpoints:         <none>",
      "Session Affinity:  ClientIP",
      "Events:            <none>",
      "",
    ].join("\n"),
  );
  const headless = slice("db-x", undefined, [["10.244.0.9", true], ["10.244.0.10", false]]);
  assert.equal(endpointSlicesText([headless], ""), "10.244.0.9", "a slice without ports lists bare ready addresses");
  assert.equal(endpointSlicesText(webSlices, "metrics"), "", "slices but none for the port: empty, as kubectl prints it");
  const external: Service = { apiVersion: "v1", kind: "Service", metadata: { name: "ext", namespace: "default" }, spec: { type: "ExternalName", externalName: "example.com" } };
  assert.match(describeService(external, [], [], now), /^IP: +\nIPs: +<none>\nExternal Name: +example\.com\nSession Affinity: +\n/m);
});

test("describe ingress: address, class, TLS, each path's backend with its endpoints or the error reading them", () => {
  const ing: Ingress = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "site", namespace: "default", annotations: { team: "web" } },
    spec: {
      ingressClassName: "bosun",
      tls: [{ hosts: ["a.example.com"], secretName: "a-tls" }],
      rules: [
        {
          host: "a.example.com",
          http: {
            paths: [
              { path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } },
              { path: "/api", pathType: "Prefix", backend: { service: { name: "api", port: { number: 8080 } } } },
            ],
          },
        },
      ],
    },
    status: { loadBalancer: { ingress: [{ ip: "192.168.1.3" }, { ip: "192.168.1.2" }] } },
  };
  const services = new Map<string, BackendService>([
    ["web", { service: web, slices: webSlices }],
    ["api", { error: 'services "api" not found' }],
  ]);
  assert.equal(
    describeIngress(ing, services, [], now),
    [
      "Name:             site",
      "Labels:           <none>",
      "Namespace:        default",
      "Address:          192.168.1.2,192.168.1.3",
      "Ingress Class:    bosun",
      "Default backend:  <default>",
      "TLS:",
      "  a-tls terminates a.example.com",
      "Rules:",
      "  Host           Path  Backends",
      "  ----           ----  --------",
      "  a.example.com  ",
      "                 /      web:http (10.244.0.5:8080,10.244.0.7:8080,10.244.1.5:8080 + 1 more...)",
      "                 /api   api:8080 (<error: services \"api\" not found>)",
      "Annotations:     team: web",
      "Events:          <none>",
      "",
    ].join("\n"),
  );
  const onlyDefault: Ingress = { ...ing, spec: { defaultBackend: { service: { name: "web", port: { number: 80 } } } } };
  assert.match(describeIngress(onlyDefault, services, [], now), /\n {2}\* +\* +web:80 \(10\.244\.0\.5:8080,/);
});

test("describe netpol: the selected pods, each rule's ports and peers, the policy types", () => {
  const np: NetworkPolicy = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "allow", namespace: "default", creationTimestamp: created },
    spec: {
      podSelector: { matchLabels: { app: "web" } },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { role: "client" } } }, { namespaceSelector: { matchLabels: { team: "x" } }, podSelector: {} }],
          ports: [{ port: 8080 }, { protocol: "UDP", port: 5000, endPort: 5100 }],
        },
        {},
      ],
      egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }] }],
    },
  };
  assert.equal(
    describeNetworkPolicy(np),
    [
      "Name:         allow",
      "Namespace:    default",
      "Created on:   2024-05-01 11:00:00 +0000 UTC",
      "Labels:       <none>",
      "Annotations:  <none>",
      "Spec:",
      "  PodSelector:     app=web",
      "  Allowing ingress traffic:",
      "    To Port: 8080/TCP",
      "    To Port Range: 5000-5100/UDP",
      "    From:",
      "      PodSelector: role=client",
      "    From:",
      "      NamespaceSelector: team=x",
      "      PodSelector: <none>",
      "    ----------",
      "    To Port: <any> (traffic allowed to all ports)",
      "    From: <any> (traffic not restricted by source)",
      "  Allowing egress traffic:",
      "    To Port: <any> (traffic allowed to all ports)",
      "    To:",
      "      IPBlock:",
      "        CIDR: 10.0.0.0/8",
      "        Except: 10.1.0.0/16",
      "  Policy Types: Ingress, Egress",
      "",
    ].join("\n"),
  );
  const denyAll: NetworkPolicy = { ...np, spec: { podSelector: {}, policyTypes: ["Ingress"] } };
  assert.match(
    describeNetworkPolicy(denyAll),
    /PodSelector: +<none> \(Allowing the specific traffic to all pods in this namespace\)\n {2}Allowing ingress traffic:\n {4}<none> \(Selected pods are isolated for ingress connectivity\)\n {2}Not affecting egress traffic\n {2}Policy Types: Ingress\n$/,
  );
});

let cli: CliAgainstFakeApi;
before(async () => {
  cli = await startCliAgainstFakeApi();
});
after(() => cli.close());

test("the binary: describe svc reads the Service's slices by their service-name label; get svc,ep,endpointslices,ing,netpol prints each table", async () => {
  const api = cli.api;
  api.put("services", web);
  for (const s of webSlices) api.put("endpointslices", s);
  // Another Service's slice: not this one's endpoints.
  api.put("endpointslices", { ...slice("other-x", [{ name: "http", port: 9999 }], [["10.244.9.9", true]]), metadata: { name: "other-x", namespace: "default", labels: { "kubernetes.io/service-name": "other" } } });
  const endpoints: Endpoints = {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "web", namespace: "default", creationTimestamp: created },
    subsets: [{ addresses: [{ ip: "10.244.0.5" }], ports: [{ name: "http", port: 8080, protocol: "TCP" }] }],
  };
  api.put("endpoints", endpoints);
  api.put("ingresses", { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "site", namespace: "default" }, spec: { defaultBackend: { service: { name: "web", port: { number: 80 } } } } } satisfies Ingress);
  api.put("networkpolicies", { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "deny", namespace: "default" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } } satisfies NetworkPolicy);

  const described = await cli.run(["describe", "svc", "web"]);
  assert.equal(described.code, 0, described.stderr);
  assert.match(described.stdout, /^Endpoints: +10\.244\.0\.5:8080,10\.244\.0\.7:8080,10\.244\.1\.5:8080 \+ 1 more\.\.\.$/m);
  assert.doesNotMatch(described.stdout, /10\.244\.9\.9/);
  const list = api.requests.find((r) => r.startsWith("GET /apis/discovery.k8s.io/v1/namespaces/default/endpointslices"));
  assert.match(decodeURIComponent(list ?? ""), /labelSelector=kubernetes\.io\/service-name=web/);

  const ing = await cli.run(["describe", "ing/site"]);
  assert.equal(ing.code, 0, ing.stderr);
  assert.match(ing.stdout, /^Default backend: +web:80 \(10\.244\.0\.5:8080,/m);
  const np = await cli.run(["describe", "netpol", "deny"]);
  assert.equal(np.code, 0, np.stderr);
  assert.match(np.stdout, /Policy Types: Ingress\n$/);

  const got = await cli.run(["get", "svc,ep,endpointslices,ing,netpol"]);
  assert.equal(got.code, 0, got.stderr);
  const sections = got.stdout.split("\n\n");
  assert.equal(sections.length, 5, got.stdout);
  assert.match(sections[0]!, /^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE\nservice\/web +NodePort +10\.96\.0\.20 +<none> +80:30080\/TCP,53\/UDP +/);
  assert.match(sections[1]!, /^NAME +ENDPOINTS +AGE\nendpoints\/web +10\.244\.0\.5:8080 +/);
  assert.match(sections[2]!, /^NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE\nendpointslice\.discovery\.k8s\.io\/other-x +IPv4 +9999 +10\.244\.9\.9 /);
  assert.match(sections[3]!, /^NAME +CLASS +HOSTS +ADDRESS +PORTS +AGE\ningress\.networking\.k8s\.io\/site +<none> +\* +80 /);
  assert.match(sections[4]!, /^NAME +POD-SELECTOR +AGE\nnetworkpolicy\.networking\.k8s\.io\/deny +<none> /);
  const wide = await cli.run(["get", "svc", "-o", "wide"]);
  assert.match(wide.stdout, /^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE +SELECTOR\nweb +NodePort .* app=web,tier=front\n$/);
});
