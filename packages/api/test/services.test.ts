import { test } from "node:test";
import assert from "node:assert/strict";
import {
  applyDefaults,
  dropServiceTypeDependentFields,
  kindDefinitionName,
  patchMetaOf,
  printerFor,
  resourceByName,
  ServiceSpec,
  supportedFieldSelectors,
  validateObject,
  type EndpointSlice,
  type Endpoints,
  type KubeObject,
  type Service,
  type StatusCause,
} from "../src/index.js";

const services = resourceByName("svc")!;
const endpoints = resourceByName("ep")!;
const slices = resourceByName("endpointslices")!;
const now = Date.parse("2024-05-01T12:00:00Z");
const created = "2024-05-01T11:00:00Z";

function service(spec: Record<string, unknown>, name = "web"): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default", creationTimestamp: created }, spec } as Service;
}

function messages(causes: StatusCause[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}

/** Defaults, then validation, as the apiserver runs them on create (before allocation). */
function check(svc: Service, old?: Service): string[] {
  applyDefaults(services, svc as KubeObject);
  return messages(validateObject(services, svc, old));
}

test("services, endpoints and endpointslices are served with Kubernetes' names, short names and subresources", () => {
  const row = (name: string) => {
    const r = resourceByName(name)!;
    return [r.group, r.version, r.resource, r.singular, r.kind, r.listKind, r.namespaced, r.shortNames, r.subresources];
  };
  assert.deepEqual(row("service"), ["", "v1", "services", "service", "Service", "ServiceList", true, ["svc"], ["status"]]);
  assert.deepEqual(row("endpoints"), ["", "v1", "endpoints", "endpoints", "Endpoints", "EndpointsList", true, ["ep"], []]);
  assert.deepEqual(row("endpointslice"), ["discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", "EndpointSliceList", true, [], []]);
  assert.deepEqual(services.verbs, ["create", "delete", "get", "list", "patch", "update", "watch"]);
  assert.equal(kindDefinitionName("discovery.k8s.io", "v1", "EndpointSlice"), "io.k8s.api.discovery.v1.EndpointSlice");
  assert.deepEqual(supportedFieldSelectors("Service"), ["metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"]);
  assert.deepEqual(patchMetaOf(ServiceSpec, "ports"), { listType: "map", listMapKeys: ["port", "protocol"], patchStrategy: "merge", patchMergeKey: "port" });
});

test("Service defaults as SetDefaults_Service: ClusterIP, None affinity, TCP, targetPort = port, Cluster policies", () => {
  const svc = service({ selector: { app: "web" }, ports: [{ port: 80 }, { port: 53, protocol: "UDP", targetPort: "dns", name: "dns" }] });
  svc.spec!.ports![0]!.name = "http";
  applyDefaults(services, svc as KubeObject);
  assert.deepEqual(svc.spec, {
    selector: { app: "web" },
    ports: [
      { name: "http", port: 80, protocol: "TCP", targetPort: 80 },
      { port: 53, protocol: "UDP", targetPort: "dns", name: "dns" },
    ],
    sessionAffinity: "None",
    type: "ClusterIP",
    internalTrafficPolicy: "Cluster",
  });

  const nodePort = service({ type: "NodePort", sessionAffinity: "ClientIP", ports: [{ port: 80, targetPort: 0 }] });
  applyDefaults(services, nodePort as KubeObject);
  assert.equal(nodePort.spec!.externalTrafficPolicy, "Cluster");
  assert.equal(nodePort.spec!.ports![0]!.targetPort, 80);
  assert.deepEqual(nodePort.spec!.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });

  // ExternalName has neither traffic policy; a config with affinity None is dropped.
  const external = service({ type: "ExternalName", externalName: "db.example.com", sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } });
  applyDefaults(services, external as KubeObject);
  assert.deepEqual(external.spec, { type: "ExternalName", externalName: "db.example.com", sessionAffinity: "None" });

  // A client that sets only clusterIP gets clusterIPs, as the registry's normalizeClusterIPs does on create.
  const fixed = service({ clusterIP: "10.96.0.50", ports: [{ port: 80 }] });
  applyDefaults(services, fixed as KubeObject);
  assert.deepEqual(fixed.spec!.clusterIPs, ["10.96.0.50"]);
  const headless = service({ clusterIP: "None", selector: { app: "db" } });
  assert.deepEqual(check(headless), [], "a headless Service needs no ports");
  assert.deepEqual(headless.spec!.clusterIPs, ["None"]);
});

