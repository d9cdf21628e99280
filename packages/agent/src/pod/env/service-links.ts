// The Services' environment variables, as the kubelet makes them
// (getServiceEnvVarMap in pkg/kubelet/kubelet_pods.go, envvars.FromServices):
// <SVC>_SERVICE_HOST and _SERVICE_PORT (and _SERVICE_PORT_<NAME> per named port),
// and Docker links' <SVC>_PORT, <SVC>_PORT_<port>_<PROTO> with _PROTO, _PORT and
// _ADDR. The `kubernetes` Service of `default` is always there, even with
// enableServiceLinks false, since in-cluster clients find the API by it; the other
// Services of the pod's own namespace only when enableServiceLinks is true.
import { joinHostPort, type Service } from "@bosun/api";

/** Where the Services come from: the agent's informer (cluster/informers.ts); tests pass a fake. */
export interface ServiceLister {
  /** Whether the Services were listed at least once. */
  hasSynced(): boolean;
  list(): Service[];
}

/** The API's Service, whose variables every pod gets. */
const masterService = { namespace: "default", name: "kubernetes" };

/** "my-svc" → "MY_SVC", as the kubelet's makeEnvVariableName (dots and leading digits stay). */
function variableName(name: string): string {
  return name.replaceAll("-", "_").toUpperCase();
}

/** A Service with a cluster IP: neither headless nor ExternalName. */
function hasClusterIP(service: Service): boolean {
  const ip = service.spec?.clusterIP ?? "";
  return ip !== "" && ip !== "None";
}

/** host:port, with brackets around an IPv6 host, as Go's net.JoinHostPort. */

/** envvars.FromServices: the variables of each Service, in the order given. */
export function serviceVariables(services: readonly Service[]): [string, string][] {
  const out: [string, string][] = [];
  for (const service of services) {
    if (!hasClusterIP(service)) continue;
    const ip = service.spec?.clusterIP ?? "";
    const ports = service.spec?.ports ?? [];
    const prefix = variableName(service.metadata.name ?? "");
    out.push([`${prefix}_SERVICE_HOST`, ip]);
    const first = ports[0];
    if (first === undefined) continue;
    out.push([`${prefix}_SERVICE_PORT`, String(first.port)]);
    for (const p of ports) if (p.name) out.push([`${prefix}_SERVICE_PORT_${variableName(p.name)}`, String(p.port)]);
    // Docker links' variables; Docker names the first port on its own too.
    ports.forEach((p, i) => {
      const protocol = p.protocol || "TCP";
      const url = `${protocol.toLowerCase()}://${joinHostPort(ip, p.port)}`;
      if (i === 0) out.push([`${prefix}_PORT`, url]);
      const portPrefix = `${prefix}_PORT_${p.port}_${protocol.toUpperCase()}`;
      out.push([portPrefix, url], [`${portPrefix}_PROTO`, protocol.toLowerCase()], [`${portPrefix}_PORT`, String(p.port)], [`${portPrefix}_ADDR`, ip]);
    });
  }
  return out;
}

/**
 * The variables a pod of `namespace` sees. Throws, as the kubelet does, while the
 * Services have not been listed yet: a container started then would miss
 * KUBERNETES_SERVICE_HOST for good. Without a lister (no API servers) there are none.
 */
export function serviceLinkVariables(namespace: string, enableServiceLinks: boolean, lister: ServiceLister | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (lister === undefined) return out;
  if (!lister.hasSynced()) throw new Error("services have not yet been read at least once, cannot construct envvars");
  const chosen = new Map<string, Service>();
  for (const service of lister.list()) {
    if (!hasClusterIP(service)) continue;
    const name = service.metadata.name ?? "";
    const ns = service.metadata.namespace ?? "";
    if (ns === masterService.namespace && name === masterService.name) {
      // As in the kubelet, a Service of that name in the pod's own namespace wins over the master one.
      if (!chosen.has(name)) chosen.set(name, service);
    } else if (ns === namespace && enableServiceLinks) {
      chosen.set(name, service);
    }
  }
  const ordered = [...chosen.values()].sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  for (const [name, value] of serviceVariables(ordered)) out.set(name, value);
  return out;
}
