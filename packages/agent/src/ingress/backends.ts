// An Ingress backend (a Service and one of its ports, by number or by name) to the
// addresses the proxy sends to: the Service's port gives the port's name, and the
// EndpointSlices of the Service record, under that name, the targetPort each pod
// resolved it to. The endpoints are read as the service proxy reads them
// (proxy/endpoints.ts), so both proxies agree on what a Service's endpoints are;
// the ingress proxy sends only to ready ones, as ingress-nginx does.
import type { EndpointSlice, Service, ServiceBackendPort, ServicePort } from "@bosun/api";
import { endpointsByServicePort, servicePortKey, type EndpointInfo } from "../proxy/endpoints.js";

/** One address of a backend. */
export interface BackendEndpoint {
  ip: string;
  port: number;
  /** "ip:port". */
  address: string;
}

export type BackendResolution =
  /** `key` names the Service port ("ns/name:port"), for balancing and logs; endpoints are sorted by address. */
  | { ok: true; key: string; endpoints: BackendEndpoint[] }
  /** Why nothing can be sent: a sentence for the 503 body and the log. */
  | { ok: false; message: string };

function describePort(port: ServiceBackendPort): string {
  if (port.name !== undefined && port.name !== "") return `port "${port.name}"`;
  return `port ${port.number ?? "(none)"}`;
}

function findPort(service: Service, wanted: ServiceBackendPort): ServicePort | undefined {
  const ports = service.spec?.ports ?? [];
  if (wanted.name !== undefined && wanted.name !== "") return ports.find((p) => p.name === wanted.name);
  if (wanted.number !== undefined && wanted.number !== 0) return ports.find((p) => p.port === wanted.number);
  return undefined;
}

/** The Services and their endpoints at one moment, indexed for the proxy's per-request lookups. */
export class ServiceBackends {
  private readonly services = new Map<string, Service>();
  private readonly endpoints: Map<string, EndpointInfo[]>;

  constructor(services: readonly Service[], slices: readonly EndpointSlice[]) {
    for (const svc of services) this.services.set(`${svc.metadata.namespace ?? "default"}/${svc.metadata.name ?? ""}`, svc);
    // The node name only marks endpoints local, which the ingress proxy does not use.
    this.endpoints = endpointsByServicePort(slices, "");
  }

  /** The ready endpoints of Service `name`'s `port` in `namespace`, or why there are none. */
  resolve(namespace: string, name: string, port: ServiceBackendPort): BackendResolution {
    const serviceName = `${namespace}/${name}`;
    const service = this.services.get(serviceName);
    if (service === undefined) return { ok: false, message: `service "${serviceName}" not found` };
    if (service.spec?.type === "ExternalName") {
      return { ok: false, message: `service "${serviceName}" is of type ExternalName, which Bosun's ingress proxy does not route to` };
    }
    const servicePort = findPort(service, port);
    if (servicePort === undefined) return { ok: false, message: `service "${serviceName}" has no ${describePort(port)}` };
    const protocol = servicePort.protocol ?? "TCP";
    if (protocol !== "TCP") {
      return { ok: false, message: `service "${serviceName}" ${describePort(port)} is ${protocol}; an Ingress needs a TCP port` };
    }
    const key = servicePort.name ? `${serviceName}:${servicePort.name}` : serviceName;
    const ready = (this.endpoints.get(servicePortKey({ name: key, protocol: "tcp" })) ?? []).filter((e) => e.ready);
    if (ready.length === 0) return { ok: false, message: `service "${serviceName}" ${describePort(port)} has no ready endpoints` };
    return { ok: true, key: `${serviceName}:${servicePort.port}`, endpoints: ready.map(({ ip, port: p, address }) => ({ ip, port: p, address })) };
  }
}
