// The semantic rules of the networking.k8s.io/v1 kinds, as Kubernetes'
// pkg/apis/networking/validation words them: Ingress (hosts, wildcard hosts, paths
// by pathType, backends), IngressClass (controller, parameters) and NetworkPolicy
// (selectors, peers, ports, ipBlock), run after defaulting.
import { cidrContains, parseCidrSloppy, parseIp } from "./cidr.js";
import { child, forbidden, index, invalidValue, notSupported, required, tooLong } from "./field-errors.js";
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isPathSegmentName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  regexError,
} from "./naming.js";
import type { StatusCause } from "./types/meta.js";
import type {
  HTTPIngressPath,
  Ingress,
  IngressBackend,
  IngressClass,
  IngressClassParametersReference,
  IngressLoadBalancerStatus,
  IPBlock,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
} from "./types/networking.js";
import { checkSelector } from "./validation-workloads.js";

/** The annotation that named an Ingress's class before spec.ingressClassName. */
export const legacyIngressClassAnnotation = "kubernetes.io/ingress.class";
const maxIngressClassControllerLength = 250;
const invalidPathSequences = ["//", "/./", "/../", "%2f", "%2F"];
const invalidPathSuffixes = ["/..", "/."];

// ---- Ingress ----

/** ValidateIngressCreate / ValidateIngressUpdate, and the status of a status write. */
export function validateIngress(ing: Ingress, old?: Ingress): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = ing.spec ?? {};
  const rules = spec.rules ?? [];
  if (rules.length === 0 && spec.defaultBackend === undefined) {
    causes.push(invalidValue("spec", rules, "either `defaultBackend` or `rules` must be specified"));
  }
  if (spec.defaultBackend !== undefined) causes.push(...validateBackend(spec.defaultBackend, "spec.defaultBackend"));
  // An update tolerates what an older Kubernetes let in under a wildcard host, as Kubernetes does.
  const tolerateWildcardRules = old !== undefined && wildcardRulesInvalid(old);
  rules.forEach((rule, i) => {
    const path = index("spec.rules", i);
    const host = rule.host ?? "";
    let wildcard = false;
    if (host !== "") {
      if (parseIp(host)) causes.push(invalidValue(child(path, "host"), host, "must be a DNS name, not an IP address"));
      wildcard = host.includes("*");
      const problems = wildcard ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const msg of problems) causes.push(invalidValue(child(path, "host"), host, msg));
    }
    if (!wildcard || !tolerateWildcardRules) causes.push(...validateRuleValue(rule.http, path));
  });
  const tolerateSecretNames = old !== undefined && (old.spec?.tls ?? []).some((t) => secretNameProblems(t.secretName).length > 0);
  (spec.tls ?? []).forEach((tls, i) => {
    const path = index("spec.tls", i);
    (tls.hosts ?? []).forEach((host, j) => {
      const problems = host.includes("*") ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const msg of problems) causes.push(invalidValue(index(child(path, "hosts"), j), host, msg));
    });
    if (!tolerateSecretNames) {
      for (const msg of secretNameProblems(tls.secretName)) causes.push(invalidValue(child(path, "secretName"), tls.secretName, msg));
    }
  });
  if (spec.ingressClassName !== undefined) {
    for (const msg of isDNS1123Subdomain(spec.ingressClassName)) causes.push(invalidValue("spec.ingressClassName", spec.ingressClassName, msg));
  }
  const annotated = ing.metadata.annotations?.[legacyIngressClassAnnotation];
  if (old === undefined && annotated !== undefined && spec.ingressClassName !== undefined && annotated !== spec.ingressClassName) {
    // The path is Kubernetes' own, "annotations" without "metadata.".
    causes.push(invalidValue(`annotations.${legacyIngressClassAnnotation}`, annotated, "must match `ingressClassName` when both are specified"));
  }
  causes.push(...validateLoadBalancerStatus(ing.status?.loadBalancer, "status.loadBalancer"));
  return causes;
}

function secretNameProblems(name: string | undefined): string[] {
  return name === undefined || name === "" ? [] : isDNS1123Subdomain(name);
}

