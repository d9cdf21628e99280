// The semantic rules of Services, Endpoints and EndpointSlices, as Kubernetes'
// ValidateService, ValidateServiceUpdate and ValidateEndpoints
// (pkg/apis/core/validation) and ValidateEndpointSlice (pkg/apis/discovery/validation)
// word them, run after defaulting. Values Kubernetes accepts but Bosun cannot serve
// yet (type LoadBalancer, SCTP, the load-balancer fields, IPv6 and dual-stack
// Services) are refused here by path, saying so. That no two Services hold one
// cluster IP or node port, and that they lie in the configured ranges, is the
// apiserver's allocator's job, which sees every Service.
import { parseIp } from "./cidr.js";
import { child, duplicate, forbidden, index, invalidValue, required, tooMany } from "./field-errors.js";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortNum,
} from "./naming.js";
import type { EndpointSlice, EndpointHints, EndpointSlicePort } from "./types/discovery.js";
import type { StatusCause } from "./types/meta.js";
import {
  clusterIPNone,
  type EndpointAddress,
  type EndpointPort,
  type Endpoints,
  type Service,
  type ServicePort,
  type ServiceSpec,
  type SessionAffinityConfig,
} from "./types/services.js";
import { validateLabels, validatePortNumOrName } from "./validation.js";

/** Kubernetes' MaxClientIPServiceAffinitySeconds: a day. */
export const maxClientIPAffinitySeconds = 86400;
/** Kubernetes' limits on one EndpointSlice. */
export const maxEndpointsPerSlice = 1000;
export const maxPortsPerSlice = 100;
const maxAddressesPerEndpoint = 100;
const maxTopologyLabels = 16;
const maxHints = 8;

const onlyLoadBalancer = "may only be used when `type` is 'LoadBalancer'";
const noLoadBalancers =
  "Bosun has no load-balancer provider, so load-balancer fields are not supported yet; remove the field (use type NodePort, or ClusterIP behind an Ingress)";

// ---- helpers ----

/** A cause whose value is already rendered, as Go's %#v renders slices and structs in field errors. */
function invalidShown(field: string, shown: string, detail: string): StatusCause {
  return { reason: "FieldValueInvalid", message: `Invalid value: ${shown}: ${detail}`, field };
}

function goStrings(type: string, values: readonly string[] | undefined): string {
  return `[]${type}{${(values ?? []).map((v) => JSON.stringify(v)).join(", ")}}`;
}

function validateDNS1123Label(value: string, path: string): StatusCause[] {
  return isDNS1123Label(value).map((msg) => invalidValue(path, value, msg));
}

function validateQualifiedName(value: string, path: string): StatusCause[] {
  return isQualifiedName(value).map((msg) => invalidValue(path, value, msg));
}

