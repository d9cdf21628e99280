// Pod sysctls as the kubelet treats them (pkg/kubelet/sysctl, pkg/apis/core/validation):
// names may use "/" as separator and are compared in their dotted form; a sysctl
// belongs to the pod's network or IPC namespace; and only Kubernetes' safe set (those
// namespaced and isolated from other pods) may be set, since a Bosun agent has no
// --allowed-unsafe-sysctls.

/** The kubelet's safe sysctls (safe_sysctls.go, Kubernetes 1.33), all namespaced per pod. */
export const safeSysctls: readonly string[] = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
];

export const sysctlMaxLength = 253;
const segment = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?";
/** Kubernetes' pattern for a sysctl name, "." or "/" separated; its validation message quotes it. */
export const sysctlNamePattern = `(${segment}[\\./])*${segment}`;
const sysctlNameRegex = new RegExp(`^${sysctlNamePattern}$`);

export function isValidSysctlName(name: string): boolean {
  return name.length <= sysctlMaxLength && sysctlNameRegex.test(name);
}

/**
 * The dotted form of a sysctl name, as the kubelet's ConvertSysctlVariableToDotsSeparator:
 * when the first separator is "/", slashes and dots swap ("net/ipv4/conf/eth0.100/x" is
 * "net.ipv4.conf.eth0/100.x").
 */
export function dottedSysctlName(name: string): string {
  const first = name.search(/[./]/);
  if (first < 0 || name[first] === ".") return name;
  return name.replace(/[./]/g, (c) => (c === "/" ? "." : "/"));
}

export type SysctlNamespace = "net" | "ipc" | undefined;

/** The namespace a sysctl is set in (utilsysctl.GetNamespace); undefined: not namespaced, so never per pod. */
export function sysctlNamespace(name: string): SysctlNamespace {
  const dotted = dottedSysctlName(name);
  if (dotted.startsWith("net.")) return "net";
  if (["kernel.sem", "kernel.shmmax", "kernel.shmall", "kernel.shmmni", "kernel.shm_rmid_forced", "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni"].includes(dotted)) return "ipc";
  if (dotted.startsWith("fs.mqueue.")) return "ipc";
  return undefined;
}

export function isSafeSysctl(name: string): boolean {
  return safeSysctls.includes(dottedSysctlName(name));
}
