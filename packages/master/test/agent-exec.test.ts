import { test } from "node:test";
import assert from "node:assert/strict";
import { Server, status as grpcStatus, type ServerDuplexStream } from "@grpc/grpc-js";
import type { Node } from "@bosun/api";
import { StatusError, type PodExecRequest, type ProcessEvent } from "@bosun/apiserver";
import { AgentServiceService, ExecOutput, PortForwardOutput, type ExecInput, type PortForwardInput } from "@bosun/proto";
import { AgentClients } from "../src/agent-clients.js";
import { AgentStreamSource } from "../src/agent-exec.js";
import { pod } from "./fakes.js";
import { agentServerCredentials, masterTls } from "./support/tls.js";

/**
 * An AgentService whose exec echoes stdin upper-cased and exits 7 at end of file,
 * refuses container "gone", and whose port-forward echoes bytes back.
 */
async function fakeAgent() {
  const starts: ExecInput[] = [];
  const resizes: string[] = [];
  const server = new Server();
  server.addService(AgentServiceService, {
    exec(call: ServerDuplexStream<ExecInput, ExecOutput>) {
      call.on("data", (msg: ExecInput) => {
        if (msg.start) {
          starts.push(msg);
          if (msg.start.container === "gone") {
            call.emit("error", { code: grpcStatus.FAILED_PRECONDITION, details: 'container "gone" of pod default/a is not running' });
            return;
          }
          call.write(ExecOutput.fromPartial({ started: true }));
          call.write(ExecOutput.fromPartial({ stderr: Buffer.from("ready\n") }));
        }
        if (msg.stdin.length > 0) call.write(ExecOutput.fromPartial({ stdout: Buffer.from(Buffer.from(msg.stdin).toString().toUpperCase()) }));
        if (msg.resize) resizes.push(`${msg.resize.width}x${msg.resize.height}`);
        if (msg.stdinClosed) {
          call.write(ExecOutput.fromPartial({ exit: { exitCode: 7 } }));
          call.end();
        }
      });
    },
    portForward(call: ServerDuplexStream<PortForwardInput, PortForwardOutput>) {
      call.on("data", (msg: PortForwardInput) => {
        if (msg.start) call.write(PortForwardOutput.fromPartial({ connected: true }));
        if (msg.data.length > 0) call.write(PortForwardOutput.fromPartial({ data: msg.data }));
        if (msg.closed) call.end();
      });
    },
  });
  const serverCredentials = await agentServerCredentials("n1");
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", serverCredentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  const node: Node = { apiVersion: "v1", kind: "Node", metadata: { name: "n1", annotations: { "bosun.io/agent-endpoint": `127.0.0.1:${port}` } } };
  return { starts, resizes, node, stop: () => server.forceShutdown() };
}

const req: PodExecRequest = { container: "c", command: ["sh"], attach: false, stdin: true, stdout: true, stderr: true, tty: false };

test("exec runs on the pod's agent: output, stdin, resize and the exit code come through in order", async () => {
  const agent = await fakeAgent();
  const agents = new AgentClients({ getNode: async () => agent.node, tls: await masterTls() });
  const source = new AgentStreamSource(agents);
  try {
    const proc = await source.exec(pod("a", "n1"), req);
    assert.deepEqual(agent.starts[0]?.start, { podUid: "uid-a", namespace: "default", podName: "a", ...req });
    await proc.writeStdin(Buffer.from("abc"));
    proc.resize(80, 24);
    proc.closeStdin();
    const events: string[] = [];
    for await (const ev of proc.events) events.push(describe(ev));
    assert.deepEqual(events, ["stderr:ready\n", "stdout:ABC", "exit:7"]);
    assert.deepEqual(agent.resizes, ["80x24"]);
  } finally {
    agents.close();
    agent.stop();
  }
});

test("an agent that refuses to start the process is a 400 before anything is upgraded", async () => {
  const agent = await fakeAgent();
  const agents = new AgentClients({ getNode: async () => agent.node, tls: await masterTls() });
  const source = new AgentStreamSource(agents);
  try {
    await assert.rejects(source.exec(pod("a", "n1"), { ...req, container: "gone" }), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.code, 400);
      assert.match(err.message, /exec of pod default\/a: container "gone" of pod default\/a is not running/);
      return true;
    });
    const down = new AgentClients({ getNode: async () => ({ ...agent.node, metadata: { name: "n1", annotations: { "bosun.io/agent-endpoint": "127.0.0.1:1" } } }), tls: await masterTls() });
    await assert.rejects(new AgentStreamSource(down).exec(pod("a", "n1"), req), (err: unknown) => {
      assert.ok(err instanceof StatusError);
      assert.equal(err.code, 503);
      assert.match(err.message, /cannot reach the agent of node "n1" at 127.0.0.1:1 for exec of pod default\/a/);
      return true;
    });
    down.close();
  } finally {
    agents.close();
    agent.stop();
  }
});

test("port-forward carries bytes both ways and ends when the agent's side closes", async () => {
  const agent = await fakeAgent();
  const agents = new AgentClients({ getNode: async () => agent.node, tls: await masterTls() });
  const source = new AgentStreamSource(agents);
  try {
    const conn = await source.portForward(pod("a", "n1"), 8080);
    await conn.write(Buffer.from("ping"));
    conn.closeWrite();
    let got = "";
    for await (const chunk of conn.data) got += Buffer.from(chunk).toString();
    assert.equal(got, "ping");
  } finally {
    agents.close();
    agent.stop();
  }
});

function describe(ev: ProcessEvent): string {
  switch (ev.kind) {
    case "stdout":
    case "stderr":
      return `${ev.kind}:${Buffer.from(ev.data).toString()}`;
    case "exit":
      return `exit:${ev.exitCode}`;
    case "error":
      return `error:${ev.message}`;
  }
}
