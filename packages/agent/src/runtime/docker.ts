// The Docker Engine adapter of ContainerRuntime, over dockerode.
import { rfc3339 } from "@bosun/api";
import Docker from "dockerode";
import { stat } from "node:fs/promises";
import { Readable, Writable } from "node:stream";
import {
  ExecTimeoutError,
  RuntimeError,
  type ContainerCreateSpec,
  type ContainerDetails,
  type ContainerProcess,
  type ContainerRuntime,
  type ContainerStateName,
  type ContainerSummary,
  type ExecDetails,
  type ExecOptions,
  type ExecResult,
  type ImageDetails,
  type LogOptions,
  type PodNetworkInfo,
  type PodNetworkSpec,
  type RegistryAuth,
  type RuntimeEvent,
  type StreamOptions,
} from "./runtime.js";
import { dockerLogBytes } from "../exec/docker-frames.js";
import { dockerAttach, dockerExec } from "../exec/docker-process.js";

interface DockerError {
  statusCode?: number;
  message?: string;
  json?: { message?: string };
}

function statusOf(err: unknown): number | undefined {
  return typeof err === "object" && err !== null ? (err as DockerError).statusCode : undefined;
}

function wrap(what: string, err: unknown): RuntimeError {
  const e = (typeof err === "object" && err !== null ? err : {}) as DockerError;
  const detail = e.json?.message ?? e.message ?? String(err);
  return new RuntimeError(`${what}: ${detail}`, e.statusCode);
}

/** Docker's zero time means "never"; Kubernetes times have second precision. */
export function dockerTime(t: string | undefined): string | undefined {
  if (!t || t.startsWith("0001-01-01")) return undefined;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return t;
  return rfc3339(new Date(`${m[1]}${m[3]}`));
}

function bridgeIP(networks: Record<string, { IPAddress?: string }> | undefined): string {
  if (!networks) return "";
  return networks.bridge?.IPAddress || Object.values(networks).find((n) => n.IPAddress)?.IPAddress || "";
}

/** Docker's option naming a bridge network's Linux device; without it the device is br-<first 12 of the ID>. */
const BRIDGE_NAME_OPTION = "com.docker.network.bridge.name";

function networkInfo(n: Docker.NetworkInspectInfo): PodNetworkInfo {
  return {
    id: n.Id,
    name: n.Name,
    bridge: n.Options?.[BRIDGE_NAME_OPTION] ?? `br-${n.Id.slice(0, 12)}`,
    subnet: n.IPAM?.Config?.[0]?.Subnet ?? "",
    labels: n.Labels ?? {},
  };
}

