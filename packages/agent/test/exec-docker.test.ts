// AgentService.Exec against the real Docker engine: output, stdin, exit codes, tty
// resize, large output through backpressure, and the errors before a process runs.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { ClientDuplexStream, ServiceError } from "@grpc/grpc-js";
import Docker from "dockerode";
import { AgentServiceClient, ExecInput, PortForwardInput, type ExecOutput, type ExecStart, type PortForwardOutput } from "@bosun/proto";
import { AgentServer, DockerRuntime } from "../src/index.js";
import { BUSYBOX_IMAGE, ensureTestImages } from "./support/images.js";
import { agentServiceClient, nodeCredentials } from "./support/tls.js";

const docker = new Docker();
const runId = randomUUID().slice(0, 8);
const nodeName = `exec-test-${runId}`;
const testLabel = { "bosun.io/test": runId };
const podUid = `uid-${runId}`;
const server = new AgentServer(new DockerRuntime(), nodeName, (await nodeCredentials(nodeName)).serverCredentials());
let client: AgentServiceClient;

async function createPodContainer(name: string, cmd: string[], extra: Docker.ContainerCreateOptions = {}): Promise<Docker.Container> {
  const c = await docker.createContainer({
    name: `bosun-exec-test-${runId}-${name}`,
    Image: BUSYBOX_IMAGE,
    Cmd: cmd,
    Labels: {
      ...testLabel,
      "bosun.io/node-name": nodeName,
      "bosun.io/pod-uid": podUid,
      "bosun.io/pod-name": "p",
      "bosun.io/pod-namespace": "default",
      "bosun.io/container-name": name,
      "bosun.io/restart-count": "0",
    },
    ...extra,
  });
  await c.start();
  return c;
}

interface Result {
  started: boolean;
  stdout: string;
  stderr: string;
  exitCode?: number;
  error?: string;
}

function start(over: Partial<ExecStart>): ExecStart {
  return { podUid, namespace: "default", podName: "p", container: "main", command: [], attach: false, stdin: false, stdout: true, stderr: true, tty: false, ...over };
}

/** Runs one Exec call; `drive` may send input once the process started. */
function run(s: ExecStart, drive?: (call: ClientDuplexStream<ExecInput, ExecOutput>) => void): Promise<Result> {
  const call = client.exec();
  const result: Result = { started: false, stdout: "", stderr: "" };
  return new Promise((resolve, reject) => {
    call.on("data", (msg: ExecOutput) => {
      if (msg.started) {
        result.started = true;
        drive?.(call);
      }
      result.stdout += Buffer.from(msg.stdout).toString();
      result.stderr += Buffer.from(msg.stderr).toString();
      if (msg.exit) {
        result.exitCode = msg.exit.exitCode;
        if (msg.exit.error) result.error = msg.exit.error;
      }
    });
    call.on("error", reject);
    call.on("end", () => resolve(result));
    call.write(ExecInput.fromPartial({ start: s }));
  });
}

describe("exec in a container through the agent", () => {
  before(async () => {
    ensureTestImages();
    // The infra container owns the pod's IP; here it also serves HTTP for port-forward.
    await createPodContainer("POD", ["sh", "-c", "mkdir /www && echo served-by-pod > /www/index.html && httpd -f -p 8080 -h /www"]);
    await createPodContainer("main", ["sh", "-c", "sleep 3600"]);
    const stopped = await createPodContainer("done", ["true"]);
    await stopped.wait();
    const port = await server.listen("127.0.0.1:0");
    client = await agentServiceClient(`127.0.0.1:${port}`, nodeName);
  });

  after(async () => {
    client?.close();
    server.forceClose();
    const mine = await docker.listContainers({ all: true, filters: { label: [`bosun.io/test=${runId}`] } });
    await Promise.all(mine.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  });

  test("stdout and stderr arrive apart, and the exit code comes last", async () => {
    const r = await run(start({ command: ["sh", "-c", "echo out; echo err >&2; exit 3"] }));
    assert.deepEqual(r, { started: true, stdout: "out\n", stderr: "err\n", exitCode: 3 });
  });

  test("stdin reaches the process and its end of file ends it", async () => {
    const r = await run(start({ command: ["sh", "-c", "tr a-z A-Z; echo done"], stdin: true }), (call) => {
      call.write(ExecInput.fromPartial({ stdin: Buffer.from("hello ") }));
      call.write(ExecInput.fromPartial({ stdin: Buffer.from("bosun\n"), stdinClosed: true }));
    });
    assert.equal(r.stdout, "HELLO BOSUN\ndone\n");
    assert.equal(r.exitCode, 0);
  });

  test("a tty takes the size it is given", async () => {
    const r = await run(start({ command: ["sh", "-c", "sleep 1; stty size"], tty: true, stderr: false }), (call) => {
      call.write(ExecInput.fromPartial({ resize: { width: 123, height: 45 } }));
    });
    assert.equal(r.stdout.trim(), "45 123");
    assert.equal(r.exitCode, 0);
  });

  test("megabytes of output arrive whole", async () => {
    const r = await run(start({ command: ["sh", "-c", "head -c 4000000 /dev/zero | tr '\\0' x"], stderr: false }));
    assert.equal(r.stdout.length, 4_000_000);
    assert.match(r.stdout, /^x+$/);
    assert.equal(r.exitCode, 0);
  });

  test("a container that is not running or not there is refused before anything runs", async () => {
    await assert.rejects(run(start({ container: "done", command: ["true"] })), (err: ServiceError) => {
      assert.match(err.details, /container "done" of pod default\/p is not running/);
      return true;
    });
    await assert.rejects(run(start({ container: "nope", command: ["true"] })), (err: ServiceError) => {
      assert.match(err.details, /container "nope" of pod default\/p is not on this node/);
      return true;
    });
  });

  test("port-forward carries a TCP connection to the pod's port both ways", async () => {
    const call = client.portForward();
    let connected = false;
    let received = "";
    const done = new Promise<void>((resolve, reject) => {
      call.on("data", (msg: PortForwardOutput) => {
        if (msg.connected) {
          connected = true;
          call.write(PortForwardInput.fromPartial({ data: Buffer.from("GET /index.html HTTP/1.0\r\n\r\n") }));
          call.write(PortForwardInput.fromPartial({ closed: true }));
        }
        received += Buffer.from(msg.data).toString();
      });
      call.on("end", resolve);
      call.on("error", reject);
    });
    call.write(PortForwardInput.fromPartial({ start: { podUid, namespace: "default", podName: "p", port: 8080 } }));
    await done;
    assert.ok(connected);
    assert.match(received, /^HTTP\/1.[01] 200/);
    assert.match(received, /served-by-pod/);
  });

  test("port-forward to a closed port is refused with the reason", async () => {
    const call = client.portForward();
    const err = await new Promise<ServiceError>((resolve) => {
      call.on("error", resolve);
      call.on("data", () => undefined);
      call.write(PortForwardInput.fromPartial({ start: { podUid, namespace: "default", podName: "p", port: 9 } }));
    });
    assert.match(err.details, /cannot connect to port 9 of pod default\/p at [\d.]+: connect ECONNREFUSED/);
  });
});
