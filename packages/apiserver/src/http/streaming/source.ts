// What the apiserver needs to run a process in a pod's container or to reach one of
// its ports. The master provides it (it knows the pod's agent); the apiserver only
// speaks the client protocols (WebSocket channels, SPDY streams) on top of it.
import type { Pod } from "@bosun/api";

/** An exec (a new command) or an attach (the container's main process). */
export interface PodExecRequest {
  container: string;
  /** The command and its arguments; empty for an attach. */
  command: string[];
  attach: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export type ProcessEvent =
  | { kind: "stdout"; data: Uint8Array }
  | { kind: "stderr"; data: Uint8Array }
  | { kind: "exit"; exitCode: number }
  /** The process could not be followed to its end; its exit code is unknown. */
  | { kind: "error"; message: string };

/** A running process whose streams the apiserver relays to a client. */
export interface RemoteProcess {
  /**
   * Output in order, ending with one exit or error event. Read once; reading slowly
   * slows the process's output down instead of buffering it.
   */
  readonly events: AsyncIterable<ProcessEvent>;
  /** Resolves once the data is on its way and more may be sent. */
  writeStdin(data: Uint8Array): Promise<void>;
  /** The process reads end of file. */
  closeStdin(): void;
  resize(width: number, height: number): void;
  /** The client went away: stop following the process. */
  cancel(): void;
}

/** One TCP connection to a port in a pod's network namespace. */
export interface PodConnection {
  /** Bytes from the pod; ends when the pod's side closes. Read once. */
  readonly data: AsyncIterable<Uint8Array>;
  /** Resolves once the data is on its way and more may be sent. */
  write(data: Uint8Array): Promise<void>;
  /** No more bytes will be sent (a half-close). */
  closeWrite(): void;
  cancel(): void;
}

/** Where pod processes and ports are reached; provided by the master. */
export interface PodStreamSource {
  /** Starts the process; rejects with a StatusError (and runs nothing) when it cannot. */
  exec(pod: Pod, req: PodExecRequest): Promise<RemoteProcess>;
  /** Connects to a port of the pod; rejects with a StatusError when it cannot. */
  portForward(pod: Pod, port: number): Promise<PodConnection>;
}
