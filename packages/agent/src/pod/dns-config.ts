// A pod's resolv.conf as the kubelet makes it (pkg/kubelet/network/dns): from its
// dnsPolicy — ClusterFirst (the node's DNS, the cluster's search domains then the
// host's, ndots:5; on the host's network it falls back to Default, unless the policy
// is ClusterFirstWithHostNet), Default (the host's resolv.conf), None (nothing) —
// with spec.dnsConfig merged in: nameservers and searches appended without repeats,
// options by name, the pod's winning. Kept within what resolvers read: 3 nameservers,
// 32 search domains.
import type { Pod } from "@bosun/api";
import { mergeResolvOptions, type ResolvConf } from "../dns/resolv-conf.js";
import { parseIp } from "@bosun/api";

export interface NodeDnsSettings {
  /** The node DNS server's address; undefined when the node serves no cluster DNS. */
  clusterDns: string | undefined;
  /** The cluster's DNS zone, e.g. cluster.local. */
  domain: string;
  /** The host's resolv.conf. */
  host: ResolvConf;
}

const maxNameservers = 3;
const maxSearches = 32;

/** Loopback resolvers (systemd-resolved's 127.0.0.53) answer on the host only, not in a pod's own network. */
function reachableFromPods(nameserver: string): boolean {
  const ip = parseIp(nameserver);
  if (!ip) return false;
  return ip.family === 4 ? ip.value >> 24n !== 127n : ip.value !== 1n;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

export function podResolvConf(pod: Pod, node: NodeDnsSettings): ResolvConf {
  const spec = pod.spec;
  const policy = spec.dnsPolicy ?? "ClusterFirst";
  const hostNetwork = spec.hostNetwork === true;
  const cluster = node.clusterDns !== undefined && (policy === "ClusterFirstWithHostNet" || (policy === "ClusterFirst" && !hostNetwork));
  let base: ResolvConf;
  if (policy === "None") {
    base = { nameservers: [], searches: [], options: [] };
  } else if (cluster) {
    const ns = pod.metadata.namespace ?? "default";
    base = {
      nameservers: [node.clusterDns!],
      searches: [`${ns}.svc.${node.domain}`, `svc.${node.domain}`, node.domain, ...node.host.searches],
      options: ["ndots:5"],
    };
  } else {
    // A pod on the host's network shares the host's loopback, so its resolvers work there.
    const nameservers = hostNetwork ? node.host.nameservers : node.host.nameservers.filter(reachableFromPods);
    // A host that resolves only through loopback: the node's DNS forwards to it from the host.
    base = { nameservers: nameservers.length > 0 || !node.clusterDns ? nameservers : [node.clusterDns], searches: node.host.searches, options: node.host.options };
  }
  const extra = spec.dnsConfig;
  const options = (extra?.options ?? []).map((o) => (o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? "")));
  return {
    nameservers: unique([...base.nameservers, ...(extra?.nameservers ?? [])]).slice(0, maxNameservers),
    searches: unique([...base.searches, ...(extra?.searches ?? [])]).slice(0, maxSearches),
    options: mergeResolvOptions([...base.options, ...options]),
  };
}