function wildcardRulesInvalid(ing: Ingress): boolean {
  return (ing.spec?.rules ?? []).some((r) => (r.host ?? "").includes("*") && validateRuleValue(r.http, "").length > 0);
}

function validateRuleValue(http: { paths: HTTPIngressPath[] } | undefined, rulePath: string): StatusCause[] {
  if (http === undefined) return [];
  const path = child(rulePath, "http");
  const causes: StatusCause[] = [];
  if (http.paths.length === 0) causes.push(required(child(path, "paths")));
  http.paths.forEach((p, i) => causes.push(...validateHTTPPath(p, index(child(path, "paths"), i))));
  return causes;
}

function validateHTTPPath(p: HTTPIngressPath, path: string): StatusCause[] {
  if (p.pathType === undefined) return [required(child(path, "pathType"), "pathType must be specified")];
  const causes: StatusCause[] = [];
  const value = p.path ?? "";
  const pathField = child(path, "path");
  if (p.pathType === "Exact" || p.pathType === "Prefix") {
    if (!value.startsWith("/")) causes.push(invalidValue(pathField, value, "must be an absolute path"));
    if (value !== "") {
      for (const seq of invalidPathSequences) if (value.includes(seq)) causes.push(invalidValue(pathField, value, `must not contain '${seq}'`));
      for (const suffix of invalidPathSuffixes) if (value.endsWith(suffix)) causes.push(invalidValue(pathField, value, `cannot end with '${suffix}'`));
    }
  } else if (value !== "" && !value.startsWith("/")) {
    causes.push(invalidValue(pathField, value, "must be an absolute path"));
  }
  causes.push(...validateBackend(p.backend, child(path, "backend")));
  return causes;
}

/** validateIngressBackend: exactly one of service and resource; a service by name with a port by name or number. */
function validateBackend(backend: IngressBackend, path: string): StatusCause[] {
  if (backend.service !== undefined && backend.resource !== undefined) {
    return [invalidValue(path, "", "cannot set both resource and service backends")];
  }
  if (backend.resource !== undefined) {
    const ref = backend.resource;
    const causes = refNameProblems(ref.apiGroup, ref.kind, ref.name, child(path, "resource"));
    return causes;
  }
  if (backend.service === undefined) return [invalidValue(path, "", "resource or service backend is required")];
  const service = backend.service;
  const causes: StatusCause[] = [];
  const namePath = `${path}.service.name`;
  if (service.name === "") causes.push(required(namePath));
  else for (const msg of isDNS1035Label(service.name)) causes.push(invalidValue(namePath, service.name, msg));
  const portName = service.port?.name ?? "";
  const portNumber = service.port?.number ?? 0;
  if (portName !== "" && portNumber !== 0) causes.push(invalidValue(path, "", "cannot set both port name & port number"));
  else if (portName !== "") {
    for (const msg of isValidPortName(portName)) causes.push(invalidValue(`${path}.service.port.name`, portName, msg));
  } else if (portNumber !== 0) {
    for (const msg of isValidPortNum(portNumber)) causes.push(invalidValue(`${path}.service.port.number`, portNumber, msg));
  } else {
    causes.push(required(path, "port name or number is required"));
  }
  return causes;
}

/** apiGroup a DNS subdomain, kind and name required and usable as path segments. */
function refNameProblems(apiGroup: string | undefined, kind: string, name: string, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (apiGroup !== undefined) for (const msg of isDNS1123Subdomain(apiGroup)) causes.push(invalidValue(child(path, "apiGroup"), apiGroup, msg));
  for (const [field, value] of [["kind", kind], ["name", name]] as const) {
    if (value === "") causes.push(required(child(path, field)));
    else for (const msg of isPathSegmentName(value)) causes.push(invalidValue(child(path, field), value, msg));
  }
  return causes;
}

