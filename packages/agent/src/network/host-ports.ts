// A pod's hostPorts, published on its node as CNI's portmap plugin does: a nat chain of
// the node's own DNATs traffic to the node's addresses (`-m addrtype --dst-type LOCAL`,
// or the hostIP a port names) on the host port to the pod's IP and container port.
// What a sandbox publishes is written on it as a label when it is made, so that the
// rules are rebuilt from the runtime after an agent restart, like everything else.
import type { Pod } from "@bosun/api";

export interface HostPortMapping {
  protocol: "TCP" | "UDP" | "SCTP";
  hostPort: number;
  containerPort: number;
  /** Only traffic to this address of the node; every local address when absent. */
  hostIP?: string;
}

/** The pod's container ports that ask for a host port. */
export function podHostPorts(pod: Pod): HostPortMapping[] {
  return pod.spec.containers.flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => p.hostPort !== undefined && p.hostPort > 0)
      .map((p) => ({
        protocol: (p.protocol ?? "TCP") as HostPortMapping["protocol"],
        hostPort: p.hostPort!,
        containerPort: p.containerPort,
        ...(p.hostIP && p.hostIP !== "0.0.0.0" ? { hostIP: p.hostIP } : {}),
      })),
  );
}

/** "TCP:8080:80,UDP:5353:53:10.0.0.5": the label's form. */
export function formatHostPorts(mappings: readonly HostPortMapping[]): string {
  return mappings.map((m) => [m.protocol, m.hostPort, m.containerPort, ...(m.hostIP ? [m.hostIP] : [])].join(":")).join(",");
}

/** The label read back; entries that are not well formed (a label edited by hand) are skipped. */
export function parseHostPorts(label: string | undefined): HostPortMapping[] {
  const out: HostPortMapping[] = [];
  for (const entry of (label ?? "").split(",")) {
    const [protocol, hostPort, containerPort, hostIP] = entry.split(":");
    const hp = Number(hostPort);
    const cp = Number(containerPort);
    if (!["TCP", "UDP", "SCTP"].includes(protocol ?? "") || !Number.isInteger(hp) || !Number.isInteger(cp) || hp < 1 || hp > 65535 || cp < 1 || cp > 65535) continue;
    out.push({ protocol: protocol as HostPortMapping["protocol"], hostPort: hp, containerPort: cp, ...(hostIP ? { hostIP } : {}) });
  }
  return out;
}

/** The rules of the node's host-port chain for the running sandboxes' mappings. */
export function hostPortRules(chain: string, sandboxes: readonly { ip: string; ports: readonly HostPortMapping[] }[]): string[] {
  const rules: string[] = [];
  for (const { ip, ports } of [...sandboxes].sort((a, b) => a.ip.localeCompare(b.ip))) {
    for (const m of ports) {
      const proto = m.protocol.toLowerCase();
      const dst = m.hostIP ? ` -d ${m.hostIP}/32` : "";
      rules.push(`-A ${chain} -p ${proto} -m ${proto}${dst} --dport ${m.hostPort} -j DNAT --to-destination ${ip}:${m.containerPort}`);
    }
  }
  return rules;
}
