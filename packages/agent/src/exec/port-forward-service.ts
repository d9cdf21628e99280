// AgentService.PortForward: one call is one TCP connection to a port of a pod. The
// agent dials the pod's IP on the pod network (the infra container's address), so
// a server the pod binds to 127.0.0.1 only is out of reach; the kubelet's
// nsenter-based forwarding would reach it.
import { connect, type Socket } from "node:net";
import { status as grpcStatus, type ServerDuplexStream } from "@grpc/grpc-js";
import { PortForwardOutput, type PortForwardInput, type PortForwardStart } from "@bosun/proto";
import { createLogger } from "@bosun/client";
import type { ContainerRuntime } from "../runtime/runtime.js";
import { INFRA_CONTAINER_NAME, LABEL_CONTAINER_NAME, sandboxIP } from "../labels.js";
import { podContainers, StreamError } from "./target.js";

const log = createLogger("agent/portforward");

type PortForwardCall = ServerDuplexStream<PortForwardInput, PortForwardOutput>;

const connectTimeoutMs = 10_000;

async function podIP(runtime: ContainerRuntime, nodeName: string, start: PortForwardStart): Promise<string> {
  const pod = `${start.namespace}/${start.podName}`;
  const infra = (await podContainers(runtime, nodeName, start)).find(
    (c) => c.labels[LABEL_CONTAINER_NAME] === INFRA_CONTAINER_NAME && c.state === "running",
  );
  const details = infra ? await runtime.inspectContainer(infra.id) : undefined;
  const ip = details ? sandboxIP(details) : "";
  if (!ip) {
    throw new StreamError(grpcStatus.FAILED_PRECONDITION, `pod ${pod} has no running network sandbox on this node; wait until it runs`);
  }
  return ip;
}

function dial(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => socket.destroy(new Error(`timed out after ${connectTimeoutMs} ms`)), connectTimeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", reject);
      resolve(socket);
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function firstInput(call: PortForwardCall): Promise<PortForwardInput | undefined> {
  return new Promise((resolve) => {
    const finish = (msg: PortForwardInput | undefined) => {
      call.off("data", onData);
      call.off("end", onEnd);
      call.off("cancelled", onEnd);
      resolve(msg);
    };
    const onData = (msg: PortForwardInput) => {
      call.pause();
      finish(msg);
    };
    const onEnd = () => finish(undefined);
    call.on("data", onData);
    call.once("end", onEnd);
    call.once("cancelled", onEnd);
  });
}

export async function servePortForward(runtime: ContainerRuntime, nodeName: string, call: PortForwardCall): Promise<void> {
  let socket: Socket;
  let start: PortForwardStart | undefined;
  try {
    start = (await firstInput(call))?.start;
    if (!start) throw new StreamError(grpcStatus.INVALID_ARGUMENT, "the first message of a PortForward call must carry `start`");
    const ip = await podIP(runtime, nodeName, start);
    try {
      socket = await dial(ip, start.port);
    } catch (err) {
      throw new StreamError(
        grpcStatus.FAILED_PRECONDITION,
        `cannot connect to port ${start.port} of pod ${start.namespace}/${start.podName} at ${ip}: ${(err as Error).message}`,
      );
    }
  } catch (err) {
    if (call.cancelled) return;
    const code = err instanceof StreamError ? err.code : grpcStatus.INTERNAL;
    log.debug({ pod: start ? `${start.namespace}/${start.podName}` : undefined, err: (err as Error).message }, "port-forward refused");
    call.emit("error", { code, details: (err as Error).message });
    return;
  }
  const conn = socket;
  call.on("cancelled", () => conn.destroy());
  conn.on("error", (err) => log.debug({ port: start?.port, err: err.message }, "port-forward connection failed"));
  call.write(PortForwardOutput.fromPartial({ connected: true }));

  // Client to pod; reading the call waits while the pod is slow to take bytes.
  call.on("data", (msg: PortForwardInput) => {
    if (msg.data.length > 0 && !conn.writableEnded && !conn.write(msg.data)) {
      call.pause();
      conn.once("drain", () => call.resume());
    }
    if (msg.closed && !conn.writableEnded) conn.end();
  });
  call.on("end", () => {
    if (!conn.writableEnded) conn.end();
  });
  call.resume();

  // Pod to client.
  conn.on("data", (data: Buffer) => {
    if (!call.write(PortForwardOutput.fromPartial({ data }))) {
      conn.pause();
      call.once("drain", () => conn.resume());
    }
  });
  conn.once("close", () => {
    if (!call.cancelled && !call.writableEnded) call.end();
  });
}
