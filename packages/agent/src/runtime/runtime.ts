// The small interface the agent needs from a container runtime. Pod workers and the
// log server speak only this; one adapter per runtime implements it (docker.ts).
import type { Readable, Writable } from "node:stream";

export type ContainerStateName = "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";

/** A container as a list call returns it: enough to group and order instances. */
export interface ContainerSummary {
  id: string;
  labels: Record<string, string>;
  state: ContainerStateName;
  /** Seconds since the epoch. */
  created: number;
}

/** A container as an inspect call returns it: what status reporting needs. */
export interface ContainerDetails {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: ContainerStateName;
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  /** RFC 3339; absent when the container never started. */
  startedAt?: string;
  finishedAt?: string;
  createdAt: string;
  /** The image ID (sha256:...) the container runs. */
  imageId: string;
  /** The IP Docker gave the container on its network; empty for containers joined to another's namespace and for network mode none. */
  ipAddress: string;
  /** The main process's PID on the host (its network namespace is /proc/<pid>/ns/net); 0 when not running. */
  pid: number;
  tty: boolean;
  error: string;
  /** What the stopped container left at its terminationMessagePath (or its logs' end); set by the pod observer, not the runtime. */
  terminationMessage?: string;
}

/** A directory or file of the node bound into a container (a pod's volume). */
export interface ContainerMount {
  source: string;
  /** Where the container sees it: an absolute path. */
  target: string;
  readOnly: boolean;
}

/** Credentials for a registry, as Docker's X-Registry-Auth carries them. */
export interface RegistryAuth {
  /** The registry's address as the credentials name it (e.g. registry.example.com:5000). */
  serveraddress: string;
  username?: string;
  password?: string;
  /** base64 of "user:password", when the credentials give that instead. */
  auth?: string;
  email?: string;
}

export interface ContainerCreateSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  env: string[];
  /** Replaces the image's ENTRYPOINT when set (Kubernetes `command`). */
  entrypoint?: string[];
  /** Replaces the image's CMD when set (Kubernetes `args`). */
  cmd?: string[];
  workingDir?: string;
  hostname?: string;
  /**
   * "none" for a sandbox whose network the agent attaches itself (the pod network),
   * "bridge" for one on Docker's default bridge, "container:<id>" to join its namespaces.
   */
  networkMode: string;
  /**
   * Docker makes no network of its own for the container: no libnetwork sandbox, no
   * resolv.conf, hosts or network set-up hook, only a new namespace with a loopback.
   * For a pod-network sandbox, which the agent plugs in itself.
   */
  networkDisabled?: boolean;
  nanoCpus?: number;
  memoryBytes?: number;
  /** The pod's volumes this container mounts; bound privately (no propagation). */
  mounts?: ContainerMount[];
  /** Docker's User: "uid", "uid:gid" or "name:gid"; the image's user when absent. */
  user?: string;
  /** Supplemental group IDs, beside those the image's /etc/group gives the user. */
  groupAdd?: string[];
  privileged?: boolean;
  readonlyRootfs?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** Docker's security options: no-new-privileges, seccomp=..., apparmor=..., label=... */
  securityOpt?: string[];
  /** Namespaced kernel parameters, by dotted name. */
  sysctls?: Record<string, string>;
  /** "host", or "container:<id>" to join another container's PID namespace; a private one when absent. */
  pidMode?: string;
  /** "host" for the node's IPC namespace; a private one when absent. */
  ipcMode?: string;
  /** Keep the main process's stdin open for attaching clients (Kubernetes `stdin`). */
  openStdin?: boolean;
  /** Close that stdin once the first attached client closes its side (`stdinOnce`). */
  stdinOnce?: boolean;
  /** Give the main process a terminal (`tty`): its output is then one raw stream, not stdout and stderr frames. */
  tty?: boolean;
}

/** A local image as an inspect call returns it: what a container's security settings need. */
export interface ImageDetails {
  id: string;
  /** The image's configured user (Dockerfile USER): "", "uid", "name", "uid:gid" or "name:group". */
  user: string;
}

/**
 * A bridge network for one node's pods, on which the runtime does no NAT: the agent
 * masquerades only what leaves the cluster, so pods see each other's real IPs. The
 * runtime makes the Linux bridge and its gateway address; the agent plugs each pod's
 * sandbox into it (network/sandbox-link.ts).
 */
export interface PodNetworkSpec {
  name: string;
  /** The Linux bridge device's name (at most 15 characters). */
  bridge: string;
  /** e.g. 10.244.3.0/24. */
  subnet: string;
  /** The bridge's own address, the first of the subnet. */
  gateway: string;
  mtu: number;
  labels: Record<string, string>;
}

export interface PodNetworkInfo {
  id: string;
  name: string;
  /** The Linux bridge device. */
  bridge: string;
  /** The first IPv4 subnet; empty when it has none. */
  subnet: string;
  labels: Record<string, string>;
}