test("valid Services of every supported type pass", () => {
  assert.deepEqual(check(service({ selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] })), []);
  assert.deepEqual(check(service({ type: "NodePort", ports: [{ name: "http", port: 80, nodePort: 30080 }, { name: "https", port: 443 }] })), []);
  assert.deepEqual(check(service({ type: "ExternalName", externalName: "db.example.com." })), []);
  assert.deepEqual(
    check(service({ ports: [{ port: 80 }], sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, publishNotReadyAddresses: true })),
    [],
  );
  assert.deepEqual(check(service({ ports: [{ port: 80 }], externalIPs: ["192.0.2.10"], externalTrafficPolicy: "Local" })), []);
});

test("Service names are DNS-1035 labels", () => {
  assert.deepEqual(check(service({ ports: [{ port: 80 }] }, "1web")), [
    `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
  ]);
});

test("ports: required, named and unique when several, in range, no duplicate port or node port", () => {
  assert.deepEqual(check(service({ selector: { app: "web" } })), ["spec.ports: Required value"]);
  assert.deepEqual(
    check(
      service({
        type: "NodePort",
        ports: [
          { port: 80, nodePort: 30080 },
          { name: "Web", port: 0, targetPort: "way-too-long-port-name", appProtocol: "-bad" },
          { name: "web", port: 81, nodePort: 30080 },
          { name: "web", port: 80 },
        ],
      }),
    ),
    [
      "spec.ports[0].name: Required value",
      `spec.ports[1].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      "spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive",
      'spec.ports[1].targetPort: Invalid value: "way-too-long-port-name": must be no more than 15 characters',
      `spec.ports[1].appProtocol: Invalid value: "-bad": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      'spec.ports[3].name: Duplicate value: "web"',
      "spec.ports[2].nodePort: Duplicate value: 30080",
      'spec.ports[3]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    ],
  );
});

test("nodePort only for NodePort; clusterIP None neither for NodePort nor with another IP", () => {
  assert.deepEqual(check(service({ ports: [{ port: 80, nodePort: 30080 }] })), [
    "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
  ]);
  assert.deepEqual(check(service({ type: "NodePort", clusterIP: "None", ports: [{ port: 80 }] })), [
    'spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for NodePort services',
  ]);
  assert.deepEqual(check(service({ clusterIP: "None", clusterIPs: ["None", "10.96.0.9"], ports: [{ port: 80 }] })), [
    'spec.clusterIPs: Invalid value: []string{"None", "10.96.0.9"}: \'None\' must be the first and only value',
  ]);
  assert.deepEqual(check(service({ clusterIP: "10.96.0.9", clusterIPs: ["10.96.0.8"], ports: [{ port: 80 }] })), [
    'spec.clusterIPs: Invalid value: []string{"10.96.0.8"}: first value must match `clusterIP`',
  ]);
  assert.deepEqual(check(service({ clusterIP: "10.96.0.300", ports: [{ port: 80 }] })), [
    'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
  ]);
});

test("ExternalName: a DNS name, and no cluster IPs or families", () => {
  assert.deepEqual(check(service({ type: "ExternalName" })), ["spec.externalName: Required value"]);
  assert.deepEqual(check(service({ type: "ExternalName", externalName: "Bad_Name", clusterIP: "10.96.0.4", ipFamilyPolicy: "SingleStack" })), [
    "spec.clusterIPs: Forbidden: may not be set for ExternalName services",
    "spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services",
    `spec.externalName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  ]);
});

