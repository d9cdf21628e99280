// `bosun describe` for Services, Ingresses and NetworkPolicies, line for line as
// kubectl 1.33's describers (k8s.io/kubectl/pkg/describe: describeService,
// describeIngressV1, describeNetworkPolicy). Endpoints come from the Service's
// EndpointSlices, as kubectl has read them since 1.31 (Endpoints are deprecated).
import {
  joinHostPort,
  loadBalancerText,
  selectorText,
  type EndpointSlice,
  type Event,
  type Ingress,
  type IngressBackend,
  type LabelSelectorSpec,
  type NetworkPolicy,
  type NetworkPolicyEgressRule,
  type NetworkPolicyIngressRule,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type Service,
} from "@bosun/api";
import { commonMeta, withEvents } from "./describe.js";
import { DescribeWriter, none } from "./describe-writer.js";

/** How many addresses an Endpoints line lists before "+ N more...". */
const listedAtMost = 3;

/** net.JoinHostPort: IPv6 addresses in brackets. */

/**
 * The ready endpoints of the slices for one Service port, by its name:
 * "10.244.0.5:8080,10.244.0.6:8080 + 2 more...", or <none> (kubectl's
 * formatEndpointSlices). An endpoint without a ready condition counts as ready, as
 * the EndpointSlice API says consumers should read it; a slice without ports (a
 * headless Service) lists bare addresses.
 */
export function endpointSlicesText(slices: readonly EndpointSlice[], portName: string): string {
  if (slices.length === 0) return none;
  const listed: string[] = [];
  let count = 0;
  let more = false;
  const add = (text: string) => {
    if (listed.length === listedAtMost) more = true;
    if (!more) listed.push(text);
    count++;
  };
  for (const slice of slices) {
    const ready = slice.endpoints.filter((e) => e.conditions?.ready !== false && e.addresses.length > 0);
    const ports = slice.ports ?? [];
    if (ports.length === 0) {
      for (const e of ready) add(e.addresses[0]!);
      continue;
    }
    for (const port of ports) {
      if ((port.name ?? "") !== portName) continue;
      for (const e of ready) add(port.port === undefined ? e.addresses[0]! : joinHostPort(e.addresses[0]!, port.port));
    }
  }
  const text = listed.join(",");
  return more ? `${text} + ${count - listedAtMost} more...` : text;
}

/** A Service's selector as labels.FormatLabels prints it. */
function selectorMapText(selector: Record<string, string> | undefined): string {
  return selectorText({ matchLabels: selector ?? {} });
}

export function describeService(svc: Service, slices: readonly EndpointSlice[], events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  const spec = svc.spec ?? {};
  commonMeta(w, svc);
  w.map(0, "Labels", svc.metadata.labels);
  w.map(0, "Annotations", svc.metadata.annotations, ": ");
  w.line(0, "Selector:", selectorMapText(spec.selector));
  w.line(0, "Type:", spec.type ?? "");
  if (spec.ipFamilyPolicy) w.line(0, "IP Family Policy:", spec.ipFamilyPolicy);
  w.line(0, "IP Families:", spec.ipFamilies?.length ? spec.ipFamilies.join(",") : none);
  w.line(0, "IP:", spec.clusterIP ?? "");
  w.line(0, "IPs:", spec.clusterIPs?.length ? spec.clusterIPs.join(",") : none);
  if (spec.externalIPs?.length) w.line(0, "External IPs:", spec.externalIPs.join(","));
  if (spec.loadBalancerIP) w.line(0, "Desired LoadBalancer IP:", spec.loadBalancerIP);
  if (spec.externalName) w.line(0, "External Name:", spec.externalName);
  const lbIngress = svc.status?.loadBalancer?.ingress ?? [];
  if (lbIngress.length > 0) w.line(0, "LoadBalancer Ingress:", lbIngress.map((i) => i.ip || i.hostname || "").join(", "));
  for (const port of spec.ports ?? []) {
    const name = port.name || "<unset>";
    const protocol = port.protocol ?? "";
    w.line(0, "Port:", name, `${port.port}/${protocol}`);
    w.line(0, "TargetPort:", `${port.targetPort ?? port.port}/${protocol}`);
    // kubectl 1.34 and later print the appProtocol; 1.33 leaves it out.
    if (port.appProtocol) w.line(0, "AppProtocol:", port.appProtocol);
    if (port.nodePort) w.line(0, "NodePort:", name, `${port.nodePort}/${protocol}`);
    w.line(0, "Endpoints:", endpointSlicesText(slices, port.name ?? ""));
  }
  w.line(0, "Session Affinity:", spec.sessionAffinity ?? "");
  if (spec.externalTrafficPolicy) w.line(0, "External Traffic Policy:", spec.externalTrafficPolicy);
  if (spec.internalTrafficPolicy) w.line(0, "Internal Traffic Policy:", spec.internalTrafficPolicy);
  if (spec.healthCheckNodePort) w.line(0, "HealthCheck NodePort:", String(spec.healthCheckNodePort));
  if (spec.loadBalancerSourceRanges?.length) w.line(0, "LoadBalancer Source Ranges:", spec.loadBalancerSourceRanges.join(","));
  return withEvents(w, events, now);
}

