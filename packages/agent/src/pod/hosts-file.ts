// The pod's /etc/hosts as the kubelet writes it (managedHostsFileContent and
// nodeHostsFileContent in pkg/kubelet/kubelet_pods.go): for a pod on the pod
// network, localhost, the IPv6 names and the pod's own address with its names; for
// a hostNetwork pod, the node's own hosts file. Both end with the hostAliases, one
// line per address, under "# Entries added by HostAliases.".
import type { HostAlias } from "@bosun/api";

const managedHeader = "# Kubernetes-managed hosts file.\n";
const hostNetworkHeader = "# Kubernetes-managed hosts file (host network).\n";

function aliasLines(aliases: readonly HostAlias[] | undefined): string {
  if (aliases === undefined || aliases.length === 0) return "";
  return `\n# Entries added by HostAliases.\n${aliases.map((a) => `${a.ip}\t${(a.hostnames ?? []).join("\t")}\n`).join("")}`;
}

export interface ManagedHostsInput {
  podIPs: readonly string[];
  /** The short hostname. */
  hostname: string;
  /** The pod's domain ("<subdomain>.<ns>.svc.<cluster domain>"), or "". */
  domain: string;
  hostAliases?: readonly HostAlias[];
}

/** The hosts file of a pod on the pod network. */
export function managedHostsFile(input: ManagedHostsInput): string {
  let out = managedHeader;
  out += "127.0.0.1\tlocalhost\n";
  out += "::1\tlocalhost ip6-localhost ip6-loopback\n";
  out += "fe00::0\tip6-localnet\n";
  out += "fe00::0\tip6-mcastprefix\n";
  out += "fe00::1\tip6-allnodes\n";
  out += "fe00::2\tip6-allrouters\n";
  for (const ip of input.podIPs) {
    out += input.domain === "" ? `${ip}\t${input.hostname}\n` : `${ip}\t${input.hostname}.${input.domain}\t${input.hostname}\n`;
  }
  return out + aliasLines(input.hostAliases);
}

/** The hosts file of a hostNetwork pod: the node's, as it is, then the aliases. */
export function hostNetworkHostsFile(nodeHosts: string, hostAliases?: readonly HostAlias[]): string {
  return hostNetworkHeader + nodeHosts + aliasLines(hostAliases);
}
