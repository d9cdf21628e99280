// AgentService.Exec: one call is one exec'd command (or one attach). The first input
// names the pod, container and command; the agent starts the process, says
// `started`, then pumps stdin in and stdout/stderr out, each side waiting for the
// other's buffer to drain, and ends with the exit code.
import { status as grpcStatus, type ServerDuplexStream } from "@grpc/grpc-js";
import { ExecOutput, type ExecInput, type ExecStart } from "@bosun/proto";
import { createLogger } from "@bosun/client";
import { RuntimeError, type ContainerProcess, type ContainerRuntime } from "../runtime/runtime.js";
import { pickRunningContainer, podContainers, StreamError } from "./target.js";

const log = createLogger("agent/exec");

type ExecCall = ServerDuplexStream<ExecInput, ExecOutput>;

export async function serveExec(runtime: ContainerRuntime, nodeName: string, call: ExecCall): Promise<void> {
  const abort = new AbortController();
  call.on("cancelled", () => abort.abort());
  call.on("error", () => abort.abort());
  let start: ExecStart | undefined;
  let proc: ContainerProcess | undefined;
  try {
    const first = await firstInput(call, abort.signal);
    if (!first) return;
    start = first.start;
    if (!start) throw new StreamError(grpcStatus.INVALID_ARGUMENT, "the first message of an Exec call must carry `start`");
    if (!start.attach && start.command.length === 0) {
      throw new StreamError(grpcStatus.INVALID_ARGUMENT, "exec needs a command: give at least one command argument");
    }
    const target = pickRunningContainer(start, start.container, await podContainers(runtime, nodeName, start));
    const opts = { stdin: start.stdin, stdout: start.stdout, stderr: start.stderr && !start.tty, tty: start.tty };
    proc = start.attach ? await runtime.attach(target.id, opts) : await runtime.execStream(target.id, start.command, opts);
  } catch (err) {
    if (abort.signal.aborted) return;
    const code = err instanceof StreamError ? err.code : runtimeErrorCode(err);
    log.warn({ pod: start ? `${start.namespace}/${start.podName}` : undefined, err: (err as Error).message }, "starting exec failed");
    call.emit("error", { code, details: (err as Error).message });
    return;
  }
  const running = proc;
  const what = { pod: `${start.namespace}/${start.podName}`, container: start.container, attach: start.attach };
  if (abort.signal.aborted) {
    running.close();
    return;
  }
  abort.signal.addEventListener("abort", () => running.close(), { once: true });
  log.debug(what, "exec started");
  call.write(ExecOutput.fromPartial({ started: true }));
  forwardInput(call, running);
  try {
    for await (const out of running.output()) {
      const msg = ExecOutput.fromPartial(out.stream === "stdout" ? { stdout: out.data } : { stderr: out.data });
      if (!call.write(msg)) await waitForDrain(call, abort.signal);
      if (abort.signal.aborted) return;
    }
    const exitCode = await running.exitCode();
    log.debug({ ...what, exitCode }, "exec finished");
    call.write(ExecOutput.fromPartial({ exit: { exitCode } }));
    call.end();
  } catch (err) {
    if (abort.signal.aborted) return;
    log.warn({ ...what, err: (err as Error).message }, "following exec failed");
    call.write(ExecOutput.fromPartial({ exit: { error: (err as Error).message } }));
    call.end();
  } finally {
    running.close();
  }
}

/** A runtime's refusal as the gRPC code the apiserver turns into an HTTP status. */
function runtimeErrorCode(err: unknown): grpcStatus {
  const status = err instanceof RuntimeError ? err.statusCode : undefined;
  if (status === 404) return grpcStatus.NOT_FOUND;
  if (status === 400 || status === 409) return grpcStatus.FAILED_PRECONDITION;
  return grpcStatus.INTERNAL;
}

/**
 * The call's first message. The call stays paused after it, so that input sent
 * while the process starts waits in gRPC's buffers instead of being dropped.
 */
function firstInput(call: ExecCall, signal: AbortSignal): Promise<ExecInput | undefined> {
  return new Promise((resolve) => {
    const finish = (msg: ExecInput | undefined) => {
      call.off("data", onData);
      call.off("end", onEnd);
      signal.removeEventListener("abort", onEnd);
      resolve(msg);
    };
    const onData = (msg: ExecInput) => {
      call.pause();
      finish(msg);
    };
    const onEnd = () => finish(undefined);
    call.on("data", onData);
    call.once("end", onEnd);
    signal.addEventListener("abort", onEnd, { once: true });
  });
}

/** stdin, end of file and terminal size changes from the call to the process. */
function forwardInput(call: ExecCall, proc: ContainerProcess): void {
  const stdin = proc.stdin;
  stdin?.on("error", (err: Error) => log.debug({ err: err.message }, "writing to an exec's stdin failed"));
  const endStdin = () => {
    if (stdin && !stdin.writableEnded) stdin.end();
  };
  call.on("data", (msg: ExecInput) => {
    if (msg.stdin.length > 0 && stdin && !stdin.writableEnded) {
      // Stop reading the call while the process is slow to take its input.
      if (!stdin.write(msg.stdin)) {
        call.pause();
        stdin.once("drain", () => call.resume());
      }
    }
    if (msg.stdinClosed) endStdin();
    if (msg.resize) {
      const { width, height } = msg.resize;
      proc.resize(width, height).catch((err: Error) => log.debug({ err: err.message }, "resizing an exec's terminal failed"));
    }
  });
  call.on("end", endStdin);
  call.resume();
}

function waitForDrain(call: ExecCall, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      call.off("drain", done);
      resolve();
    };
    call.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