/** ValidateIngressLoadBalancerStatus: addresses are IPs, host names are DNS names and not IPs. */
function validateLoadBalancerStatus(status: IngressLoadBalancerStatus | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (status?.ingress ?? []).forEach((ingress, i) => {
    const p = index(child(path, "ingress"), i);
    if (ingress.ip !== undefined && ingress.ip !== "" && !parseIp(ingress.ip)) {
      causes.push(invalidValue(child(p, "ip"), ingress.ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
    }
    const hostname = ingress.hostname ?? "";
    if (hostname !== "") {
      for (const msg of isDNS1123Subdomain(hostname)) causes.push(invalidValue(child(p, "hostname"), hostname, msg));
      if (parseIp(hostname)) causes.push(invalidValue(child(p, "hostname"), hostname, "must be a DNS name, not an IP address"));
    }
  });
  return causes;
}

// ---- IngressClass ----

/** ValidateIngressClass and, with `old`, ValidateIngressClassUpdate (the controller is immutable). */
export function validateIngressClass(ic: IngressClass, old?: IngressClass): StatusCause[] {
  const causes: StatusCause[] = [];
  const controller = ic.spec?.controller ?? "";
  if (old !== undefined && controller !== (old.spec?.controller ?? "")) {
    causes.push(invalidValue("spec.controller", controller, "field is immutable"));
  }
  if (controller === "") causes.push(required("spec.controller"));
  else {
    if (controller.length > maxIngressClassControllerLength) causes.push(tooLong("spec.controller", maxIngressClassControllerLength));
    causes.push(...domainPrefixedPathProblems(controller, "spec.controller"));
  }
  if (ic.spec?.parameters !== undefined) causes.push(...validateParameters(ic.spec.parameters, "spec.parameters"));
  return causes;
}

const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const httpPathRe = new RegExp(`^${httpPathFmt}$`);

/** IsDomainPrefixedPath: "example.com/ingress-controller". */
function domainPrefixedPathProblems(value: string, path: string): StatusCause[] {
  const slash = value.indexOf("/");
  const host = slash < 0 ? value : value.slice(0, slash);
  const rest = slash < 0 ? "" : value.slice(slash + 1);
  if (slash < 0 || host === "" || rest === "") {
    return [invalidValue(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  }
  const causes = isDNS1123Subdomain(host).map((msg) => invalidValue(path, host, msg));
  if (!httpPathRe.test(rest)) causes.push(invalidValue(path, rest, regexError("Invalid path", httpPathFmt)));
  return causes;
}

function validateParameters(params: IngressClassParametersReference, path: string): StatusCause[] {
  const causes = refNameProblems(params.apiGroup, params.kind, params.name, path);
  if (params.scope === undefined) {
    causes.push(required(child(path, "scope")));
    return causes;
  }
  if (params.scope !== "Cluster" && params.scope !== "Namespace") {
    causes.push(notSupported(child(path, "scope"), params.scope, ["Cluster", "Namespace"]));
  } else if (params.scope === "Namespace") {
    if (params.namespace === undefined) causes.push(required(child(path, "namespace"), "`parameters.scope` is set to 'Namespace'"));
    else for (const msg of isDNS1123Label(params.namespace)) causes.push(invalidValue(child(path, "namespace"), params.namespace, msg));
  } else if (params.namespace !== undefined) {
    causes.push(forbidden(child(path, "namespace"), "`parameters.scope` is set to 'Cluster'"));
  }
  return causes;
}

// ---- NetworkPolicy ----

/**
 * ValidateNetworkPolicy and, with `old`, ValidateNetworkPolicyUpdate, which lets
 * through the CIDRs the stored policy already held, however they are written.
 */
export function validateNetworkPolicy(np: NetworkPolicy, old?: NetworkPolicy): StatusCause[] {
  const spec = np.spec ?? {};
  const allowedCidrs = new Set(old === undefined ? [] : cidrsOf(old));
  const causes: StatusCause[] = [];
  if (spec.podSelector !== undefined) causes.push(...checkSelector(spec.podSelector, "spec.podSelector").causes);
  (spec.ingress ?? []).forEach((rule, i) => {
    const path = index("spec.ingress", i);
    (rule.ports ?? []).forEach((port, j) => causes.push(...validatePolicyPort(port, index(child(path, "ports"), j))));
    (rule.from ?? []).forEach((peer, j) => causes.push(...validatePeer(peer, index(child(path, "from"), j), allowedCidrs)));
  });
  (spec.egress ?? []).forEach((rule, i) => {
    const path = index("spec.egress", i);
    (rule.ports ?? []).forEach((port, j) => causes.push(...validatePolicyPort(port, index(child(path, "ports"), j))));
    (rule.to ?? []).forEach((peer, j) => causes.push(...validatePeer(peer, index(child(path, "to"), j), allowedCidrs)));
  });
  const types = spec.policyTypes ?? [];
  if (types.length > 2) causes.push(invalidValue("spec.policyTypes", types, "may not specify more than two policyTypes"));
  return causes;
}

function cidrsOf(np: NetworkPolicy): string[] {
  const peers = [...(np.spec?.ingress ?? []).flatMap((r) => r.from ?? []), ...(np.spec?.egress ?? []).flatMap((r) => r.to ?? [])];
  return peers.flatMap((p) => (p.ipBlock ? [p.ipBlock.cidr, ...(p.ipBlock.except ?? [])] : []));
}

function validatePolicyPort(port: NetworkPolicyPort, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const endPortPath = child(path, "endPort");
  if (port.port === undefined) {
    if (port.endPort !== undefined) causes.push(invalidValue(endPortPath, port.endPort, "may not be specified when `port` is not specified"));
  } else if (typeof port.port === "number") {
    for (const msg of isValidPortNum(port.port)) causes.push(invalidValue(child(path, "port"), port.port, msg));
    if (port.endPort !== undefined) {
      if (port.endPort < port.port) causes.push(invalidValue(endPortPath, port.endPort, "must be greater than or equal to `port`"));
      for (const msg of isValidPortNum(port.endPort)) causes.push(invalidValue(endPortPath, port.endPort, msg));
    }
  } else {
    if (port.endPort !== undefined) causes.push(invalidValue(endPortPath, port.endPort, "may not be specified when `port` is non-numeric"));
    for (const msg of isValidPortName(port.port)) causes.push(invalidValue(child(path, "port"), port.port, msg));
  }
  return causes;
}

/** A peer is pods, namespaces (or both), or an IP block alone. */
function validatePeer(peer: NetworkPolicyPeer, path: string, allowedCidrs: Set<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  let peers = 0;
  if (peer.podSelector !== undefined) {
    peers++;
    causes.push(...checkSelector(peer.podSelector, child(path, "podSelector")).causes);
  }
  if (peer.namespaceSelector !== undefined) {
    peers++;
    causes.push(...checkSelector(peer.namespaceSelector, child(path, "namespaceSelector")).causes);
  }
  if (peer.ipBlock !== undefined) {
    peers++;
    causes.push(...validateIPBlock(peer.ipBlock, child(path, "ipBlock"), allowedCidrs));
  }
  if (peers === 0) causes.push(required(path, "must specify a peer"));
  else if (peers > 1 && peer.ipBlock !== undefined) causes.push(forbidden(path, "may not specify both ipBlock and another peer"));
  return causes;
}

const cidrMessage = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

/** ValidateIPBlock: a CIDR, and exceptions that are strict subsets of it. */
function validateIPBlock(block: IPBlock, path: string, allowedCidrs: Set<string>): StatusCause[] {
  if (block.cidr === "") return [required(child(path, "cidr"))];
  const cidr = parseCidrSloppy(block.cidr);
  if (cidr === undefined) return allowedCidrs.has(block.cidr) ? [] : [invalidValue(child(path, "cidr"), block.cidr, cidrMessage)];
  const causes: StatusCause[] = [];
  (block.except ?? []).forEach((text, i) => {
    const exceptPath = index(child(path, "except"), i);
    const except = parseCidrSloppy(text);
    if (except === undefined) {
      if (!allowedCidrs.has(text)) causes.push(invalidValue(exceptPath, text, cidrMessage));
      return;
    }
    if (!cidrContains(cidr, except) || cidr.prefixLength >= except.prefixLength) {
      causes.push(invalidValue(exceptPath, text, "must be a strict subset of `cidr`"));
    }
  });
  return causes;
}
