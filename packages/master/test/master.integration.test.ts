// The real bosun-master binary against a real etcd, with a fake agent written here
// on NodeServiceClient: the whole dispatcher protocol, through the public API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { credentials } from "@grpc/grpc-js";
import { mustResource, type Event, type KubeList, type KubeObject, type Node, type Pod } from "@bosun/api";
import {
  bootstrapTokenNamespace,
  bootstrapTokenSecretName,
  bootstrapTokenType,
  certificateSans,
  createCertificateRequest,
  identityFromCertificate,
  nodesGroup,
  nodeUser,
} from "@bosun/pki";
import { freePort, startTestEtcd } from "@bosun/apiserver/testing";
import { ApiClient, isNotFound, sleep } from "@bosun/client";
import {
  AssignmentChange_Action as Action,
  AssignmentsMessage_Type as Type,
  NodeServiceClient,
  type AssignmentsMessage,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type RegisterResponse,
} from "@bosun/proto";
import { eventResource, nodeResource, podResource } from "../src/resources.js";

const mainJs = fileURLToPath(new URL("../src/main.js", import.meta.url));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(50);
  }
  assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ""}`);
}

function unary<Req, Res>(fn: (req: Req, cb: (err: Error | null, res: Res) => void) => unknown, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

test("bosun-master serves the agent protocol end to end", { timeout: 90_000 }, async (t) => {
  const etcd = await startTestEtcd();
  t.after(() => etcd.stop());
  const apiPort = await freePort();
  const grpcPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "bosun-master-it-"));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let masterLog = "";
  const master: ChildProcess = spawn(
    process.execPath,
    [
      mainJs,
      "--etcd-servers", etcd.endpoint,
      "--etcd-prefix", `/it-${randomBytes(4).toString("hex")}`,
      "--api-listen", `127.0.0.1:${apiPort}`,
      "--grpc-listen", `127.0.0.1:${grpcPort}`,
      "--data-dir", dataDir,
      "--heartbeat-period-ms", "300",
      "--node-monitor-grace-ms", "1500",
      "--log-level", "info",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  master.stderr?.on("data", (chunk: Buffer) => {
    masterLog = (masterLog + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => master.once("exit", (code) => resolve(code)));
  t.after(() => {
    if (master.exitCode === null) master.kill("SIGKILL");
  });
  let passed = false;
  t.after(() => {
    if (!passed) process.stderr.write(`--- bosun-master log (last 20 kB) ---\n${masterLog}\n`);
  });

  // The master made its PKI at first start; the test is its admin.
  await until("the API server", () => (/API server listening/.test(masterLog) ? true : undefined));
  const pkiFile = (name: string) => readFileSync(join(dataDir, "pki", name), "utf8");
  const ca = pkiFile("ca.crt");
  // In-cluster clients verify the API by the `kubernetes` Service's IP and name (default range 10.96.0.0/12).
  const apiSans = certificateSans(pkiFile("apiserver.crt"));
  for (const san of ["10.96.0.1", "kubernetes.default.svc.cluster.local", "kubernetes.default", "127.0.0.1"]) assert.ok(apiSans.includes(san), `the API certificate names ${san}: ${apiSans.join(", ")}`);
  const server = `https://127.0.0.1:${apiPort}`;
  const api = new ApiClient({ server, credentials: { ca, cert: pkiFile("admin.crt"), key: pkiFile("admin.key") } });
  t.after(() => api.close());
  await until("the API server", async () => ((await api.request("GET", "/healthz")).ok ? true : undefined));
  await until("the dispatcher", () => (/dispatcher listening for agents/.test(masterLog) ? true : undefined));

  // ---- the fake agent joins with a bootstrap token, as bosun-agent --token does ----
  const nodeName = `it-node-${randomBytes(3).toString("hex")}`;
  const token = { id: randomBytes(3).toString("hex"), secret: randomBytes(8).toString("hex") };
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  const bootstrapSecret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: bootstrapTokenSecretName(token.id), namespace: bootstrapTokenNamespace },
    type: bootstrapTokenType,
    data: { "token-id": b64(token.id), "token-secret": b64(token.secret), "usage-bootstrap-authentication": b64("true") },
  };
  await api.create(mustResource("secrets"), bootstrapSecret as KubeObject, bootstrapTokenNamespace);
  const joiner = new ApiClient({ server, credentials: { ca, token: `${token.id}.${token.secret}` } });
  t.after(() => joiner.close());
  const request = await createCertificateRequest(nodeUser(nodeName), [nodesGroup]);
  const signed = (await (await joiner.request("POST", "/v1-bosun/node-certificate", { nodeName, csr: request.csr })).json()) as { certificate: string; ca: string };
  assert.equal(signed.ca, ca);
  assert.deepEqual(identityFromCertificate(signed.certificate), { user: `system:node:${nodeName}`, groups: ["system:nodes"] });
  const agent = new NodeServiceClient(
    `127.0.0.1:${grpcPort}`,
    credentials.createSsl(Buffer.from(ca), Buffer.from(request.key), Buffer.from(signed.certificate)),
  );
  t.after(() => agent.close());
  const registered: RegisterResponse = await unary(agent.register.bind(agent), {
    nodeName,
    capacity: { cpu: "4", memory: "8Gi", pods: "110" },
    allocatable: {},
    labels: { "bosun.io/it": nodeName },
    addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
    runtimeVersion: "docker://fake",
    agentVersion: "it",
    osImage: "Debian GNU/Linux 12",
    kernelVersion: "6.1",
    architecture: "amd64",
    agentEndpoint: "127.0.0.1:1",
  });
  assert.equal(registered.heartbeatPeriodMs, 300);
  const session = { nodeName, sessionId: registered.sessionId };

  let heartbeating = true;
  const heartbeats = (async () => {
    while (heartbeating) {
      const { nextHeartbeatMs } = await unary<HeartbeatRequest, HeartbeatResponse>(agent.heartbeat.bind(agent), session);
      assert.ok(nextHeartbeatMs >= 240 && nextHeartbeatMs <= 360, `period ${nextHeartbeatMs} is 300 ms ± 20%`);
      await sleep(nextHeartbeatMs);
    }
  })();

  // Register → the Node exists and is Ready.
  const node = await api.get<Node>(nodeResource, nodeName);
  assert.equal(node.metadata.uid, registered.nodeUid);
  assert.equal(node.metadata.annotations?.["bosun.io/agent-endpoint"], "127.0.0.1:1");
  assert.equal(node.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
  assert.equal(node.status?.nodeInfo?.kubeletVersion, "v1.33.0-bosun");

  const messages: AssignmentsMessage[] = [];
  const stream = agent.assignments(session);
  stream.on("data", (m: AssignmentsMessage) => messages.push(m));
  stream.on("error", () => {});
  t.after(() => stream.cancel());
  await until("the COMPLETE set", () => (messages.length > 0 ? true : undefined));
  assert.deepEqual(messages[0], { type: Type.COMPLETE, sequence: 1, changes: [] });

  // A pod with a nodeSelector is bound by the scheduler and reaches the stream.
  const created = await api.create<Pod>(
    podResource,
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "default" },
      spec: { nodeSelector: { "bosun.io/it": nodeName }, containers: [{ name: "web", image: "bosun.local/busybox:1" }] },
    },
    "default",
  );
  const assigned = await until("the pod's assignment", () =>
    messages
      .flatMap((m) => m.changes)
      .map((c) => ({ action: c.action, pod: JSON.parse(c.podJson) as Pod }))
      .find((c) => c.pod.metadata.uid === created.metadata.uid),
  );
  assert.equal(assigned.action, Action.UPDATE);
  assert.equal(assigned.pod.spec.nodeName, nodeName);
  messages.forEach((m, i) => assert.equal(m.sequence, i + 1, "sequence numbers have no gap"));

  // ReportStatus Running → the pod's status shows it; its event is recorded.
  const now = new Date().toISOString();
  await unary(agent.reportStatus.bind(agent), {
    ...session,
    updates: [
      {
        namespace: "default",
        name: "web",
        uid: created.metadata.uid!,
        terminated: false,
        statusJson: JSON.stringify({
          phase: "Running",
          podIP: "172.17.0.9",
          startTime: now,
          conditions: [{ type: "Ready", status: "True", lastTransitionTime: now }],
          containerStatuses: [{ name: "web", ready: true, restartCount: 0, image: "bosun.local/busybox:1", state: { running: { startedAt: now } } }],
        }),
      },
    ],
    events: [
      { namespace: "default", podName: "web", podUid: created.metadata.uid!, type: "Normal", reason: "Started", message: "Started container web", fieldPath: "spec.containers{web}", timestamp: now },
    ],
  });
  const running = await until("phase Running", async () => {
    const p = await api.get<Pod>(podResource, "web", "default");
    return p.status?.phase === "Running" ? p : undefined;
  });
  assert.equal(running.status?.podIP, "172.17.0.9");
  const events = await until("the Started event", async () => {
    const list: KubeList<Event> = await api.list<Event>(eventResource, { namespace: "default" });
    return list.items.find((e) => e.involvedObject.uid === created.metadata.uid && e.reason === "Started");
  });
  assert.equal(events.source?.host, nodeName);

  // Stop heartbeating → the node turns Ready=Unknown.
  heartbeating = false;
  await heartbeats;
  const unknown = await until("Ready=Unknown", async () => {
    const n = await api.get<Node>(nodeResource, nodeName);
    const ready = n.status?.conditions?.find((c) => c.type === "Ready");
    return ready?.status === "Unknown" ? ready : undefined;
  });
  assert.equal(unknown.reason, "NodeStatusUnknown");

  // DELETE → a deletionTimestamp, sent to the agent as an UPDATE.
  await api.delete(podResource, "web", { namespace: "default" });
  const deleting = await until("the deleting pod's UPDATE", () =>
    messages
      .flatMap((m) => m.changes)
      .map((c) => ({ action: c.action, pod: JSON.parse(c.podJson) as Pod }))
      .find((c) => c.action === Action.UPDATE && c.pod.metadata.deletionTimestamp),
  );
  assert.equal(deleting.pod.metadata.uid, created.metadata.uid);

  // ReportStatus terminated → the pod is gone, and the agent hears REMOVE.
  await unary(agent.reportStatus.bind(agent), {
    ...session,
    updates: [{ namespace: "default", name: "web", uid: created.metadata.uid!, terminated: true, statusJson: JSON.stringify({ phase: "Running" }) }],
    events: [],
  });
  await until("the pod to be removed", async () => {
    try {
      await api.get<Pod>(podResource, "web", "default");
      return undefined;
    } catch (err) {
      return isNotFound(err) ? true : undefined;
    }
  });
  await until("REMOVE", () => (messages.some((m) => m.changes.some((c) => c.action === Action.REMOVE)) ? true : undefined));
  messages.forEach((m, i) => assert.equal(m.sequence, i + 1, "sequence numbers have no gap"));

  // SIGTERM → everything closes and the process exits 0.
  stream.cancel();
  master.kill("SIGTERM");
  assert.equal(await exited, 0);
  passed = true;
});
