// A pod's DNS settings and host network as Kubernetes' validatePodDNSConfig and
// validateHostNetwork check them: dnsPolicy None needs a dnsConfig with a
// nameserver; at most 3 nameservers, each an IP; at most 32 search domains of at
// most 2048 characters together, each a DNS subdomain; options with names; on the
// host's network a hostPort must be the containerPort.
import { child, index, invalidValue, required } from "./field-errors.js";
import { isDNS1123Subdomain } from "./naming.js";
import { parseIp } from "./cidr.js";
import type { PodSpec } from "./types/core.js";
import type { StatusCause } from "./types/meta.js";

const maxNameservers = 3;
const maxSearches = 32;
const maxSearchChars = 2048;

export function validatePodDns(spec: PodSpec, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const config = spec.dnsConfig;
  const configPath = child(path, "dnsConfig");
  if (spec.dnsPolicy === "None") {
    if (config === undefined) causes.push(required(configPath, "must provide `dnsConfig` when `dnsPolicy` is None"));
    else if ((config.nameservers ?? []).length === 0) {
      causes.push(required(child(configPath, "nameservers"), "must provide at least one DNS nameserver when `dnsPolicy` is None"));
    }
  }
  if (config === undefined) return causes;
  const nameservers = config.nameservers ?? [];
  if (nameservers.length > maxNameservers) {
    causes.push(invalidValue(child(configPath, "nameservers"), nameservers, `must not have more than ${maxNameservers} nameservers`));
  }
  nameservers.forEach((ns, i) => {
    if (parseIp(ns) === undefined) causes.push(invalidValue(index(child(configPath, "nameservers"), i), ns, "must be a valid IP address"));
  });
  const searches = config.searches ?? [];
  if (searches.length > maxSearches) {
    causes.push(invalidValue(child(configPath, "searches"), searches, `must not have more than ${maxSearches} search paths`));
  }
  if (searches.join(" ").length > maxSearchChars) {
    causes.push(invalidValue(child(configPath, "searches"), searches, `must not have more than ${maxSearchChars} characters (including spaces) in the search list`));
  }
  searches.forEach((search, i) => {
    // A trailing dot (a fully qualified name) is allowed, as in resolv.conf.
    const name = search.endsWith(".") ? search.slice(0, -1) : search;
    for (const msg of isDNS1123Subdomain(name)) causes.push(invalidValue(index(child(configPath, "searches"), i), search, msg));
  });
  (config.options ?? []).forEach((option, i) => {
    if (!option.name) causes.push(required(child(index(child(configPath, "options"), i), "name"), "Option.Name must not be empty"));
  });
  return causes;
}

export function validateHostNetwork(spec: PodSpec, path: string): StatusCause[] {
  if (spec.hostNetwork !== true) return [];
  const causes: StatusCause[] = [];
  spec.containers.forEach((c, i) => {
    (c.ports ?? []).forEach((port, j) => {
      const p = child(index(child(index(child(path, "containers"), i), "ports"), j), "hostPort");
      if (port.hostPort !== undefined && port.hostPort !== 0 && port.hostPort !== port.containerPort) {
        causes.push(invalidValue(p, port.hostPort, "must match `containerPort` when `hostNetwork` is true"));
      }
    });
  });
  return causes;
}
