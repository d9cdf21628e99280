// bosun port-forward: local ports whose connections reach a pod's ports through the
// API server, one WebSocket per connection (client's dialPodPort). A Service or a
// workload is forwarded to one of its pods, as kubectl port-forward does; which
// pod and which of its ports is port-forward/forwarded-ports.ts's work.
import { createServer, type Server, type Socket } from "node:net";
import { formatLabelSelector, labelSelectorFromMatch, mustResource, type KubeObject, type LabelSelectorSpec, type Pod, type Service } from "@bosun/api";
import { dialPodPort, sleep, type ApiClient } from "@bosun/client";
import type { Command } from "commander";
import { CliError, createClient, groupKind, namespaceOf, parseNamedTargets, type GlobalOptions } from "../context.js";
import { io } from "../io.js";
import { choosePod, parsePortSpecs, podPorts, servicePorts, type ForwardedPort, type PortSpec } from "../port-forward/forwarded-ports.js";
import { duration } from "./options.js";

const pods = mustResource("pods");
const usage = "bosun port-forward svc/web 8080:80";

/** Kinds whose pods are found by the object's spec.selector. */
const workloadKinds = new Set(["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"]);

export interface PortForwardOptions {
  namespace: string;
  /** Local addresses to listen on; `localhost` is 127.0.0.1 and ::1. */
  addresses: readonly string[];
  /** How long to wait for a pod of a Service or workload to be running. */
  podRunningTimeoutMs: number;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The pod to forward to and its ports. */
export interface ForwardTarget {
  pod: Pod;
  ports: ForwardedPort[];
}

function selectorOf(obj: KubeObject, label: string): string {
  if (obj.kind === "Service") {
    const selector = (obj as Service).spec?.selector ?? {};
    if (Object.keys(selector).length === 0) throw new CliError(`${label} has no pod selector, so it has no pods to forward to; forward to a pod instead`);
    return formatLabelSelector(labelSelectorFromMatch(selector));
  }
  const sel = (obj as { spec?: { selector?: LabelSelectorSpec } }).spec?.selector;
  return formatLabelSelector(labelSelectorFromMatch(sel?.matchLabels, sel?.matchExpressions));
}

/** Waits for a running pod among those `selector` picks, as kubectl's --pod-running-timeout. */
async function runningPod(client: ApiClient, namespace: string, selector: string, label: string, timeoutMs: number): Promise<Pod> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pod = choosePod((await client.list<Pod>(pods, { namespace, labelSelector: selector })).items);
    if (pod?.status?.phase === "Running" && !pod.metadata.deletionTimestamp) return pod;
    if (Date.now() >= deadline) {
      throw new CliError(
        pod
          ? `unable to forward port because pod ${pod.metadata.name} of ${label} is not running. Current status=${pod.status?.phase ?? "Pending"}`
          : `${label} has no pods (selector ${selector}); scale it up or wait for its pods, then try again`,
      );
    }
    await sleep(Math.min(1_000, Math.max(0, deadline - Date.now())));
  }
}

export async function resolveForwardTarget(client: ApiClient, arg: string, specs: readonly PortSpec[], opts: Pick<PortForwardOptions, "namespace" | "podRunningTimeoutMs">): Promise<ForwardTarget> {
  // A bare name is a pod's, as for kubectl.
  const { res, name } = parseNamedTargets(arg.includes("/") ? [arg] : ["pod", arg], usage)[0]!;
  const label = `${groupKind(res).toLowerCase()}/${name}`;
  if (res.kind === "Pod") {
    const pod = await client.get<Pod>(pods, name, opts.namespace);
    if (pod.status?.phase !== "Running") throw new CliError(`unable to forward port because pod is not running. Current status=${pod.status?.phase ?? "Pending"}`);
    return { pod, ports: podPorts(pod, specs) };
  }
  if (res.kind !== "Service" && !workloadKinds.has(res.kind)) {
    throw new CliError(`cannot port-forward to a ${groupKind(res)}: use a pod, service, deployment, replicaset, statefulset, daemonset or job`);
  }
  const obj = { ...(await client.get<KubeObject>(res, name, opts.namespace)), kind: res.kind };
  const pod = await runningPod(client, opts.namespace, selectorOf(obj, label), label, opts.podRunningTimeoutMs);
  return { pod, ports: res.kind === "Service" ? servicePorts(obj as Service, pod, specs) : podPorts(pod, specs) };
}

