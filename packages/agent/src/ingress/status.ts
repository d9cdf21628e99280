// An Ingress's status.loadBalancer.ingress: where clients reach it, which for a
// proxy on the nodes' own ports is the addresses of the nodes running it. Each
// node counts once, by its ExternalIP when it has one, else its InternalIP (as
// ingress-nginx publishes the addresses of its nodes); sorted and without
// duplicates, so an unchanged set of nodes gives an equal status and no write.
import { nodeInternalIp, parseIp, semanticEqual, type IngressLoadBalancerIngress, type Node } from "@bosun/api";

/** The address of `node` that clients outside the cluster are likeliest to reach. */
export function ingressAddressOf(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === "ExternalIP" && a.address !== "")?.address ?? nodeInternalIp(node);
}

/** status.loadBalancer.ingress for an Ingress served by the proxies on `nodes`. */
export function ingressLoadBalancerIngress(nodes: readonly Node[]): IngressLoadBalancerIngress[] {
  const ips = new Set<string>();
  for (const node of nodes) {
    const ip = ingressAddressOf(node);
    if (ip) ips.add(ip);
  }
  return [...ips].sort(compareIps).map((ip) => ({ ip }));
}

/** Whether `current` already is `wanted` (so writing it would change nothing). */
export function loadBalancerIngressEqual(
  current: readonly IngressLoadBalancerIngress[] | undefined,
  wanted: readonly IngressLoadBalancerIngress[],
): boolean {
  return semanticEqual(current ?? [], wanted);
}

/** IPv4 before IPv6, each in numeric order ("10.0.0.9" before "10.0.0.10"). */
function compareIps(a: string, b: string): number {
  const pa = parseIp(a);
  const pb = parseIp(b);
  if (!pa || !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (pa.family !== pb.family) return pa.family < pb.family ? -1 : 1;
  return pa.value < pb.value ? -1 : pa.value > pb.value ? 1 : 0;
}
