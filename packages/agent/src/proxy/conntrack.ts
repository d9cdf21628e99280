// UDP has no connection to close: the kernel keeps sending a flow's packets to the
// endpoint its conntrack entry was DNATed to, even after the endpoint is gone, for
// as long as the client keeps talking. So, as kube-proxy did with the conntrack tool
// (pkg/proxy/endpoints.go detectStaleConntrackEntries, iptables deleteUDPEndpointConnections),
// after each sync the entries that point at a removed UDP endpoint are deleted, and
// so are the entries of a UDP service that gained its first endpoint or went away
// (packets sent before then were not DNATed and would stay so).
import type { ConntrackFilter } from "../network/host.js";
import { servicePortKey, type EndpointInfo, type ProxyState, type ServicePortInfo } from "./endpoints.js";

const servingAddresses = (eps: readonly EndpointInfo[] | undefined) => new Set((eps ?? []).filter((e) => e.serving).map((e) => e.address));

/** The frontends of a service port: its cluster IP and external IPs on its port. */
function frontends(port: ServicePortInfo): string[] {
  return [port.clusterIP, ...port.externalIPs];
}

/** The `conntrack -D` filters that clear what the change from `before` to `after` left stale; both are whole states. */
export function staleConntrackFilters(before: ProxyState, after: ProxyState): ConntrackFilter[] {
  const out: ConntrackFilter[] = [];
  const seen = new Set<string>();
  const add = (f: ConntrackFilter) => {
    const key = JSON.stringify(f);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(f);
  };
  const afterPorts = new Map(after.ports.map((p) => [servicePortKey(p), p]));
  const beforePorts = new Map(before.ports.map((p) => [servicePortKey(p), p]));

  for (const port of after.ports) {
    if (port.protocol !== "udp") continue;
    const key = servicePortKey(port);
    const was = servingAddresses(before.endpoints.get(key));
    const now = servingAddresses(after.endpoints.get(key));
    const previous = beforePorts.get(key);
    // Endpoints that were served and are not any more (gone, or no longer serving).
    for (const address of was) {
      if (now.has(address)) continue;
      const ip = address.slice(0, address.lastIndexOf(":"));
      for (const frontend of frontends(port)) add({ protocol: "udp", origDst: frontend, origDstPort: port.port, dstNat: ip });
      if (port.nodePort !== 0) add({ protocol: "udp", origDstPort: port.nodePort, dstNat: ip });
    }
    // A service that gains its first serving endpoint (or is new, or moved to another
    // address or port): earlier packets to it made entries that go nowhere.
    const moved = previous !== undefined && (previous.clusterIP !== port.clusterIP || previous.port !== port.port || previous.nodePort !== port.nodePort);
    if (now.size > 0 && (was.size === 0 || moved)) {
      for (const frontend of frontends(port)) add({ protocol: "udp", origDst: frontend, origDstPort: port.port });
      if (port.nodePort !== 0) add({ protocol: "udp", origDstPort: port.nodePort });
    }
  }
  // A UDP service port that went away (or changed address): its flows would otherwise
  // keep going to its old endpoints.
  for (const port of before.ports) {
    if (port.protocol !== "udp") continue;
    const still = afterPorts.get(servicePortKey(port));
    if (still && still.clusterIP === port.clusterIP && still.port === port.port && still.nodePort === port.nodePort) continue;
    if (servingAddresses(before.endpoints.get(servicePortKey(port))).size === 0) continue;
    for (const frontend of frontends(port)) add({ protocol: "udp", origDst: frontend, origDstPort: port.port });
    if (port.nodePort !== 0 && still?.nodePort !== port.nodePort) add({ protocol: "udp", origDstPort: port.nodePort });
  }
  return out;
}
