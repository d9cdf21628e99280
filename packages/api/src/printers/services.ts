// The Service, Endpoints and EndpointSlice tables, as Kubernetes' printService,
// printEndpoints and printEndpointSlice compute them. Cells are computed as the
// apiserver computes them for a Table, which is always the wide form (nothing
// shortened); clients choose which columns to show.
import type { EndpointSlice, Endpoint, EndpointSlicePort } from "../types/discovery.js";
import type { Endpoints, Service, ServicePort } from "../types/services.js";
import { joinHostPort } from "../host-port.js";
import { age } from "./age.js";
import { ageColumn, column, labelsText, nameColumn, none, type Printer } from "./columns.js";

/** How many addresses a cell lists before "+ N more...". */
const listedAtMost = 3;

/** "80/TCP,443:30443/TCP", as makePortString. */
export function servicePortsText(ports: readonly ServicePort[] | undefined): string {
  return (ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? ""}` : `${p.port}/${p.protocol ?? ""}`)).join(",");
}

/** The load balancer's addresses, sorted and unique, as loadBalancerStatusStringer (wide: not shortened). */
export function loadBalancerText(ingress: readonly { ip?: string; hostname?: string }[] | undefined): string {
  const addresses = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) addresses.add(i.ip);
    else if (i.hostname) addresses.add(i.hostname);
  }
  return [...addresses].sort().join(",");
}

/** EXTERNAL-IP, as getServiceExternalIP. */
export function serviceExternalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type) {
    case "ClusterIP":
    case "NodePort":
      return external.length > 0 ? external.join(",") : none;
    case "LoadBalancer": {
      const lb = loadBalancerText(svc.status?.loadBalancer?.ingress);
      if (external.length > 0) return [...(lb ? lb.split(",") : []), ...external].join(",");
      return lb || "<pending>";
    }
    case "ExternalName":
      return spec.externalName ?? "";
    default:
      return "<unknown>";
  }
}

export const servicePrinter: Printer<Service> = {
  columns: [
    nameColumn,
    column(
      "Type",
      "string",
      'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "ClusterIP" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is "None", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "NodePort" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. "LoadBalancer" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. "ExternalName" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types',
    ),
    column(
      "Cluster-IP",
      "string",
      'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are "None", empty string (""), or a valid IP address. Setting this to "None" makes a "headless service" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies',
    ),
    column(
      "External-IP",
      "string",
      "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system.",
    ),
    column("Port(s)", "string", "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"),
    ageColumn,
    column(
      "Selector",
      "string",
      "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/",
      { priority: 1 },
    ),
  ],
  cells(svc, now) {
    const spec = svc.spec ?? {};
    return [
      svc.metadata.name ?? "",
      spec.type ?? "",
      spec.clusterIPs?.[0] ?? none,
      serviceExternalIP(svc),
      servicePortsText(spec.ports) || none,
      age(svc.metadata.creationTimestamp, now),
      labelsText(spec.selector),
    ];
  },
};

/** "10.0.0.1:80,10.0.0.2:80 + 1 more...", as formatEndpoints: ready addresses only, by port. */
export function endpointsText(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return none;
  const listed: string[] = [];
  let count = 0;
  let more = false;
  const add = (text: string) => {
    if (listed.length === listedAtMost) more = true;
    else listed.push(text);
  };
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    // A headless Service's endpoints may have no ports: the addresses alone.
    const ports = subset.ports ?? [];
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) add(a.ip);
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) add(joinHostPort(a.ip, port.port));
    }
  }
  const text = listed.join(",");
  return more ? `${text} + ${count - listedAtMost} more...` : text;
}

/** net.JoinHostPort: IPv6 addresses in brackets. */

export const endpointsPrinter: Printer<Endpoints> = {
  columns: [
    nameColumn,
    column(
      "Endpoints",
      "string",
      "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.",
    ),
    ageColumn,
  ],
  cells: (ep, now) => [ep.metadata.name ?? "", endpointsText(ep), age(ep.metadata.creationTimestamp, now)],
};

/** listWithMoreString: at most three, "+ N more...", "<unset>" when empty. */
function listWithMore(items: readonly string[]): string {
  const text = items.slice(0, listedAtMost).join(",");
  if (items.length > listedAtMost) return `${text} + ${items.length - listedAtMost} more...`;
  return text === "" ? "<unset>" : text;
}

/** The PORTS cell: numbers, a name for a port without one, "*" for neither. */
export function endpointSlicePortsText(ports: readonly EndpointSlicePort[] | undefined): string {
  return listWithMore((ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : p.name || "*")));
}

/** The ENDPOINTS cell: every address of every endpoint, ready or not. */
export function endpointSliceAddressesText(endpoints: readonly Endpoint[]): string {
  return listWithMore(endpoints.flatMap((e) => e.addresses));
}

export const endpointSlicePrinter: Printer<EndpointSlice> = {
  columns: [
    nameColumn,
    column(
      "AddressType",
      "string",
      "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.",
    ),
    column(
      "Ports",
      "string",
      'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
    ),
    column("Endpoints", "string", "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints."),
    ageColumn,
  ],
  cells: (slice, now) => [
    slice.metadata.name ?? "",
    slice.addressType,
    endpointSlicePortsText(slice.ports),
    endpointSliceAddressesText(slice.endpoints),
    age(slice.metadata.creationTimestamp, now),
  ],
};