/** validation.IsValidIP: any IPv4 or IPv6 address. */
export function validateIP(value: string, path: string): StatusCause[] {
  return parseIp(value) ? [] : [invalidValue(path, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")];
}

/**
 * ValidateNonSpecialIP: an address a Service or endpoint may point at, which rules
 * out the unspecified, loopback and link-local addresses (node-local by nature).
 */
export function validateNonSpecialIP(value: string, path: string): StatusCause[] {
  const ip = parseIp(value);
  if (!ip) return [invalidValue(path, value, "must be a valid IP address")];
  const v = ip.value;
  const causes: StatusCause[] = [];
  const v4 = ip.family === 4;
  if (v === 0n) causes.push(invalidValue(path, value, `may not be unspecified (${value})`));
  if (v4 ? v >> 24n === 127n : v === 1n) causes.push(invalidValue(path, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  if (v4 ? v >> 16n === 0xa9fen : v >> 118n === 0x3fan) {
    causes.push(invalidValue(path, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
  }
  if (v4 ? v >> 8n === 0xe00000n : v >> 112n === 0xff02n) {
    causes.push(invalidValue(path, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
  }
  return causes;
}

function validateNodeName(value: string, path: string): StatusCause[] {
  return isDNS1123Subdomain(value).map((msg) => invalidValue(path, value, msg));
}

// ---- Service ----

export function isHeadlessService(spec: ServiceSpec | undefined): boolean {
  return spec?.clusterIPs?.length === 1 && spec.clusterIPs[0] === clusterIPNone;
}

/** apiservice.ExternallyAccessible: reachable from outside the cluster, so externalTrafficPolicy applies. */
export function isExternallyAccessible(spec: ServiceSpec | undefined): boolean {
  const type = spec?.type;
  return type === "LoadBalancer" || type === "NodePort" || (type === "ClusterIP" && (spec?.externalIPs?.length ?? 0) > 0);
}

function needsHealthCheck(spec: ServiceSpec): boolean {
  return spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local";
}

/** All problems with `svc` (defaults applied); with `old`, also those of the update. */
export function validateService(svc: Service, old?: Service): StatusCause[] {
  const causes: StatusCause[] = [];
  if (old !== undefined) causes.push(...validateServiceUpdate(svc.spec ?? {}, old.spec ?? {}));
  const spec = svc.spec ?? {};
  const ports = spec.ports ?? [];
  const headless = isHeadlessService(spec);

  if (ports.length === 0 && !headless && spec.type !== "ExternalName") causes.push(required("spec.ports"));
  switch (spec.type) {
    case "LoadBalancer":
    case "NodePort":
      if (headless) causes.push(invalidValue("spec.clusterIPs[0]", clusterIPNone, `may not be set to 'None' for ${spec.type} services`));
      break;
    case "ExternalName": {
      if ((spec.clusterIPs?.length ?? 0) > 0) causes.push(forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
      if ((spec.ipFamilies?.length ?? 0) > 0) causes.push(forbidden("spec.ipFamilies", "may not be set for ExternalName services"));
      if (spec.ipFamilyPolicy !== undefined) causes.push(forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"));
      // A CNAME may end in a dot, as a fully qualified name does.
      const cname = (spec.externalName ?? "").replace(/\.$/, "");
      if (cname === "") causes.push(required("spec.externalName"));
      else for (const msg of isDNS1123Subdomain(cname)) causes.push(invalidValue("spec.externalName", cname, msg));
      break;
    }
  }

  const names = new Set<string>();
  ports.forEach((port, i) => causes.push(...validateServicePort(port, ports.length > 1, names, index("spec.ports", i))));
  if (spec.selector !== undefined) causes.push(...validateLabels(spec.selector, "spec.selector"));

  if (spec.sessionAffinity === undefined) causes.push(required("spec.sessionAffinity"));
  else if (spec.sessionAffinity === "ClientIP") causes.push(...validateClientIPAffinity(spec.sessionAffinityConfig));
  else if (spec.sessionAffinityConfig !== undefined) {
    causes.push(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"));
  }

  causes.push(...validateClusterIPsRelatedFields(spec));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    const path = index("spec.externalIPs", i);
    const invalid = validateIP(ip, path);
    causes.push(...(invalid.length > 0 ? invalid : validateNonSpecialIP(ip, path)));
  });

  if (spec.type === undefined) causes.push(required("spec.type"));
  else if (spec.type === "LoadBalancer") {
    causes.push({
      reason: "FieldValueNotSupported",
      message:
        'Unsupported value: "LoadBalancer": Bosun does not support Services of type LoadBalancer yet (it has no load-balancer provider); use "NodePort", or "ClusterIP" behind an Ingress',
      field: "spec.type",
    });
  }
  if (spec.type === "ClusterIP") {
    ports.forEach((port, i) => {
      if (port.nodePort) causes.push(forbidden(child(index("spec.ports", i), "nodePort"), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  causes.push(...duplicatePorts(ports));
  causes.push(...validateLoadBalancerFields(spec));
  causes.push(...validateTrafficPolicies(spec));
  causes.push(...validateServiceStatus(svc));
  return causes;
}

function validateServicePort(port: ServicePort, requireName: boolean, names: Set<string>, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = port.name ?? "";
  if (requireName && name === "") causes.push(required(child(path, "name")));
  else if (name !== "") {
    causes.push(...validateDNS1123Label(name, child(path, "name")));
    if (names.has(name)) causes.push(duplicate(child(path, "name"), name));
    names.add(name);
  }
  for (const msg of isValidPortNum(port.port)) causes.push(invalidValue(child(path, "port"), port.port, msg));
  if (port.protocol === undefined) causes.push(required(child(path, "protocol")));
  else if (port.protocol === "SCTP") causes.push(sctpNotSupported(child(path, "protocol")));
  if (port.targetPort !== undefined) causes.push(...validatePortNumOrName(port.targetPort, child(path, "targetPort")));
  if (port.appProtocol !== undefined) causes.push(...validateQualifiedName(port.appProtocol, child(path, "appProtocol")));
  return causes;
}

function sctpNotSupported(path: string): StatusCause {
  return {
    reason: "FieldValueNotSupported",
    message: 'Unsupported value: "SCTP": Bosun does not support SCTP Services yet; use "TCP" or "UDP"',
    field: path,
  };
}

function validateClientIPAffinity(config: SessionAffinityConfig | undefined): StatusCause[] {
  const path = "spec.sessionAffinityConfig";
  const when = "when session affinity type is ClientIP";
  if (config === undefined) return [required(path, when)];
  if (config.clientIP === undefined) return [required(child(path, "clientIP"), when)];
  const timeout = config.clientIP.timeoutSeconds;
  const timeoutPath = `${path}.clientIP.timeoutSeconds`;
  if (timeout === undefined) return [required(timeoutPath, when)];
  if (timeout <= 0 || timeout > maxClientIPAffinitySeconds) {
    return [invalidValue(timeoutPath, timeout, `must be greater than 0 and less than ${maxClientIPAffinitySeconds}`)];
  }
  return [];
}

/** ValidateServiceClusterIPsRelatedFields: clusterIP, clusterIPs, ipFamilies and ipFamilyPolicy agree. */
function validateClusterIPsRelatedFields(spec: ServiceSpec): StatusCause[] {
  // ExternalName has already been checked to hold none of them.
  if (spec.type === "ExternalName") return [];
  const causes: StatusCause[] = [];
  const clusterIP = spec.clusterIP ?? "";
  const clusterIPs = spec.clusterIPs ?? [];
  const shownIPs = goStrings("string", clusterIPs);
  if (clusterIP !== "") {
    if (clusterIPs.length === 0) causes.push(required("spec.clusterIPs"));
    else if (clusterIPs[0] !== clusterIP) causes.push(invalidShown("spec.clusterIPs", shownIPs, "first value must match `clusterIP`"));
  } else if (clusterIPs.length > 0) {
    causes.push(invalidShown("spec.clusterIPs", shownIPs, "must be empty when `clusterIP` is not specified"));
  }

  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((family, i) => {
    if (seen.has(family)) causes.push(duplicate(index("spec.ipFamilies", i), family));
    seen.add(family);
  });

  let invalidIPs = false;
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === clusterIPNone) {
      if (clusterIPs.length > 1) {
        invalidIPs = true;
        causes.push(invalidShown("spec.clusterIPs", shownIPs, "'None' must be the first and only value"));
      }
      return;
    }
    const problems = validateIP(ip, index("spec.clusterIPs", i));
    if (problems.length > 0) invalidIPs = true;
    causes.push(...problems);
  });
  if (clusterIPs.length > 2) causes.push(invalidShown("spec.clusterIPs", shownIPs, "may only hold up to 2 values"));
  // A bad address would skew what follows (its index, its family): stop here, as Kubernetes does.
  if (invalidIPs) return causes;

  if (clusterIPs.length > 1) {
    const families = new Set(clusterIPs.map((ip) => parseIp(ip)?.family));
    if (families.size !== clusterIPs.length) {
      causes.push(invalidShown("spec.clusterIPs", shownIPs, "may specify no more than one IP for each IP family"));
    }
  }
  if (!isHeadlessService(spec)) {
    clusterIPs.forEach((ip, i) => {
      const family = spec.ipFamilies?.[i];
      const isV6 = parseIp(ip)?.family === 6;
      if (family === "IPv4" && isV6) causes.push(invalidValue(index("spec.clusterIPs", i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (family === "IPv6" && !isV6) causes.push(invalidValue(index("spec.clusterIPs", i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  causes.push(...singleStackIPv4Only(spec));
  return causes;
}

/**
 * Bosun's service network is IPv4 only (--service-cluster-ip-range), so a Service
 * may ask for nothing else, in the words of Kubernetes' allocator on a cluster
 * configured so.
 */
function singleStackIPv4Only(spec: ServiceSpec): StatusCause[] {
  const causes: StatusCause[] = [];
  if (spec.ipFamilyPolicy === "RequireDualStack") {
    causes.push(invalidValue("spec.ipFamilyPolicy", spec.ipFamilyPolicy, "this cluster is not configured for dual-stack services"));
  }
  (spec.ipFamilies ?? []).forEach((family, i) => {
    if (family !== "IPv4") causes.push(invalidValue(index("spec.ipFamilies", i), family, "not configured on this cluster: Bosun's service network is IPv4 only"));
  });
  return causes;
}

/** Two ports may not share a (protocol, port), nor a (protocol, nodePort). */
function duplicatePorts(ports: readonly ServicePort[]): StatusCause[] {
  const causes: StatusCause[] = [];
  const nodePorts = new Set<string>();
  ports.forEach((port, i) => {
    if (!port.nodePort) return;
    const k = `${port.protocol ?? ""}/${port.nodePort}`;
    if (nodePorts.has(k)) causes.push(duplicate(child(index("spec.ports", i), "nodePort"), port.nodePort));
    nodePorts.add(k);
  });
  const seen = new Set<string>();
  ports.forEach((port, i) => {
    const k = `${port.protocol ?? ""}/${port.port}`;
    if (seen.has(k)) {
      // Kubernetes prints the key, a core.ServicePort, with Go's %#v.
      const shown =
        `core.ServicePort{Name:"", Protocol:${JSON.stringify(port.protocol ?? "")}, AppProtocol:(*string)(nil), Port:${port.port}, ` +
        `TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
      causes.push({ reason: "FieldValueDuplicate", message: `Duplicate value: ${shown}`, field: index("spec.ports", i) });
    }
    seen.add(k);
  });
  return causes;
}

/**
 * The load-balancer fields: with another type, Kubernetes' own refusals; loadBalancerIP,
 * which Kubernetes ignores there, is refused too rather than stored for nothing.
 * With type LoadBalancer, spec.type has already been refused.
 */
function validateLoadBalancerFields(spec: ServiceSpec): StatusCause[] {
  if (spec.type === "LoadBalancer") return [];
  const causes: StatusCause[] = [];
  if ((spec.loadBalancerSourceRanges?.length ?? 0) > 0) causes.push(forbidden("spec.LoadBalancerSourceRanges", onlyLoadBalancer));
  if (spec.allocateLoadBalancerNodePorts !== undefined) causes.push(forbidden("spec.allocateLoadBalancerNodePorts", onlyLoadBalancer));
  if (spec.loadBalancerClass !== undefined) causes.push(forbidden("spec.loadBalancerClass", onlyLoadBalancer));
  if (spec.loadBalancerIP !== undefined && spec.loadBalancerIP !== "") causes.push(forbidden("spec.loadBalancerIP", noLoadBalancers));
  return causes;
}

function validateTrafficPolicies(spec: ServiceSpec): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!isExternallyAccessible(spec)) {
    if (spec.externalTrafficPolicy !== undefined) {
      causes.push(invalidValue("spec.externalTrafficPolicy", spec.externalTrafficPolicy, "may only be set for externally-accessible services"));
    }
  } else if (spec.externalTrafficPolicy === undefined) {
    causes.push(required("spec.externalTrafficPolicy"));
  }
  if (!needsHealthCheck(spec) && spec.healthCheckNodePort !== undefined && spec.healthCheckNodePort !== 0) {
    causes.push(
      invalidValue("spec.healthCheckNodePort", spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"),
    );
  }
  // Not required of ExternalName, for the sake of objects stored before the field existed.
  if (spec.internalTrafficPolicy === undefined && spec.type !== "ExternalName" && spec.type !== undefined) {
    causes.push(required("spec.internalTrafficPolicy"));
  }
  return causes;
}

/** ValidateLoadBalancerStatus: a load balancer's addresses belong to Services of type LoadBalancer only. */
function validateServiceStatus(svc: Service): StatusCause[] {
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  if (ingress.length > 0 && svc.spec?.type !== "LoadBalancer") {
    return [forbidden("status.loadBalancer.ingress", "may only be used when `spec.type` is 'LoadBalancer'")];
  }
  return [];
}

/**
 * What an update may not change: the cluster IPs and IP families, except to, from
 * or on ExternalName, or between headless and not (ValidateServiceUpdate).
 */
function validateServiceUpdate(spec: ServiceSpec, old: ServiceSpec): StatusCause[] {
  if (spec.type === "ExternalName" || old.type === "ExternalName") return [];
  return [...clusterIPsUpdate(spec, old), ...ipFamiliesUpdate(spec, old)];
}

function clusterIPsUpdate(spec: ServiceSpec, old: ServiceSpec): StatusCause[] {
  if (isHeadlessService(spec) && isHeadlessService(old)) return [];
  const before = old.clusterIPs ?? [];
  const after = spec.clusterIPs ?? [];
  const shown = goStrings("string", after);
  const causes: StatusCause[] = [];
  if (before.length === after.length) {
    before.forEach((ip, i) => {
      if (ip !== after[i]) causes.push(invalidShown(index("spec.clusterIPs", i), shown, "may not change once set"));
    });
  } else if (before.length > after.length) {
    if (after.length === 0) causes.push(invalidShown("spec.clusterIPs[0]", shown, "primary clusterIP can not be unset"));
    if (after.length > 0 && after[0] !== before[0]) causes.push(invalidShown("spec.clusterIPs[0]", shown, "may not change once set"));
    if (after.length === 1 && spec.ipFamilyPolicy !== "SingleStack") {
      causes.push(invalidValue("spec.ipFamilyPolicy", spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (before.length > 0 && after[0] !== before[0]) {
    causes.push(invalidShown("spec.clusterIPs[0]", shown, "may not change once set"));
  }
  return causes;
}

function ipFamiliesUpdate(spec: ServiceSpec, old: ServiceSpec): StatusCause[] {
  // Headless Services may change families, and so may one that becomes or stops being headless.
  if (isHeadlessService(spec) || isHeadlessService(old)) return [];
  const before = old.ipFamilies ?? [];
  const after = spec.ipFamilies ?? [];
  const causes: StatusCause[] = [];
  if (before.length === after.length) {
    if (before.some((f, i) => f !== after[i])) {
      causes.push(invalidShown("spec.ipFamilies[0]", goStrings("core.IPFamily", after), "may not change once set"));
    }
  } else if (before.length > after.length) {
    if ((spec.clusterIPs ?? []).length === 0) {
      causes.push(invalidShown("spec.ipFamilies[0]", goStrings("core.IPFamily", after), "primary ipFamily can not be unset"));
    }
    if (after.length > 0 && after[0] !== before[0]) {
      causes.push(invalidShown("spec.ipFamilies[0]", goStrings("string", spec.clusterIPs), "may not change once set"));
    }
    if (after.length === 1 && spec.ipFamilyPolicy !== "SingleStack") {
      causes.push(invalidValue("spec.ipFamilyPolicy", spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (before.length > 0 && after.length > 0 && after[0] !== before[0]) {
    causes.push(invalidShown("spec.ipFamilies[0]", goStrings("string", spec.clusterIPs), "may not change once set"));
  }
  return causes;
}

// ---- Endpoints ----

/** ValidateEndpoints: every subset has addresses, every address is a usable IP, ports are named when several. */
export function validateEndpoints(ep: Endpoints): StatusCause[] {
  const causes: StatusCause[] = [];
  (ep.subsets ?? []).forEach((subset, i) => {
    const path = index("subsets", i);
    if ((subset.addresses?.length ?? 0) === 0 && (subset.notReadyAddresses?.length ?? 0) === 0) {
      causes.push(required(path, "must specify `addresses` or `notReadyAddresses`"));
    }
    (subset.addresses ?? []).forEach((a, j) => causes.push(...validateEndpointAddress(a, index(child(path, "addresses"), j))));
    (subset.notReadyAddresses ?? []).forEach((a, j) => causes.push(...validateEndpointAddress(a, index(child(path, "notReadyAddresses"), j))));
    const ports = subset.ports ?? [];
    ports.forEach((p, j) => causes.push(...validateEndpointPort(p, ports.length > 1, index(child(path, "ports"), j))));
  });
  return causes;
}

function validateEndpointAddress(address: EndpointAddress, path: string): StatusCause[] {
  const ipPath = child(path, "ip");
  const causes = validateIP(address.ip, ipPath);
  if (address.hostname !== undefined && address.hostname !== "") causes.push(...validateDNS1123Label(address.hostname, child(path, "hostname")));
  if (address.nodeName !== undefined) causes.push(...validateNodeName(address.nodeName, child(path, "nodeName")));
  causes.push(...validateNonSpecialIP(address.ip, ipPath));
  return causes;
}

function validateEndpointPort(port: EndpointPort, requireName: boolean, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = port.name ?? "";
  if (requireName && name === "") causes.push(required(child(path, "name")));
  else if (name !== "") causes.push(...validateDNS1123Label(name, child(path, "name")));
  for (const msg of isValidPortNum(port.port)) causes.push(invalidValue(child(path, "port"), port.port, msg));
  if (port.protocol === undefined) causes.push(required(child(path, "protocol")));
  if (port.appProtocol !== undefined) causes.push(...validateQualifiedName(port.appProtocol, child(path, "appProtocol")));
  return causes;
}

// ---- EndpointSlice ----

/** ValidateEndpointSlice and, with `old`, ValidateEndpointSliceUpdate (addressType is immutable). */
export function validateEndpointSlice(slice: EndpointSlice, old?: EndpointSlice): StatusCause[] {
  const causes: StatusCause[] = [];
  causes.push(...validateSliceEndpoints(slice));
  causes.push(...validateSlicePorts(slice.ports ?? []));
  if (old !== undefined && old.addressType !== slice.addressType) {
    causes.push(invalidValue("addressType", slice.addressType, "field is immutable"));
  }
  return causes;
}

function validateSliceAddress(slice: EndpointSlice, address: string, path: string): StatusCause[] {
  switch (slice.addressType) {
    case "IPv4":
      if (parseIp(address)?.family !== 4) return [invalidValue(path, address, "must be a valid IPv4 address")];
      return validateNonSpecialIP(address, path);
    case "IPv6":
      if (parseIp(address)?.family !== 6) return [invalidValue(path, address, "must be a valid IPv6 address")];
      return validateNonSpecialIP(address, path);
    case "FQDN":
      return validateFullyQualifiedDomainName(address, path);
  }
}

/** IsFullyQualifiedDomainName: a DNS subdomain of at least two labels, a trailing dot allowed. */
function validateFullyQualifiedDomainName(value: string, path: string): StatusCause[] {
  if (value === "") return [required(path)];
  const name = value.replace(/\.$/, "");
  const problems = isDNS1123Subdomain(name);
  if (problems.length > 0) return [invalidValue(path, name, problems.join(","))];
  const labels = name.split(".");
  if (labels.length < 2) return [invalidValue(path, name, "should be a domain with at least two segments separated by dots")];
  for (const label of labels) {
    const labelProblems = isDNS1123Label(label);
    if (labelProblems.length > 0) return [invalidValue(path, label, labelProblems.join(","))];
  }
  return [];
}

function validateSliceEndpoints(slice: EndpointSlice): StatusCause[] {
  const endpoints = slice.endpoints;
  if (endpoints.length > maxEndpointsPerSlice) return [tooMany("endpoints", endpoints.length, maxEndpointsPerSlice)];
  const causes: StatusCause[] = [];
  endpoints.forEach((endpoint, i) => {
    const path = index("endpoints", i);
    const addressesPath = child(path, "addresses");
    if (endpoint.addresses.length === 0) causes.push(required(addressesPath, "must contain at least 1 address"));
    else if (endpoint.addresses.length > maxAddressesPerEndpoint) {
      causes.push(tooMany(addressesPath, endpoint.addresses.length, maxAddressesPerEndpoint));
    }
    endpoint.addresses.forEach((address, j) => causes.push(...validateSliceAddress(slice, address, index(addressesPath, j))));
    if (endpoint.nodeName !== undefined) causes.push(...validateNodeName(endpoint.nodeName, child(path, "nodeName")));
    const topology = endpoint.deprecatedTopology ?? {};
    const topologyPath = child(path, "deprecatedTopology");
    if (Object.keys(topology).length > maxTopologyLabels) causes.push(tooMany(topologyPath, Object.keys(topology).length, maxTopologyLabels));
    causes.push(...validateLabels(topology, topologyPath));
    if (endpoint.hostname !== undefined) causes.push(...validateDNS1123Label(endpoint.hostname, child(path, "hostname")));
    if (endpoint.hints !== undefined) causes.push(...validateHints(endpoint.hints, child(path, "hints")));
  });
  return causes;
}

function validateHints(hints: EndpointHints, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const check = (list: { name: string }[] | undefined, field: string, valueProblems: (v: string) => string[]) => {
    const listPath = child(path, field);
    if ((list?.length ?? 0) > maxHints) {
      causes.push(tooMany(listPath, list!.length, maxHints));
      return;
    }
    const seen = new Set<string>();
    (list ?? []).forEach((hint, i) => {
      const namePath = child(index(listPath, i), "name");
      if (seen.has(hint.name)) causes.push(duplicate(namePath, hint.name));
      seen.add(hint.name);
      for (const msg of valueProblems(hint.name)) causes.push(invalidValue(namePath, hint.name, msg));
    });
  };
  check(hints.forZones, "forZones", isValidLabelValue);
  check(hints.forNodes, "forNodes", isDNS1123Subdomain);
  return causes;
}

function validateSlicePorts(ports: readonly EndpointSlicePort[]): StatusCause[] {
  if (ports.length > maxPortsPerSlice) return [tooMany("ports", ports.length, maxPortsPerSlice)];
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const path = index("ports", i);
    const name = port.name ?? "";
    if (name !== "") causes.push(...validateDNS1123Label(name, child(path, "name")));
    // Unnamed ports clash too: a slice has at most one.
    if (names.has(name)) causes.push(duplicate(child(path, "name"), name));
    names.add(name);
    if (port.protocol === undefined) causes.push(required(child(path, "protocol")));
    if (port.appProtocol !== undefined) causes.push(...validateQualifiedName(port.appProtocol, child(path, "appProtocol")));
  });
  return causes;
}
