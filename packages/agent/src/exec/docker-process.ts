// Interactive exec and attach on the Docker Engine: the hijacked connection Docker
// hands over carries stdin one way and the (multiplexed, unless a tty) output the
// other; closing its write side is the process's end of file.
import type { Socket } from "node:net";
import type Docker from "dockerode";
import { createLogger } from "@bosun/client";
import { RuntimeError, type ContainerProcess, type ProcessOutput, type StreamOptions } from "../runtime/runtime.js";
import { dockerOutput } from "./docker-frames.js";

const log = createLogger("agent/exec");

/** How long to wait for Docker to record an exec's exit code after its output ended. */
const exitCodeWaitMs = 10_000;

class DockerProcess implements ContainerProcess {
  readonly stdin: Socket | undefined;
  private readonly tty: boolean;
  private read = false;
  /** The last resize asked for; resizes run one at a time, so the terminal ends at the last size. */
  private resizing: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    opts: StreamOptions,
    private readonly resizeFn: (width: number, height: number) => Promise<void>,
    private readonly exitCodeFn: () => Promise<number>,
  ) {
    this.stdin = opts.stdin ? socket : undefined;
    // Without stdin the process must not wait for input that never comes.
    if (!opts.stdin) socket.end();
    this.tty = opts.tty;
  }

  output(): AsyncIterable<ProcessOutput> {
    if (this.read) throw new Error("the output of a container process can be read once");
    this.read = true;
    return dockerOutput(this.socket, this.tty);
  }

  resize(width: number, height: number): Promise<void> {
    // Two resize calls to Docker in flight may land in either order; kubectl attach sends
    // its size plus one and then its size at once (to make the screen redraw).
    const next = this.resizing.then(() => this.resizeFn(width, height));
    this.resizing = next.catch(() => undefined);
    return next;
  }

  exitCode(): Promise<number> {
    return this.exitCodeFn();
  }

  close(): void {
    this.socket.destroy();
  }
}

export async function dockerExec(docker: Docker, id: string, cmd: string[], opts: StreamOptions): Promise<ContainerProcess> {
  const exec = await docker.getContainer(id).exec({
    Cmd: cmd,
    AttachStdin: opts.stdin,
    AttachStdout: opts.stdout,
    AttachStderr: opts.stderr,
    Tty: opts.tty,
  });
  const socket = (await exec.start({ hijack: true, stdin: true, Tty: opts.tty })) as Socket;
  return new DockerProcess(
    socket,
    opts,
    async (w, h) => {
      await exec.resize({ w, h });
    },
    async () => {
      // The stream ends as the process exits; Docker may take a moment to record the code.
      const deadline = Date.now() + exitCodeWaitMs;
      for (;;) {
        const info = await exec.inspect();
        if (!info.Running && info.ExitCode !== null) return info.ExitCode;
        if (Date.now() > deadline) {
          throw new Error(`Docker did not record the exit code of ${JSON.stringify(cmd.join(" "))} in container ${id} within ${exitCodeWaitMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  );
}

export async function dockerAttach(docker: Docker, id: string, opts: StreamOptions): Promise<ContainerProcess> {
  const container = docker.getContainer(id);
  const info = await container.inspect();
  if (opts.stdin && !info.Config.OpenStdin) {
    throw new RuntimeError(`container ${id} was not started with stdin open, so nothing can be sent to it; attach without -i`, 400);
  }
  // Docker's frame format follows the container's own tty setting, not the client's wish.
  const tty = info.Config.Tty;
  if (opts.tty !== tty) log.debug({ container: id, askedTty: opts.tty, tty }, "attach follows the container's tty setting");
  const socket = (await container.attach({
    hijack: true,
    stream: true,
    stdin: opts.stdin,
    stdout: opts.stdout,
    stderr: opts.stderr,
  })) as unknown as Socket;
  return new DockerProcess(
    socket,
    { ...opts, tty },
    async (w, h) => {
      await container.resize({ w, h });
    },
    async () => 0,
  );
}
