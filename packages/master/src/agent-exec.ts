// The apiserver's source of pod processes and pod ports: exec, attach and
// port-forward run on the agent of the pod's node, over AgentService's Exec and
// PortForward streams, reached through the master's one set of agent clients. A call counts as started only once the agent says so, so
// that failures before that become ordinary HTTP errors for the client.
import { once } from "node:events";
import type { ClientDuplexStream } from "@grpc/grpc-js";
import type { Pod } from "@bosun/api";
import type { PodConnection, PodExecRequest, PodStreamSource, ProcessEvent, RemoteProcess } from "@bosun/apiserver";
import { ExecInput, PortForwardInput, type ExecOutput, type PortForwardOutput } from "@bosun/proto";
import { failure, isServiceError, translateAgentError, type AgentClients, type PodAgent } from "./agent-clients.js";

type Duplex<I, O> = ClientDuplexStream<I, O>;

/**
 * The call's first message. The call is left paused after it, so what follows is
 * read in order by whoever iterates the call next.
 */
function firstMessage<I, O>(call: Duplex<I, O>): Promise<O | undefined> {
  return new Promise((resolve, reject) => {
    const finish = () => {
      call.off("data", onData);
      call.off("error", onError);
      call.off("end", onEnd);
    };
    const onData = (msg: O) => {
      call.pause();
      finish();
      resolve(msg);
    };
    const onError = (err: Error) => {
      finish();
      reject(err);
    };
    const onEnd = () => {
      finish();
      resolve(undefined);
    };
    call.on("data", onData);
    call.once("error", onError);
    call.once("end", onEnd);
  });
}

/** Writes with gRPC's flow control: resolves once the call can take more. */
async function send<I, O>(call: Duplex<I, O>, msg: I): Promise<void> {
  if (call.write(msg)) return;
  await Promise.race([once(call, "drain"), once(call, "close"), once(call, "error")]).catch(() => undefined);
}

/** Starts a call and waits for the agent's first answer; failures become a Status. */
async function open<I, O>(agent: PodAgent, what: string, call: Duplex<I, O>, start: I, isStarted: (msg: O) => boolean): Promise<void> {
  call.on("error", () => undefined); // failures after the start are read from the iterator
  call.write(start);
  let first: O | undefined;
  try {
    first = await firstMessage(call);
  } catch (err) {
    call.cancel();
    if (isServiceError(err)) throw translateAgentError(err, agent, what);
    throw err;
  }
  if (first === undefined || !isStarted(first)) {
    call.cancel();
    throw failure(500, "InternalError", `the agent of node "${agent.nodeName}" did not start ${what} of pod ${agent.podName}; see its log`);
  }
}

class AgentProcess implements RemoteProcess {
  private cancelled = false;
  readonly events: AsyncIterable<ProcessEvent>;

  constructor(private readonly call: Duplex<ExecInput, ExecOutput>) {
    this.events = this.read();
  }

  private async *read(): AsyncIterable<ProcessEvent> {
    try {
      for await (const msg of this.call as AsyncIterable<ExecOutput>) {
        if (msg.stdout.length > 0) yield { kind: "stdout", data: msg.stdout };
        if (msg.stderr.length > 0) yield { kind: "stderr", data: msg.stderr };
        if (msg.exit) {
          yield msg.exit.error ? { kind: "error", message: msg.exit.error } : { kind: "exit", exitCode: msg.exit.exitCode };
          return;
        }
      }
      yield { kind: "error", message: "the agent ended the stream without the process's exit code" };
    } catch (err) {
      if (this.cancelled) return;
      yield { kind: "error", message: isServiceError(err) ? `the agent's stream broke: ${err.details}` : String(err) };
    }
  }

  writeStdin(data: Uint8Array): Promise<void> {
    return send(this.call, ExecInput.fromPartial({ stdin: Buffer.from(data.buffer, data.byteOffset, data.byteLength) }));
  }

  closeStdin(): void {
    this.call.write(ExecInput.fromPartial({ stdinClosed: true }));
  }

  resize(width: number, height: number): void {
    this.call.write(ExecInput.fromPartial({ resize: { width, height } }));
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.call.cancel();
  }
}

class AgentConnection implements PodConnection {
  private cancelled = false;
  readonly data: AsyncIterable<Uint8Array>;

  constructor(private readonly call: Duplex<PortForwardInput, PortForwardOutput>) {
    this.data = this.read();
  }

  private async *read(): AsyncIterable<Uint8Array> {
    try {
      for await (const msg of this.call as AsyncIterable<PortForwardOutput>) if (msg.data.length > 0) yield msg.data;
    } catch (err) {
      if (this.cancelled) return;
      throw new Error(isServiceError(err) ? err.details : String(err));
    }
  }

  write(data: Uint8Array): Promise<void> {
    return send(this.call, PortForwardInput.fromPartial({ data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) }));
  }

  closeWrite(): void {
    this.call.write(PortForwardInput.fromPartial({ closed: true }));
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.call.cancel();
  }
}

export class AgentStreamSource implements PodStreamSource {
  /** Shared with the log source; whoever created it closes it. */
  constructor(private readonly agents: AgentClients) {}

  async exec(pod: Pod, req: PodExecRequest): Promise<RemoteProcess> {
    const what = req.attach ? "attach" : "exec";
    const agent = await this.agents.forPod(pod, what);
    const call = agent.client.exec();
    const start = ExecInput.fromPartial({
      start: {
        podUid: pod.metadata.uid ?? "",
        namespace: pod.metadata.namespace ?? "",
        podName: pod.metadata.name ?? "",
        container: req.container,
        command: req.command,
        attach: req.attach,
        stdin: req.stdin,
        stdout: req.stdout,
        stderr: req.stderr,
        tty: req.tty,
      },
    });
    await open(agent, what, call, start, (msg) => msg.started);
    return new AgentProcess(call);
  }

  async portForward(pod: Pod, port: number): Promise<PodConnection> {
    const agent = await this.agents.forPod(pod, "port-forward");
    const call = agent.client.portForward();
    const start = PortForwardInput.fromPartial({
      start: { podUid: pod.metadata.uid ?? "", namespace: pod.metadata.namespace ?? "", podName: pod.metadata.name ?? "", port },
    });
    await open(agent, `port-forward to port ${port}`, call, start, (msg) => msg.connected);
    return new AgentConnection(call);
  }
}