test("selector labels, session affinity timeout, external IPs and traffic policies are checked", () => {
  assert.deepEqual(
    check(
      service({
        ports: [{ port: 80 }],
        selector: { "bad key!": "v" },
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } },
        externalIPs: ["127.0.0.1"],
      }),
    ),
    [
      `spec.selector: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400",
      'spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    ],
  );
  assert.deepEqual(check(service({ ports: [{ port: 80 }], externalTrafficPolicy: "Local" })), [
    'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
  ]);
  const noDefaults = service({ type: "ClusterIP", sessionAffinity: "ClientIP", ports: [{ port: 80, protocol: "TCP" }] });
  assert.deepEqual(messages(validateObject(services, noDefaults)), [
    "spec.sessionAffinityConfig: Required value: when session affinity type is ClientIP",
    "spec.internalTrafficPolicy: Required value",
  ]);
});

test("what Bosun cannot serve yet is refused by name: LoadBalancer, SCTP, load-balancer fields, IPv6 and dual-stack", () => {
  assert.deepEqual(check(service({ type: "LoadBalancer", ports: [{ port: 80 }] })), [
    'spec.type: Unsupported value: "LoadBalancer": Bosun does not support Services of type LoadBalancer yet (it has no load-balancer provider); use "NodePort", or "ClusterIP" behind an Ingress',
  ]);
  assert.deepEqual(check(service({ ports: [{ port: 80, protocol: "SCTP" }] })), [
    'spec.ports[0].protocol: Unsupported value: "SCTP": Bosun does not support SCTP Services yet; use "TCP" or "UDP"',
  ]);
  assert.deepEqual(
    check(service({ ports: [{ port: 80 }], loadBalancerIP: "192.0.2.1", loadBalancerSourceRanges: ["10.0.0.0/8"], allocateLoadBalancerNodePorts: true, healthCheckNodePort: 32000 })),
    [
      "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
      "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'",
      "spec.loadBalancerIP: Forbidden: Bosun has no load-balancer provider, so load-balancer fields are not supported yet; remove the field (use type NodePort, or ClusterIP behind an Ingress)",
      "spec.healthCheckNodePort: Invalid value: 32000: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
    ],
  );
  assert.deepEqual(check(service({ ports: [{ port: 80 }], ipFamilies: ["IPv6"], ipFamilyPolicy: "RequireDualStack" })), [
    'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    `spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster: Bosun's service network is IPv4 only`,
  ]);
  // A value Kubernetes does not know at all gets Kubernetes' own list.
  assert.deepEqual(check(service({ type: "Headless", ports: [{ port: 80 }] })), [
    'spec.type: Unsupported value: "Headless": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
  ]);
});