function labelFilters(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Docker;

  constructor(socketPath = "/var/run/docker.sock") {
    this.docker = new Docker({ socketPath });
  }

  async version(): Promise<string> {
    try {
      const v = await this.docker.version();
      return `docker://${v.Version}`;
    } catch (err) {
      throw wrap("cannot reach the Docker engine (is dockerd running and --docker-socket right?)", err);
    }
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    try {
      const list = await this.docker.listContainers({ all: true, filters: { label: labelFilters(labels) } });
      return list.map((c) => ({
        id: c.Id,
        labels: c.Labels ?? {},
        state: c.State as ContainerStateName,
        created: c.Created,
      }));
    } catch (err) {
      throw wrap("listing containers failed", err);
    }
  }

  async inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    try {
      const i = await this.docker.getContainer(id).inspect();
      return {
        id: i.Id,
        name: i.Name.replace(/^\//, ""),
        labels: i.Config.Labels ?? {},
        state: i.State.Status as ContainerStateName,
        running: i.State.Running,
        exitCode: i.State.ExitCode,
        oomKilled: i.State.OOMKilled,
        startedAt: dockerTime(i.State.StartedAt),
        finishedAt: dockerTime(i.State.FinishedAt),
        createdAt: dockerTime(i.Created) ?? i.Created,
        imageId: i.Image,
        ipAddress: bridgeIP(i.NetworkSettings?.Networks),
        pid: i.State.Running ? i.State.Pid : 0,
        tty: i.Config.Tty,
        error: i.State.Error ?? "",
      };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw wrap(`inspecting container ${id} failed`, err);
    }
  }

  async containerDiskUsage(id: string): Promise<number | undefined> {
    let layer: number;
    let logPath: string;
    try {
      // size=1 makes Docker measure the writable layer (SizeRw), which costs a walk of it.
      // dockerode passes the options as the query; its types do not list size.
      const i = await this.docker.getContainer(id).inspect({ size: true } as Docker.ContainerInspectOptions);
      layer = (i as Docker.ContainerInspectInfo & { SizeRw?: number }).SizeRw ?? 0;
      logPath = i.LogPath;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw wrap(`measuring the disk use of container ${id} failed`, err);
    }
    // The log file lives on the node's disk too; an agent in a container may not see it.
    const logs = logPath ? await stat(logPath).then((s) => s.size, () => 0) : 0;
    return layer + logs;
  }

  async createContainer(spec: ContainerCreateSpec): Promise<string> {
    try {
      const c = await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Labels: spec.labels,
        Env: spec.env,
        Entrypoint: spec.entrypoint,
        Cmd: spec.cmd,
        WorkingDir: spec.workingDir,
        Hostname: spec.hostname,
        User: spec.user,
        OpenStdin: spec.openStdin,
        StdinOnce: spec.stdinOnce,
        AttachStdin: spec.openStdin,
        Tty: spec.tty,
        NetworkDisabled: spec.networkDisabled,
        HostConfig: {
          NetworkMode: spec.networkMode,
          NanoCpus: spec.nanoCpus,
          Memory: spec.memoryBytes,
          // Mounts, not Binds: a source that is missing is an error rather than a new empty directory.
          Mounts: spec.mounts?.map((m) => ({ Type: "bind" as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly, BindOptions: { Propagation: "rprivate" as const } })),
          GroupAdd: spec.groupAdd,
          Privileged: spec.privileged,
          ReadonlyRootfs: spec.readonlyRootfs,
          CapAdd: spec.capAdd,
          CapDrop: spec.capDrop,
          SecurityOpt: spec.securityOpt,
          Sysctls: spec.sysctls,
          PidMode: spec.pidMode,
          IpcMode: spec.ipcMode,
          // The agent restarts containers itself, so that restart counts and
          // CrashLoopBackOff are its own and visible.
          RestartPolicy: { Name: "no" },
        },
      });
      return c.id;
    } catch (err) {
      throw wrap(`creating container ${spec.name} failed`, err);
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (statusOf(err) === 304) return;
      throw wrap(`starting container ${id} failed`, err);
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.floor(timeoutSeconds)) });
    } catch (err) {
      const code = statusOf(err);
      if (code === 304 || code === 404) return;
      throw wrap(`stopping container ${id} failed`, err);
    }
  }

  async killContainer(id: string, signal = "SIGKILL"): Promise<void> {
    try {
      await this.docker.getContainer(id).kill({ signal });
    } catch (err) {
      const code = statusOf(err);
      if (code === 404 || code === 409) return; // gone, or not running
      throw wrap(`killing container ${id} failed`, err);
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true });
    } catch (err) {
      const code = statusOf(err);
      // 409: a removal is already in progress.
      if (code === 404 || code === 409) return;
      throw wrap(`removing container ${id} failed`, err);
    }
  }

  async imageId(ref: string): Promise<string | undefined> {
    try {
      const i = await this.docker.getImage(ref).inspect();
      return i.Id;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw wrap(`inspecting image ${ref} failed`, err);
    }
  }

  async inspectImage(ref: string): Promise<ImageDetails | undefined> {
    try {
      const i = await this.docker.getImage(ref).inspect();
      return { id: i.Id, user: i.Config?.User ?? "" };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw wrap(`inspecting image ${ref} failed`, err);
    }
  }

  async pullImage(ref: string, auth?: RegistryAuth): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.pull(ref, auth ? { authconfig: auth } : {});
    } catch (err) {
      throw wrap(`pulling image ${ref} failed`, err);
    }
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null) =>
        err ? reject(wrap(`pulling image ${ref} failed`, err)) : resolve(),
      );
    });
  }

  async logs(id: string, opts: LogOptions, signal?: AbortSignal): Promise<Readable> {
    const container = this.docker.getContainer(id);
    const base = {
      stdout: true,
      stderr: true,
      timestamps: opts.timestamps,
      since: opts.since > 0 ? opts.since : undefined,
      tail: opts.tail >= 0 ? opts.tail : undefined,
      abortSignal: signal,
    };
    let source: AsyncIterable<Buffer>;
    let tty: boolean;
    try {
      tty = (await container.inspect()).Config.Tty;
      source = opts.follow ? ((await container.logs({ ...base, follow: true })) as unknown as Readable) : Readable.from([await container.logs({ ...base, follow: false })]);
    } catch (err) {
      throw wrap(`reading logs of container ${id} failed`, err);
    }
    // A tty container's log is the terminal's one raw stream; another's is framed (exec/docker-frames.ts).
    const out = Readable.from(dockerLogBytes(source, tty), { objectMode: false });
    out.on("close", () => (source as Partial<Readable>).destroy?.());
    return out;
  }

  async exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecResult> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), opts.timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        const room = opts.maxOutputBytes - size;
        if (room > 0) {
          const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
          chunks.push(part);
          size += part.length;
        }
        done();
      },
    });
    // Known once Docker made the exec: a timed-out command is found (and killed) by it.
    let execId: string | undefined;
    try {
      const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, abortSignal: abort.signal });
      execId = exec.id;
      const stream = await exec.start({ hijack: true, stdin: false, abortSignal: abort.signal });
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          stream.destroy();
          reject(new ExecTimeoutError(cmd, opts.timeoutMs, execId));
        };
        if (abort.signal.aborted) return onAbort();
        abort.signal.addEventListener("abort", onAbort, { once: true });
        this.docker.modem.demuxStream(stream, sink, sink);
        stream.on("end", resolve);
        stream.on("close", resolve);
        stream.on("error", reject);
      });
      // The stream ends as the process exits; Docker may take a moment to record the exit code.
      for (;;) {
        const info = await exec.inspect({ abortSignal: abort.signal });
        if (!info.Running && info.ExitCode !== null) return { exitCode: info.ExitCode, output: Buffer.concat(chunks) };
        await new Promise((r) => setTimeout(r, 10));
      }
    } catch (err) {
      if (err instanceof ExecTimeoutError) throw err;
      if (abort.signal.aborted) throw new ExecTimeoutError(cmd, opts.timeoutMs, execId);
      throw wrap(`running ${JSON.stringify(cmd.join(" "))} in container ${id} failed`, err);
    } finally {
      clearTimeout(timer);
    }
  }

  async inspectExec(execId: string): Promise<ExecDetails | undefined> {
    try {
      const info = await this.docker.getExec(execId).inspect();
      return { running: info.Running, pid: info.Running ? info.Pid : 0, exitCode: info.ExitCode };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw wrap(`inspecting exec ${execId} failed`, err);
    }
  }

  async execStream(id: string, cmd: string[], opts: StreamOptions): Promise<ContainerProcess> {
    try {
      return await dockerExec(this.docker, id, cmd, opts);
    } catch (err) {
      throw wrap(`starting ${JSON.stringify(cmd.join(" "))} in container ${id} failed`, err);
    }
  }

  async attach(id: string, opts: StreamOptions): Promise<ContainerProcess> {
    try {
      return await dockerAttach(this.docker, id, opts);
    } catch (err) {
      throw wrap(`attaching to container ${id} failed`, err);
    }
  }

  async listNetworks(labels: Record<string, string>): Promise<PodNetworkInfo[]> {
    try {
      const list = await this.docker.listNetworks({ filters: { label: labelFilters(labels) } });
      return list.map(networkInfo);
    } catch (err) {
      throw wrap("listing Docker networks failed", err);
    }
  }

  async createNetwork(spec: PodNetworkSpec): Promise<PodNetworkInfo> {
    try {
      const network = await this.docker.createNetwork({
        Name: spec.name,
        Driver: "bridge",
        CheckDuplicate: true,
        Labels: spec.labels,
        IPAM: { Driver: "default", Config: [{ Subnet: spec.subnet, Gateway: spec.gateway }] },
        Options: {
          // The agent masquerades what leaves the cluster itself (see network/iptables.ts).
          "com.docker.network.bridge.enable_ip_masquerade": "false",
          "com.docker.network.driver.mtu": String(spec.mtu),
          [BRIDGE_NAME_OPTION]: spec.bridge,
        },
      });
      return { id: network.id, name: spec.name, bridge: spec.bridge, subnet: spec.subnet, labels: spec.labels };
    } catch (err) {
      throw wrap(
        `creating Docker network ${spec.name} (${spec.subnet}) failed; if another network holds this range, ` +
          `find it with docker network ls and remove it if it is a leftover`,
        err,
      );
    }
  }


  async removeNetwork(id: string): Promise<void> {
    try {
      await this.docker.getNetwork(id).remove();
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw wrap(`removing Docker network ${id} failed`, err);
    }
  }

  async *events(labels: Record<string, string>, signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.getEvents({
        filters: { type: ["container"], label: labelFilters(labels) },
        abortSignal: signal,
      } as Docker.GetEventsOptions);
    } catch (err) {
      throw wrap("watching Docker events failed", err);
    }
    const onAbort = () => (stream as Readable).destroy?.();
    signal.addEventListener("abort", onAbort, { once: true });
    let pending = "";
    try {
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        pending += chunk.toString();
        let nl: number;
        while ((nl = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, nl).trim();
          pending = pending.slice(nl + 1);
          if (!line) continue;
          const ev = JSON.parse(line) as { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
          if (!ev.Actor?.ID || !ev.Action) continue;
          yield { containerId: ev.Actor.ID, action: ev.Action, labels: ev.Actor.Attributes ?? {} };
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      throw wrap("the Docker event stream failed", err);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }
}
