// What the ingress proxy does with a request, decided from the cluster's objects at
// one moment: send it to a backend's ready endpoints, or answer 404 (no rule and
// no default backend) or 503 (a backend that cannot be reached: no such Service or
// port, no ready endpoint, or a kind of backend Bosun does not serve). Pure; the
// server asks it once per request and builds a new one when the objects change.
import type { EndpointSlice, Ingress, IngressClass, Service } from "@bosun/api";
import { ServiceBackends, type BackendEndpoint } from "./backends.js";
import { bosunIngresses, bosunIngressClassName, buildRoutingTable, matchRoute, normalizeHost, type RoutingTable } from "./routes.js";
import { buildTlsHosts, tlsSecretFor, type TlsHosts, type TlsSecretRef } from "./tls.js";

/** The cluster's objects the ingress proxy reads: Ingresses of every class (it keeps its own). */
export interface IngressObjects {
  ingresses: readonly Ingress[];
  ingressClasses: readonly IngressClass[];
  services: readonly Service[];
  endpointSlices: readonly EndpointSlice[];
}

export type RouteDecision =
  /** `backend` is "ns/service:port"; `endpoints` are ready, sorted by address, never empty. */
  | { action: "proxy"; backend: string; endpoints: readonly BackendEndpoint[] }
  /** `message` is the short text body: what is missing. */
  | { action: "respond"; status: 404 | 503; message: string };

export class IngressRouter {
  readonly table: RoutingTable;
  readonly tlsHosts: TlsHosts;
  private readonly backends: ServiceBackends;

  constructor(objects: IngressObjects) {
    this.table = buildRoutingTable(objects.ingresses, objects.ingressClasses);
    this.tlsHosts = buildTlsHosts(bosunIngresses(objects.ingresses, objects.ingressClasses));
    this.backends = new ServiceBackends(objects.services, objects.endpointSlices);
  }

  /** An empty router: every request gets 404. */
  static empty(): IngressRouter {
    return new IngressRouter({ ingresses: [], ingressClasses: [], services: [], endpointSlices: [] });
  }

  /** What to do with a request for `hostHeader` and `requestPath` (normalized, without query). */
  route(hostHeader: string | undefined, requestPath: string): RouteDecision {
    const match = matchRoute(this.table, hostHeader, requestPath);
    if (match === undefined) {
      const host = normalizeHost(hostHeader);
      return {
        action: "respond",
        status: 404,
        message: `no Ingress of class "${bosunIngressClassName}" has a rule for host "${host}" and path "${requestPath}", and none has a defaultBackend`,
      };
    }
    const backend = match.backend;
    if (backend.type === "unsupported") return { action: "respond", status: 503, message: backend.message };
    const resolved = this.backends.resolve(backend.ingress.namespace, backend.service, backend.port);
    if (!resolved.ok) {
      return { action: "respond", status: 503, message: `Ingress ${backend.ingress.namespace}/${backend.ingress.name}: ${resolved.message}` };
    }
    return { action: "proxy", backend: resolved.key, endpoints: resolved.endpoints };
  }

  /** The Secret whose certificate serves `serverName`, if an Ingress names one. */
  tlsSecretFor(serverName: string | undefined): TlsSecretRef | undefined {
    return tlsSecretFor(this.tlsHosts, serverName);
  }

  /** Every Secret the Ingresses name for TLS, once each. */
  secretsNamed(): TlsSecretRef[] {
    const { exact, wildcard, fallback } = this.tlsHosts;
    const byName = new Map<string, TlsSecretRef>();
    for (const ref of [...exact.values(), ...wildcard.values(), ...(fallback ? [fallback] : [])]) byName.set(`${ref.namespace}/${ref.name}`, ref);
    return [...byName.values()];
  }
}