test("updates: cluster IPs and families may not change, except to or from ExternalName", () => {
  const stored = service({ clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack", ports: [{ port: 80 }] });
  applyDefaults(services, stored as KubeObject);
  const moved = structuredClone(stored);
  moved.spec!.clusterIP = "10.96.0.11";
  moved.spec!.clusterIPs = ["10.96.0.11"];
  assert.deepEqual(check(moved, stored), ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set']);

  const toExternal = structuredClone(stored);
  toExternal.spec = { type: "ExternalName", externalName: "db.example.com" };
  assert.deepEqual(check(toExternal, stored), []);
  const fromExternal = service({ clusterIP: "10.96.0.12", ports: [{ port: 80 }] });
  assert.deepEqual(check(fromExternal, toExternal), []);

  const headless = service({ clusterIP: "None", ports: [{ port: 80 }] });
  applyDefaults(services, headless as KubeObject);
  const stillHeadless = structuredClone(headless);
  stillHeadless.spec!.ports = [{ port: 81 }];
  assert.deepEqual(check(stillHeadless, headless), []);
});

test("a type change drops what the old type needed and the update left alone, as dropTypeDependentFields", () => {
  const stored = service({
    type: "NodePort",
    clusterIP: "10.96.0.30",
    clusterIPs: ["10.96.0.30"],
    ipFamilies: ["IPv4"],
    ipFamilyPolicy: "SingleStack",
    ports: [{ port: 80, nodePort: 30080 }],
  });
  applyDefaults(services, stored as KubeObject);
  assert.equal(stored.spec!.externalTrafficPolicy, "Cluster");

  // kubectl apply of type: ClusterIP sends back what the server filled in.
  const toClusterIP = structuredClone(stored);
  toClusterIP.spec!.type = "ClusterIP";
  delete toClusterIP.spec!.ports![0]!.nodePort;
  dropServiceTypeDependentFields(toClusterIP, stored);
  assert.equal(toClusterIP.spec!.externalTrafficPolicy, undefined);
  assert.equal(toClusterIP.spec!.clusterIP, "10.96.0.30", "a ClusterIP Service keeps its address");
  assert.deepEqual(check(toClusterIP, stored), []);

  const toExternal = structuredClone(stored);
  Object.assign(toExternal.spec!, { type: "ExternalName", externalName: "db.example.com" });
  delete toExternal.spec!.ports![0]!.nodePort;
  dropServiceTypeDependentFields(toExternal, stored);
  assert.deepEqual(
    [toExternal.spec!.clusterIP, toExternal.spec!.clusterIPs, toExternal.spec!.ipFamilies, toExternal.spec!.ipFamilyPolicy, toExternal.spec!.externalTrafficPolicy],
    [undefined, undefined, undefined, undefined, undefined],
  );
  assert.deepEqual(check(toExternal, stored), []);

  // What the update changed itself is kept, and validation has its say.
  const changed = structuredClone(stored);
  Object.assign(changed.spec!, { type: "ExternalName", externalName: "db.example.com", clusterIP: "10.96.0.31", clusterIPs: ["10.96.0.31"] });
  dropServiceTypeDependentFields(changed, stored);
  assert.equal(changed.spec!.clusterIP, "10.96.0.31");
  assert.deepEqual(check(changed, stored), ["spec.clusterIPs: Forbidden: may not be set for ExternalName services"]);
});

test("a Service's status may carry load-balancer addresses only for type LoadBalancer", () => {
  const svc = service({ ports: [{ port: 80 }] });
  svc.status = { loadBalancer: { ingress: [{ ip: "192.0.2.1" }] } };
  assert.deepEqual(check(svc), ["status.loadBalancer.ingress: Forbidden: may only be used when `spec.type` is 'LoadBalancer'"]);
});

test("service rows: ports as Kubernetes prints them, <none> where empty, external names and IPs", () => {
  const printer = printerFor("Service");
  const nodePort = service({
    type: "NodePort",
    clusterIP: "10.96.0.20",
    clusterIPs: ["10.96.0.20"],
    selector: { app: "web", tier: "front" },
    ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }, { port: 53, protocol: "UDP" }],
  });
  assert.deepEqual(printer.cells(nodePort, now), ["web", "NodePort", "10.96.0.20", "<none>", "80:30080/TCP,53/UDP", "60m", "app=web,tier=front"]);
  const headless = service({ type: "ClusterIP", clusterIP: "None", clusterIPs: ["None"] });
  assert.deepEqual(printer.cells(headless, now), ["web", "ClusterIP", "None", "<none>", "<none>", "60m", "<none>"]);
  const external = service({ type: "ExternalName", externalName: "db.example.com" });
  assert.deepEqual(printer.cells(external, now).slice(1, 5), ["ExternalName", "<none>", "db.example.com", "<none>"]);
  const withIPs = service({ type: "ClusterIP", clusterIPs: ["10.96.0.21"], externalIPs: ["192.0.2.1", "192.0.2.2"], ports: [{ port: 443, protocol: "TCP" }] });
  assert.deepEqual(printer.cells(withIPs, now).slice(2, 5), ["10.96.0.21", "192.0.2.1,192.0.2.2", "443/TCP"]);
});

// ---- Endpoints ----

function endpointsObject(subsets: unknown[]): Endpoints {
  return { apiVersion: "v1", kind: "Endpoints", metadata: { name: "web", namespace: "default", creationTimestamp: created }, subsets } as Endpoints;
}

test("Endpoints: ports default to TCP; addresses are usable IPs; several ports need names", () => {
  const ep = endpointsObject([{ addresses: [{ ip: "10.244.1.5", nodeName: "n1", targetRef: { kind: "Pod", name: "web-1", namespace: "default" } }], ports: [{ port: 80 }] }]);
  applyDefaults(endpoints, ep as KubeObject);
  assert.equal(ep.subsets![0]!.ports![0]!.protocol, "TCP");
  assert.deepEqual(validateObject(endpoints, ep), []);

  const bad = endpointsObject([
    { ports: [{ port: 80 }] },
    { addresses: [{ ip: "169.254.1.1", hostname: "Web" }], notReadyAddresses: [{ ip: "nope" }], ports: [{ port: 80, protocol: "TCP" }, { port: 70000, protocol: "UDP", name: "dns" }] },
  ]);
  applyDefaults(endpoints, bad as KubeObject);
  assert.deepEqual(messages(validateObject(endpoints, bad)), [
    "subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`",
    `subsets[1].addresses[0].hostname: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    'subsets[1].addresses[0].ip: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    'subsets[1].notReadyAddresses[0].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    'subsets[1].notReadyAddresses[0].ip: Invalid value: "nope": must be a valid IP address',
    "subsets[1].ports[0].name: Required value",
    "subsets[1].ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
  ]);
});

test("endpoints rows, as formatEndpoints: ready addresses by port, three at most, + N more", () => {
  const printer = printerFor("Endpoints");
  assert.deepEqual(printer.cells(endpointsObject([]), now), ["web", "<none>", "60m"]);
  const four = endpointsObject([
    { addresses: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"].map((ip) => ({ ip })), notReadyAddresses: [{ ip: "10.0.0.9" }], ports: [{ port: 80, protocol: "TCP" }] },
  ]);
  assert.deepEqual(printer.cells(four, now), ["web", "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...", "60m"]);
  const portless = endpointsObject([{ addresses: [{ ip: "10.0.0.1" }, { ip: "fd00::1" }] }]);
  assert.equal(printer.cells(portless, now)[1], "10.0.0.1,fd00::1");
  const v6 = endpointsObject([{ addresses: [{ ip: "fd00::1" }], ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP", name: "tcp" }] }]);
  assert.equal(printer.cells(v6, now)[1], "[fd00::1]:53,[fd00::1]:53");
  const onlyNotReady = endpointsObject([{ notReadyAddresses: [{ ip: "10.0.0.1" }], ports: [{ port: 80, protocol: "TCP" }] }]);
  assert.equal(printer.cells(onlyNotReady, now)[1], "");
});

// ---- EndpointSlice ----

function slice(extra: Record<string, unknown>): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "web-abc12", namespace: "default", creationTimestamp: created, labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    endpoints: [],
    ...extra,
  } as EndpointSlice;
}

test("EndpointSlice: ports get a name and TCP; addresses match the address type; at most 1000 endpoints and 100 ports", () => {
  const good = slice({
    endpoints: [{ addresses: ["10.244.1.5"], conditions: { ready: true, serving: true, terminating: false }, nodeName: "n1", targetRef: { kind: "Pod", name: "web-1" }, zone: "a" }],
    ports: [{ port: 8080 }],
  });
  applyDefaults(slices, good as KubeObject);
  assert.deepEqual(good.ports, [{ port: 8080, name: "", protocol: "TCP" }]);
  assert.deepEqual(validateObject(slices, good), []);

  const bad = slice({
    endpoints: [{ addresses: [] }, { addresses: ["fd00::1"], hostname: "web.1", hints: { forZones: [{ name: "a" }, { name: "a" }] } }],
    ports: [{ port: 80 }, { port: 81 }, { name: "Http", port: 82, appProtocol: "http" }],
  });
  applyDefaults(slices, bad as KubeObject);
  assert.deepEqual(messages(validateObject(slices, bad)), [
    "endpoints[0].addresses: Required value: must contain at least 1 address",
    'endpoints[1].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
    'endpoints[1].hostname: Invalid value: "web.1": must not contain dots',
    'endpoints[1].hints.forZones[1].name: Duplicate value: "a"',
    'ports[1].name: Duplicate value: ""',
    `ports[2].name: Invalid value: "Http": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  ]);

  const huge = slice({ endpoints: Array.from({ length: 1001 }, (_, i) => ({ addresses: [`10.1.${i >> 8}.${i & 255}`] })) });
  assert.deepEqual(messages(validateObject(slices, huge)), ["endpoints: Too many: 1001: must have at most 1000 items"]);
  const manyPorts = slice({ ports: Array.from({ length: 101 }, (_, i) => ({ name: `p${i}`, port: 1000 + i, protocol: "TCP" })) });
  assert.deepEqual(messages(validateObject(slices, manyPorts)), ["ports: Too many: 101: must have at most 100 items"]);

  const fqdn = slice({ addressType: "FQDN", endpoints: [{ addresses: ["db.example.com"] }, { addresses: ["localhost"] }] });
  assert.deepEqual(messages(validateObject(slices, fqdn)), ['endpoints[1].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots']);
  const retyped = slice({ addressType: "IPv6" });
  assert.deepEqual(messages(validateObject(slices, retyped, slice({}))), ['addressType: Invalid value: "IPv6": field is immutable']);
});

test("endpointslice rows: ports, addresses (ready or not), three at most, <unset> when none", () => {
  const printer = printerFor("EndpointSlice");
  assert.deepEqual(printer.cells(slice({}), now), ["web-abc12", "IPv4", "<unset>", "<unset>", "60m"]);
  const full = slice({
    endpoints: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"].map((a, i) => ({ addresses: [a], conditions: { ready: i > 0 } })),
    ports: [{ name: "http", port: 80, protocol: "TCP" }, { name: "all", protocol: "TCP" }, { name: "", protocol: "UDP" }],
  });
  assert.deepEqual(printer.cells(full, now), ["web-abc12", "IPv4", "80,all,*", "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...", "60m"]);
});
