// A small cluster for the DNS tests: Services and EndpointSlices as the apiserver
// and the EndpointSlice controller write them.
import type { Endpoint, EndpointSlice, EndpointSlicePort, Service, ServicePort, ServiceSpec } from "@bosun/api";

export function service(namespace: string, name: string, spec: ServiceSpec): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace }, spec };
}

export function slice(
  namespace: string,
  serviceName: string,
  endpoints: Endpoint[],
  ports: EndpointSlicePort[],
  addressType: EndpointSlice["addressType"] = "IPv4",
  suffix = "abcde",
): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${serviceName}-${suffix}`, namespace, labels: { "kubernetes.io/service-name": serviceName } },
    addressType,
    endpoints,
    ports,
  };
}

export function endpoint(ip: string, opts: { ready?: boolean; hostname?: string } = {}): Endpoint {
  const e: Endpoint = { addresses: [ip], targetRef: { kind: "Pod", namespace: "default", name: `pod-${ip}` } };
  if (opts.ready !== undefined) e.conditions = { ready: opts.ready, serving: opts.ready, terminating: false };
  if (opts.hostname !== undefined) e.hostname = opts.hostname;
  return e;
}

const http: ServicePort = { name: "http", protocol: "TCP", port: 80, targetPort: 8080 };
const dnsPort: ServicePort = { name: "dns", protocol: "UDP", port: 53, targetPort: 5353 };

/** The cluster most record tests ask about. */
export function testCluster() {
  const services = [
    service("default", "web", { type: "ClusterIP", clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10"], ports: [http, dnsPort], selector: { app: "web" } }),
    service("default", "db", { clusterIP: "None", clusterIPs: ["None"], ports: [{ name: "pg", protocol: "TCP", port: 5432 }], selector: { app: "db" } }),
    service("default", "ext", { type: "ExternalName", externalName: "example.com" }),
    service("default", "alias", { type: "ExternalName", externalName: "web.default.svc.cluster.local" }),
    service("default", "loop", { type: "ExternalName", externalName: "loop.default.svc.cluster.local" }),
    service("default", "ping", { type: "ExternalName", externalName: "pong.default.svc.cluster.local" }),
    service("default", "pong", { type: "ExternalName", externalName: "ping.default.svc.cluster.local" }),
    service("default", "lonely", { clusterIP: "None", ports: [{ name: "x", port: 1 }] }),
    service("default", "nr", { clusterIP: "None", publishNotReadyAddresses: true, ports: [{ name: "peer", port: 2380 }] }),
    service("other", "api", {
      clusterIP: "10.96.0.20",
      clusterIPs: ["10.96.0.20", "fd00:96::20"],
      ipFamilies: ["IPv4", "IPv6"],
      ports: [{ port: 443, protocol: "TCP" }],
    }),
  ];
  const endpointSlices = [
    slice(
      "default",
      "web",
      [endpoint("10.244.1.5", { ready: true }), endpoint("10.244.2.6", { ready: true }), endpoint("10.244.3.7", { ready: false })],
      [
        { name: "http", protocol: "TCP", port: 8080 },
        { name: "dns", protocol: "UDP", port: 5353 },
      ],
    ),
    slice(
      "default",
      "db",
      [
        endpoint("10.244.1.10", { ready: true, hostname: "db-0" }),
        endpoint("10.244.2.11", { ready: true, hostname: "db-1" }),
        // No conditions at all: unknown, which reads as ready.
        endpoint("10.244.3.12"),
        endpoint("10.244.3.13", { ready: false, hostname: "db-3" }),
      ],
      [{ name: "pg", protocol: "TCP", port: 5432 }],
    ),
    slice("default", "nr", [endpoint("10.244.1.20", { ready: false, hostname: "etcd-0" })], [{ name: "peer", protocol: "TCP", port: 2380 }]),
    slice("other", "api", [endpoint("10.244.2.30", { ready: true })], [{ protocol: "TCP", port: 6443 }]),
    slice("other", "api", [endpoint("fd00:244::30", { ready: true })], [{ protocol: "TCP", port: 6443 }], "IPv6", "v6"),
  ];
  return { services, endpointSlices };
}