/** What describe knows of a Service an Ingress sends to: the Service and its slices, or why they could not be read. */
export type BackendService = { service: Service; slices: readonly EndpointSlice[] } | { error: string };

/** "web:80 (10.244.0.5:8080)", as describeBackendV1: the port's ready endpoints, found by the Service port's name. */
function backendText(backend: IngressBackend, services: ReadonlyMap<string, BackendService>): string {
  if (backend.service) {
    const { name, port } = backend.service;
    const label = `${name}:${port?.number ? port.number : (port?.name ?? "")}`;
    const found = services.get(name);
    if (!found || "error" in found) return `${label} (<error: ${found?.error ?? `services "${name}" not read`}>)`;
    let portName = "";
    for (const sp of found.service.spec?.ports ?? []) {
      if ((port?.number && port.number === sp.port) || (port?.name && port.name === sp.name)) portName = sp.name ?? "";
    }
    return `${label} (${endpointSlicesText(found.slices, portName)})`;
  }
  if (backend.resource) {
    const r = backend.resource;
    return `APIGroup: ${r.apiGroup ?? none}, Kind: ${r.kind}, Name: ${r.name}`;
  }
  return "";
}

/** The names of the Services an Ingress sends to, for the caller to read before describing it. */
export function ingressServiceNames(ing: Ingress): string[] {
  const backends = [ing.spec?.defaultBackend, ...(ing.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend))];
  return [...new Set(backends.flatMap((b) => (b?.service ? [b.service.name] : [])))];
}

export function describeIngress(ing: Ingress, services: ReadonlyMap<string, BackendService>, events: readonly Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  const spec = ing.spec ?? {};
  w.line(0, "Name:", ing.metadata.name ?? "");
  w.map(0, "Labels", ing.metadata.labels);
  w.line(0, "Namespace:", ing.metadata.namespace ?? "");
  w.line(0, "Address:", loadBalancerText(ing.status?.loadBalancer?.ingress));
  w.line(0, "Ingress Class:", spec.ingressClassName ?? none);
  const defaultBackend = spec.defaultBackend ? backendText(spec.defaultBackend, services) : "<default>";
  w.line(0, "Default backend:", defaultBackend);
  if (spec.tls?.length) {
    w.line(0, "TLS:");
    for (const t of spec.tls) {
      const hosts = (t.hosts ?? []).join(",");
      w.line(1, t.secretName ? `${t.secretName} terminates ${hosts}` : `SNI routes ${hosts}`);
    }
  }
  w.line(0, "Rules:");
  w.line(1, "Host", "Path", "Backends");
  w.line(1, "----", "----", "--------");
  const httpRules = (spec.rules ?? []).filter((r) => r.http);
  for (const rule of httpRules) {
    w.line(1, rule.host || "*", "");
    for (const path of rule.http!.paths) w.line(2, "", `${path.path ?? ""} `, backendText(path.backend, services));
  }
  if (httpRules.length === 0) w.line(1, "*", "*", defaultBackend);
  w.map(0, "Annotations", ing.metadata.annotations, ": ");
  return withEvents(w, events, now);
}

/** metav1.Time's String(), which kubectl's "Created on:" line prints. */
function goTime(timestamp: string | null | undefined): string {
  if (!timestamp) return "0001-01-01 00:00:00 +0000 UTC";
  const d = new Date(timestamp);
  if (Number.isNaN(d.getTime())) return timestamp;
  return `${d.toISOString().slice(0, 19).replace("T", " ")} +0000 UTC`;
}

