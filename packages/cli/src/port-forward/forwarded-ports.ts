// What `bosun port-forward TYPE/NAME [LOCAL:]REMOTE...` forwards, as kubectl's
// port-forward works it out (k8s.io/kubectl/pkg/cmd/portforward and the util
// lookups it uses): the port specs, the pod chosen for a Service or a workload, and
// each remote port turned into a number of the pod, a Service's port into the
// container port its targetPort names.
import { isPodReady, type IntOrString, type Pod, type Service } from "@bosun/api";
import { CliError } from "../context.js";

/** `8080`, `5000:8080`, `:8080` (any free local port); the remote side may be a port name. */
export interface PortSpec {
  /** The local port; 0 lets the system choose, -1 means the same as the remote one. */
  local: number;
  remote: string;
}

/** A local port and the pod's port its connections go to. */
export interface ForwardedPort {
  local: number;
  remote: number;
}

function portNumber(text: string, what: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n > 65535) throw new CliError(`${what} "${text}" is not a port number (0-65535)`);
  return n;
}

export function parsePortSpecs(args: readonly string[]): PortSpec[] {
  if (args.length === 0) throw new CliError("name at least one port to forward, e.g. 'bosun port-forward svc/web 8080:80'");
  return args.map((arg) => {
    const parts = arg.split(":");
    if (parts.length > 2 || parts.at(-1) === "") throw new CliError(`"${arg}" is not a port spec: use REMOTE, LOCAL:REMOTE or :REMOTE`);
    const remote = parts.at(-1)!;
    if (/^\d+$/.test(remote) && (Number(remote) < 1 || Number(remote) > 65535)) throw new CliError(`remote port "${remote}" of "${arg}" must be between 1 and 65535`);
    // Without a local side the local port is the remote one, once a name is resolved (-1); `:REMOTE` is any free port.
    if (parts.length === 1) return { local: -1, remote };
    return { local: parts[0] === "" ? 0 : portNumber(parts[0]!, `local port of "${arg}"`), remote };
  });
}

function containerPortByName(pod: Pod, name: string): number {
  for (const c of pod.spec.containers) {
    const port = c.ports?.find((p) => p.name === name);
    if (port) return port.containerPort;
  }
  throw new CliError(`Pod '${pod.metadata.name}' does not have a named port '${name}'`);
}

/** The pod's ports for specs that name a pod directly: numbers as they are, names looked up in its containers. */
export function podPorts(pod: Pod, specs: readonly PortSpec[]): ForwardedPort[] {
  return specs.map((s) => {
    const remote = /^\d+$/.test(s.remote) ? Number(s.remote) : containerPortByName(pod, s.remote);
    return { local: s.local === -1 ? remote : s.local, remote };
  });
}

function targetPortOf(pod: Pod, port: number, targetPort: IntOrString | undefined): number {
  if (targetPort === undefined || targetPort === 0) return port;
  return typeof targetPort === "number" ? targetPort : containerPortByName(pod, targetPort);
}

/**
 * The pod's ports for specs that name a Service's ports (by number or name): each
 * becomes the container port its targetPort names; the local side stays the
 * Service's port unless given.
 */
export function servicePorts(service: Service, pod: Pod, specs: readonly PortSpec[]): ForwardedPort[] {
  const name = service.metadata.name ?? "";
  const ports = service.spec?.ports ?? [];
  return specs.map((s) => {
    const byName = !/^\d+$/.test(s.remote);
    const sp = byName ? ports.find((p) => p.name === s.remote) : ports.find((p) => p.port === Number(s.remote));
    if (!sp) {
      throw new CliError(byName ? `Service '${name}' does not have a named port '${s.remote}'` : `Service ${name} does not have a service port ${s.remote}`);
    }
    if ((sp.protocol ?? "TCP") !== "TCP") throw new CliError(`UDP protocol is not supported for port ${sp.port} of Service ${name}: port-forward carries TCP only`);
    return { local: s.local === -1 ? sp.port : s.local, remote: targetPortOf(pod, sp.port, sp.targetPort) };
  });
}

/** How much a pod is worth forwarding to: running and ready first, as kubectl picks. */
function rank(pod: Pod): number {
  if (pod.metadata.deletionTimestamp) return 0;
  const phase = pod.status?.phase;
  if (phase === "Running") return isPodReady(pod) ? 3 : 2;
  return phase === "Pending" ? 1 : 0;
}

/** The pod to forward to among those a Service or workload selects: the readiest, the oldest among equals. */
export function choosePod(pods: readonly Pod[]): Pod | undefined {
  return [...pods].sort((a, b) => rank(b) - rank(a) || (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""))[0];
}
