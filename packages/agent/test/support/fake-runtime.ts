// An in-memory ContainerRuntime for tests that need pods to run without Docker:
// containers start, stop and exit when told, exec runs a handler the test sets.
import { randomBytes } from "node:crypto";
import { EventEmitter, on } from "node:events";
import { Readable } from "node:stream";
import { rfc3339 } from "@bosun/api";
import {
  ExecTimeoutError,
  RuntimeError,
  type ContainerCreateSpec,
  type ContainerProcess,
  type ContainerDetails,
  type ContainerRuntime,
  type ContainerStateName,
  type ContainerSummary,
  type ExecDetails,
  type ExecOptions,
  type ExecResult,
  type ImageDetails,
  type PodNetworkInfo,
  type PodNetworkSpec,
  type RegistryAuth,
  type RuntimeEvent,
} from "../../src/runtime/runtime.js";

export interface FakeContainer {
  id: string;
  spec: ContainerCreateSpec;
  state: ContainerStateName;
  exitCode: number;
  created: number;
  startedAt?: string;
  finishedAt?: string;
  ipAddress: string;
  /** A made-up host PID, new at each start. */
  pid: number;
}

export type ExecHandler = (c: FakeContainer, cmd: string[]) => ExecResult | Promise<ExecResult>;

export function execResult(exitCode: number, output = ""): ExecResult {
  return { exitCode, output: Buffer.from(output) };
}