/** "80/TCP", "8000-9000/UDP", "http/TCP", as kubectl prints a policy's port. */
function policyPortText(port: NetworkPolicyPort): string {
  const protocol = port.protocol ?? "TCP";
  const number = port.port === undefined ? "<nil>" : String(port.port);
  return port.endPort === undefined ? `To Port: ${number}/${protocol}` : `To Port Range: ${number}-${port.endPort}/${protocol}`;
}

function describePeers(w: DescribeWriter, indent: string, title: "From" | "To", peers: readonly NetworkPolicyPeer[]): void {
  for (const peer of peers) {
    w.line(0, `${indent}${title}:`);
    if (peer.podSelector && peer.namespaceSelector) {
      w.line(1, `${indent}NamespaceSelector: ${selectorText(peer.namespaceSelector)}`);
      w.line(1, `${indent}PodSelector: ${selectorText(peer.podSelector)}`);
    } else if (peer.podSelector) {
      w.line(1, `${indent}PodSelector: ${selectorText(peer.podSelector)}`);
    } else if (peer.namespaceSelector) {
      w.line(1, `${indent}NamespaceSelector: ${selectorText(peer.namespaceSelector)}`);
    } else if (peer.ipBlock) {
      w.line(1, `${indent}IPBlock:`);
      w.line(2, `${indent}CIDR: ${peer.ipBlock.cidr}`);
      w.line(2, `${indent}Except: ${(peer.ipBlock.except ?? []).join(", ")}`);
    }
  }
}

/** An ingress rule's `from` or an egress rule's `to`, as `peers`. */
type PolicyRule = { ports: NetworkPolicyPort[] | undefined; peers: NetworkPolicyPeer[] | undefined };

function describeRules(w: DescribeWriter, direction: "ingress" | "egress", rules: readonly PolicyRule[]): void {
  const indent = "    ";
  if (rules.length === 0) {
    w.line(0, `${indent}<none> (Selected pods are isolated for ${direction} connectivity)`);
    return;
  }
  rules.forEach((rule, i) => {
    if (!rule.ports?.length) w.line(0, `${indent}To Port: <any> (traffic allowed to all ports)`);
    for (const port of rule.ports ?? []) w.line(0, `${indent}${policyPortText(port)}`);
    if (!rule.peers?.length) {
      w.line(0, direction === "ingress" ? `${indent}From: <any> (traffic not restricted by source)` : `${indent}To: <any> (traffic not restricted by destination)`);
    } else {
      describePeers(w, indent, direction === "ingress" ? "From" : "To", rule.peers);
    }
    if (i !== rules.length - 1) w.line(0, `${indent}----------`);
  });
}

function podSelectorText(selector: LabelSelectorSpec | undefined): string {
  const empty = !Object.keys(selector?.matchLabels ?? {}).length && !(selector?.matchExpressions ?? []).length;
  return empty ? "<none> (Allowing the specific traffic to all pods in this namespace)" : selectorText(selector);
}

export function describeNetworkPolicy(np: NetworkPolicy): string {
  const w = new DescribeWriter();
  const spec = np.spec ?? {};
  commonMeta(w, np);
  w.line(0, "Created on:", goTime(np.metadata.creationTimestamp));
  w.map(0, "Labels", np.metadata.labels);
  w.map(0, "Annotations", np.metadata.annotations, ": ");
  w.line(0, "Spec:");
  // kubectl writes the selector at a deeper indent after the label, without a tab.
  w.line(1, `PodSelector:     ${podSelectorText(spec.podSelector)}`);
  const types = spec.policyTypes ?? [];
  if (types.includes("Ingress")) {
    w.line(1, "Allowing ingress traffic:");
    describeRules(w, "ingress", (spec.ingress ?? []).map((r: NetworkPolicyIngressRule) => ({ ports: r.ports, peers: r.from })));
  } else {
    w.line(1, "Not affecting ingress traffic");
  }
  if (types.includes("Egress")) {
    w.line(1, "Allowing egress traffic:");
    describeRules(w, "egress", (spec.egress ?? []).map((r: NetworkPolicyEgressRule) => ({ ports: r.ports, peers: r.to })));
  } else {
    w.line(1, "Not affecting egress traffic");
  }
  w.line(1, `Policy Types: ${types.join(", ") || none}`);
  return w.toString();
}