export interface LogOptions {
  follow: boolean;
  /** <0: all lines. */
  tail: number;
  timestamps: boolean;
  /** Seconds since the epoch; 0: no limit. */
  since: number;
}

export interface RuntimeEvent {
  containerId: string;
  /** die, oom, start, destroy... */
  action: string;
  labels: Record<string, string>;
}

/** What a command run inside a container left behind. */
export interface ExecResult {
  exitCode: number;
  /** stdout and stderr interleaved, cut at the requested limit. */
  output: Buffer;
}

/** An exec as the runtime last saw it (Docker's exec inspect). */
export interface ExecDetails {
  running: boolean;
  /** The command's process ID in the runtime's PID namespace (the host's, for dockerd on the host); 0 before it starts. */
  pid: number;
  /** null until it exited. */
  exitCode: number | null;
}

export interface ExecOptions {
  timeoutMs: number;
  /** Output beyond this many bytes is dropped (the process still runs to its end). */
  maxOutputBytes: number;
}

/** Which streams of a process a client follows, as kubectl exec and attach ask. */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface ProcessOutput {
  stream: "stdout" | "stderr";
  data: Buffer;
}

/**
 * A process in a container with its streams open: a command started by exec, or
 * the container's main process when attached to.
 */
export interface ContainerProcess {
  /** The process's stdin when it was asked for; end() is end of file. */
  readonly stdin: Writable | undefined;
  /** stdout and stderr in order (with a tty: the terminal's output, as stdout); ends when the process closes them. Read once. */
  output(): AsyncIterable<ProcessOutput>;
  resize(width: number, height: number): Promise<void>;
  /**
   * Once output ended: the exit code of an exec'd command. For an attach it is 0,
   * as in Kubernetes, where attach reports no exit code.
   */
  exitCode(): Promise<number>;
  /** Drops the connection to the process's streams. */
  close(): void;
}

export interface ContainerRuntime {
  /** e.g. "docker://20.10.24". */
  version(): Promise<string>;
  /** Every container (running or not) carrying all the given labels. */
  listContainers(labels: Record<string, string>): Promise<ContainerSummary[]>;
  /** undefined when the container no longer exists. */
  inspectContainer(id: string): Promise<ContainerDetails | undefined>;
  /**
   * The node's disk a container uses: its writable layer and its log file, as the
   * kubelet counts a container's ephemeral storage; undefined when it is gone.
   * Optional: runtimes that cannot tell leave ephemeral-storage limits unenforced.
   */
  containerDiskUsage?(id: string): Promise<number | undefined>;
  createContainer(spec: ContainerCreateSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after timeoutSeconds. A stopped or missing container is fine. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  killContainer(id: string, signal?: string): Promise<void>;
  /** Removes a container, killing it if it still runs. A missing container is fine. */
  removeContainer(id: string): Promise<void>;
  /** The local image's ID, or undefined when the image is not on the host. */
  imageId(ref: string): Promise<string | undefined>;
  /** The local image's details, or undefined when the image is not on the host. */
  inspectImage(ref: string): Promise<ImageDetails | undefined>;
  /** Pulls the image, with the registry's credentials when given. */
  pullImage(ref: string, auth?: RegistryAuth): Promise<void>;
  /** stdout and stderr of a container, interleaved as raw bytes. */
  logs(id: string, opts: LogOptions, signal?: AbortSignal): Promise<Readable>;
  /**
   * Runs a command in a running container and waits for it to exit; rejects with
   * ExecTimeoutError after opts.timeoutMs.
   */
  exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecResult>;
  /** An exec the runtime made (ExecTimeoutError.execId names it); undefined when the runtime no longer knows it. */
  inspectExec(execId: string): Promise<ExecDetails | undefined>;
  /** Starts cmd in a running container with the asked-for streams connected. */
  execStream(id: string, cmd: string[], opts: StreamOptions): Promise<ContainerProcess>;
  /** Connects to the streams of a running container's main process. */
  attach(id: string, opts: StreamOptions): Promise<ContainerProcess>;
  /** The networks carrying all the given labels. */
  listNetworks(labels: Record<string, string>): Promise<PodNetworkInfo[]>;
  createNetwork(spec: PodNetworkSpec): Promise<PodNetworkInfo>;
  /** A missing network is fine. */
  removeNetwork(id: string): Promise<void>;
  /** Container events for containers carrying the given labels, until the signal aborts. */
  events(labels: Record<string, string>, signal: AbortSignal): AsyncIterable<RuntimeEvent>;
}

export class RuntimeError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = "RuntimeError";
  }
}

/** An exec that did not finish in time; the command may still be running in the container. */
export class ExecTimeoutError extends RuntimeError {
  constructor(
    readonly command: string[],
    readonly timeoutMs: number,
    /** The runtime's ID of the exec, when it was made before time ran out: inspectExec finds its process. */
    readonly execId?: string,
  ) {
    super(`command ${JSON.stringify(command.join(" "))} timed out`);
    this.name = "ExecTimeoutError";
  }
}