/** The addresses to listen on; `optional` ones (localhost's ::1 where IPv6 is off) may fail while another listens. */
function listenAddresses(addresses: readonly string[]): { address: string; optional: boolean }[] {
  const named = [...new Set(addresses.flatMap((a) => a.split(",")).map((a) => a.trim()).filter((a) => a !== ""))];
  return named.flatMap((a) => (a === "localhost" ? [{ address: "127.0.0.1", optional: false }, { address: "::1", optional: true }] : [{ address: a, optional: false }]));
}

function listen(server: Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => {
      server.off("error", reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** The forwarding that runs: its listeners, until closed. */
export interface PortForwarding {
  /** The local ports actually bound (a requested 0 becomes the port chosen), in the order of the specs. */
  readonly ports: ForwardedPort[];
  close(): Promise<void>;
}

export async function startPortForward(client: ApiClient, target: ForwardTarget, opts: PortForwardOptions): Promise<PortForwarding> {
  const namespace = target.pod.metadata.namespace ?? opts.namespace;
  const podName = target.pod.metadata.name ?? "";
  const addresses = listenAddresses(opts.addresses);
  if (addresses.length === 0) throw new CliError("--address names no address to listen on; use e.g. localhost or 0.0.0.0");
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const bound: ForwardedPort[] = [];
  const onConnection = (port: ForwardedPort) => (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    opts.out(`Handling connection for ${port.local}`);
    dialPodPort(client, namespace, podName, port.remote).then(
      (remote) => {
        socket.pipe(remote).pipe(socket);
        remote.once("error", (err) => {
          opts.err(`error: an error occurred forwarding ${port.local} -> ${port.remote}: ${err.message}`);
          socket.destroy();
        });
        socket.once("error", () => remote.destroy());
        socket.once("close", () => remote.destroy());
      },
      (err: Error) => {
        opts.err(`error: an error occurred forwarding ${port.local} -> ${port.remote}: ${err.message}`);
        socket.destroy();
      },
    );
  };
  const close = async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  };
  try {
    for (const port of target.ports) {
      let local = port.local;
      let listening = 0;
      for (const { address, optional } of addresses) {
        const server = createServer();
        try {
          local = await listen(server, address, local);
        } catch (err) {
          if (optional) continue;
          throw new CliError(`unable to listen on ${address}:${local}: ${(err as Error).message}`);
        }
        server.on("connection", onConnection({ local, remote: port.remote }));
        servers.push(server);
        listening++;
        opts.out(`Forwarding from ${address.includes(":") ? `[${address}]` : address}:${local} -> ${port.remote}`);
      }
      if (listening === 0) throw new CliError(`unable to listen on any of ${addresses.map((a) => a.address).join(", ")} for port ${port.remote}`);
      bound.push({ local, remote: port.remote });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { ports: bound, close };
}

export function registerPortForward(program: Command): void {
  program
    .command("port-forward")
    .description("forward local ports to a pod, or to a pod of a service or workload (port-forward svc/web 8080:80)")
    .argument("<target>", "pod name, or TYPE/NAME: pod, svc, deploy, rs, sts, ds, job")
    .argument("<ports...>", "[LOCAL:]REMOTE: a Service's port (number or name) or the pod's; :REMOTE picks a free local port")
    .option("--address <addresses>", "local addresses to listen on, comma-separated (localhost: 127.0.0.1 and ::1)", "localhost")
    .option("--pod-running-timeout <duration>", "how long to wait for a running pod of a service or workload", duration, 60_000)
    .action(async (target: string, ports: string[], o: { address: string; podRunningTimeout: number }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const client = createClient(globals);
      const opts: PortForwardOptions = { namespace: namespaceOf(globals), addresses: [o.address], podRunningTimeoutMs: o.podRunningTimeout, out: io.line, err: io.err };
      const forwarding = await startPortForward(client, await resolveForwardTarget(client, target, parsePortSpecs(ports), opts), opts);
      // Runs until interrupted, as kubectl does.
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await forwarding.close();
      await client.close();
    });
}