export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Set<string>();
  /** Every stop call: which container, with what grace period. */
  readonly stops: { id: string; timeoutSeconds: number }[] = [];
  /** The exit code a stopped container ends with (143: it died of SIGTERM). */
  stopExitCode = 143;
  execHandler: ExecHandler = () => execResult(0);
  /** Every exec made, by ID, as inspectExec tells it: a timed-out one stays running until a test ends it. */
  readonly execs = new Map<string, ExecDetails & { containerId: string; cmd: string[] }>();
  private nextExec = 1;
  private nextIP = 2;
  private nextPid = 1000;
  readonly networks = new Map<string, PodNetworkSpec & { id: string }>();
  private readonly emitter = new EventEmitter();

  constructor(images: string[]) {
    for (const i of images) this.images.add(i);
    this.emitter.setMaxListeners(100);
  }

  private emit(c: FakeContainer, action: string): void {
    const ev: RuntimeEvent = { containerId: c.id, action, labels: c.spec.labels };
    this.emitter.emit("event", ev);
  }

  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError(`no such container: ${id}`, 404);
    return c;
  }

  /** The containers of a pod by container name label, newest instance last. */
  byLabel(key: string, value: string): FakeContainer[] {
    return [...this.containers.values()].filter((c) => c.spec.labels[key] === value).sort((a, b) => a.created - b.created);
  }

  /** Ends a running container as if its process exited by itself. */
  exit(id: string, code: number): void {
    const c = this.must(id);
    c.state = "exited";
    c.exitCode = code;
    c.finishedAt = rfc3339();
    this.emit(c, "die");
  }

  async version(): Promise<string> {
    return "fake://1.0";
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    return [...this.containers.values()]
      .filter((c) => Object.entries(labels).every(([k, v]) => c.spec.labels[k] === v))
      .map((c) => ({ id: c.id, labels: { ...c.spec.labels }, state: c.state, created: Math.floor(c.created / 1000) }));
  }

  async inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    const c = this.containers.get(id);
    if (!c) return undefined;
    return {
      id: c.id,
      name: c.spec.name,
      labels: { ...c.spec.labels },
      state: c.state,
      running: c.state === "running",
      exitCode: c.exitCode,
      oomKilled: false,
      ...(c.startedAt ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt ? { finishedAt: c.finishedAt } : {}),
      createdAt: rfc3339(c.created),
      imageId: `sha256:${c.spec.image}`,
      ipAddress: c.state === "running" ? c.ipAddress : "",
      pid: c.state === "running" ? c.pid : 0,
      tty: false,
      error: "",
    };
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    if (!this.images.has(spec.image)) throw new RuntimeError(`no such image: ${spec.image}`, 404);
    const id = randomBytes(32).toString("hex");
    // Distinct creation times keep "newest first" orderings deterministic.
    const created = Math.max(Date.now(), ...[...this.containers.values()].map((c) => c.created + 1));
    // The agent joins no named network: pod sandboxes get "none" and are plugged in by the agent.
    if (!["bridge", "none"].includes(spec.networkMode) && !spec.networkMode.startsWith("container:")) {
      throw new RuntimeError(`network ${spec.networkMode} not found`, 404);
    }
    const ipAddress = spec.networkMode === "bridge" ? `10.88.0.${this.nextIP++}` : "";
    this.containers.set(id, { id, spec, state: "created", exitCode: 0, created, ipAddress, pid: 0 });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.must(id);
    c.state = "running";
    c.pid = this.nextPid++;
    c.startedAt = rfc3339();
    c.finishedAt = undefined;
    this.emit(c, "start");
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.stops.push({ id, timeoutSeconds });
    if (c.state !== "running") return;
    this.exit(id, this.stopExitCode);
  }

  async killContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c?.state === "running") this.exit(id, 137);
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.containers.delete(id);
    this.emit(c, "destroy");
  }

  async imageId(ref: string): Promise<string | undefined> {
    return this.images.has(ref) ? `sha256:${ref}` : undefined;
  }

  /** The configured user of images, by reference; root ("") when not set. */
  readonly imageUsers = new Map<string, string>();

  async inspectImage(ref: string): Promise<ImageDetails | undefined> {
    return this.images.has(ref) ? { id: `sha256:${ref}`, user: this.imageUsers.get(ref) ?? "" } : undefined;
  }

  /** Every pull, with the credentials it was given. */
  readonly pulls: { ref: string; auth?: RegistryAuth }[] = [];
  /** When set, a registry that only lets these credentials pull (by username). */
  acceptedUser: string | undefined;

  async pullImage(ref: string, auth?: RegistryAuth): Promise<void> {
    this.pulls.push({ ref, ...(auth ? { auth } : {}) });
    if (!this.images.has(ref)) throw new RuntimeError(`pull access denied for ${ref}`, 404);
    if (this.acceptedUser !== undefined && auth?.username !== this.acceptedUser) {
      throw new RuntimeError(`pull access denied for ${ref}: unauthorized as ${auth?.username ?? "anonymous"}`, 401);
    }
  }

  async logs(): Promise<Readable> {
    return Readable.from([]);
  }

  async exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecResult> {
    const c = this.must(id);
    if (c.state !== "running") throw new RuntimeError(`container ${id} is not running`, 409);
    const execId = `exec-${this.nextExec++}`;
    const exec = { containerId: id, cmd, running: true, pid: this.nextPid++, exitCode: null as number | null };
    this.execs.set(execId, exec);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ExecTimeoutError(cmd, opts.timeoutMs, execId)), opts.timeoutMs);
    });
    try {
      const res = await Promise.race([Promise.resolve(this.execHandler(c, cmd)), timeout]);
      Object.assign(exec, { running: false, pid: 0, exitCode: res.exitCode });
      return res;
    } finally {
      clearTimeout(timer);
    }
  }

  async inspectExec(execId: string): Promise<ExecDetails | undefined> {
    const e = this.execs.get(execId);
    return e && { running: e.running, pid: e.pid, exitCode: e.exitCode };
  }

  async execStream(id: string): Promise<ContainerProcess> {
    throw new RuntimeError(`interactive exec in container ${id} is not supported by the fake runtime; test it against Docker`);
  }

  async attach(id: string): Promise<ContainerProcess> {
    throw new RuntimeError(`attach to container ${id} is not supported by the fake runtime; test it against Docker`);
  }

  async listNetworks(labels: Record<string, string>): Promise<PodNetworkInfo[]> {
    return [...this.networks.values()]
      .filter((n) => Object.entries(labels).every(([k, v]) => n.labels[k] === v))
      .map((n) => ({ id: n.id, name: n.name, bridge: n.bridge, subnet: n.subnet, labels: { ...n.labels } }));
  }

  async createNetwork(spec: PodNetworkSpec): Promise<PodNetworkInfo> {
    if ([...this.networks.values()].some((n) => n.name === spec.name || n.subnet === spec.subnet)) {
      throw new RuntimeError(`network ${spec.name} (${spec.subnet}) conflicts with an existing one`, 409);
    }
    const id = randomBytes(32).toString("hex");
    this.networks.set(id, { ...spec, id });
    return { id, name: spec.name, bridge: spec.bridge, subnet: spec.subnet, labels: { ...spec.labels } };
  }


  async removeNetwork(id: string): Promise<void> {
    this.networks.delete(id);
  }

  async *events(labels: Record<string, string>, signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    try {
      for await (const [ev] of on(this.emitter, "event", { signal }) as AsyncIterable<[RuntimeEvent]>) {
        if (Object.entries(labels).every(([k, v]) => ev.labels[k] === v)) yield ev;
      }
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
  }
}
