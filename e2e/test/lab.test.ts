// The lab suite: Bosun on separate hosts (deploy/lab: three etcd members, two masters,
// three node hosts each with its own Docker engine), brought up from nothing by
// `npm run lab:up` and put through what a multi-host cluster meets: pod traffic
// across hosts, the leading master lost, an etcd member lost, a node host stopped,
// a node cut off from the network, callers without the right credentials, and the
// whole state restored from an etcd snapshot; then Services across the hosts, and
// NetworkPolicy, Ingress and an agent restart across them; and a local-path claim
// whose volume lives on one node of three.
//
// lab:up takes minutes, so the file shares one lab: the tests run in order and each
// leaves the lab whole for the next. The lab is removed at the end, also on failure
// (after the compose logs are saved); BOSUN_E2E_KEEP_LAB=1 keeps it for a look.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getPodCondition, isPodReady, mustResource, nodeReadyCondition, type Container, type Deployment, type KubeObject, type Node, type Pod } from "@bosun/api";
import { isNotFound, readKubeconfig, type ApiClient } from "@bosun/client";
import { createCertificateAuthority, signCertificate } from "@bosun/pki";
import { BUSYBOX_IMAGE, docker } from "../src/docker.js";
import { exec, expectSuccess, formatResult, type ExecResult } from "../src/exec.js";
import {
  LAB_PROJECT,
  labAddress,
  labCompose,
  labComposeFile,
  labContainer,
  labDown,
  labEtcdMembers,
  labExec,
  labMasters,
  labNetwork,
  labNodeDocker,
  labNodes,
  labUp,
  type Lab,
  type LabEtcdMember,
  type LabHost,
  type LabMaster,
  type LabNode,
} from "../src/lab.js";
import { cliMain } from "../src/paths.js";
import { waitFor } from "../src/wait.js";

const podsResource = mustResource("pods");
const deploymentsResource = mustResource("deployments");
const nodesResource = mustResource("nodes");
const secretsResource = mustResource("secrets");
const servicesResource = mustResource("services");
const endpointsResource = mustResource("endpoints");

// The masters' defaults (docs/architecture.md); masterDefault() checks that the
// compose file does not change them.
const LEADER_LEASE_MS = masterDefault("--leader-lease", 15_000);
const NODE_MONITOR_GRACE_MS = masterDefault("--node-monitor-grace-ms", 15_000);
const POD_EVICTION_TIMEOUT_MS = masterDefault("--pod-eviction-timeout", 30_000);
/** Election, informers and scheduler start in the new leader, plus a busy 2-core machine. */
const TAKEOVER_MARGIN_MS = 20_000;
/** Unknown after the grace, evicted after the timeout, replaced, scheduled and started elsewhere. */
const RESCHEDULE_TIMEOUT_MS = NODE_MONITOR_GRACE_MS + POD_EVICTION_TIMEOUT_MS + 90_000;

const CLUSTER_CIDR_PREFIX = "10.244."; // --cluster-cidr 10.244.0.0/16, a /24 per node
const ETCD_PREFIX = "/registry";
/** etcd3's Election keeps its candidates under election/<name>/<lease id>; the name is the master's election key. */
const ELECTION_PREFIX = `election/${ETCD_PREFIX}-elections/bosun-controller-manager/`;
const ETCD_INITIAL_CLUSTER = labEtcdMembers.map((m) => `${m}=https://${m}:2380`).join(",");
const ETCD_SERVERS = labEtcdMembers.map((m) => `https://${m}:2379`).join(",");
const MASTER_SERVERS = labMasters.map((m) => `https://${m}:6443`).join(",");
const AGENT_PKI = "/var/lib/bosun/agent/pki";

const APP = "lab-web";
const APP_SELECTOR = `app=${APP}`;
const INITIAL_REPLICAS = 6;
const SCALED_REPLICAS = 9;

// ---------------------------------------------------------------------------
// The suite's state: one lab, its admin clients, what the tests left for the next.

let lab: Lab | undefined;
const clients = new Map<LabMaster, ApiClient>();
let replicas = INITIAL_REPLICAS;
let failed = false;
const kubectlHome = mkdtempSync(join(tmpdir(), "bosun-e2e-lab-kubectl-"));

function theLab(): Lab {
  if (!lab) throw new Error("the lab is not up: the first test (lab:up from nothing) failed; see its error");
  return lab;
}

/** The admin's client through one master (kubeconfig context), made once. */
function admin(master: LabMaster = "master-1"): ApiClient {
  let c = clients.get(master);
  if (!c) {
    c = theLab().client(master);
    clients.set(master, c);
  }
  return c;
}

/** What the running test undoes if it fails half-way, so that the next test finds the lab whole. */
let repairs: { what: string; run: () => Promise<unknown> }[] = [];

function repairOnFailure(what: string, run: () => Promise<unknown>): void {
  repairs.push({ what, run });
}

function labTest(name: string, timeoutMs: number, fn: () => Promise<void>): void {
  test(name, { timeout: timeoutMs }, async () => {
    try {
      await fn();
    } catch (err) {
      failed = true;
      for (const r of repairs.reverse()) {
        await r.run().catch((e: Error) => console.error(`lab suite: could not ${r.what} after the failure: ${e.message}`));
      }
      throw err;
    } finally {
      repairs = [];
    }
  });
}

// ---------------------------------------------------------------------------
// The masters' flags, as the compose file gives them.

function masterDefault(flag: string, defaultMs: number): number {
  const compose = readFileSync(labComposeFile, "utf8");
  if (compose.includes(flag)) {
    throw new Error(`${labComposeFile} sets ${flag}; the lab suite assumes the masters' default (${defaultMs} ms): update it in e2e/test/lab.test.ts`);
  }
  return defaultMs;
}

// ---------------------------------------------------------------------------
// kubectl: /usr/bin/kubectl with the lab's kubeconfig, nothing of the user's shell.

const inheritedKubectlVariables = /^(KUBECONFIG|KUBE_EDITOR|KUBECTL_.*|HTTPS?_PROXY|NO_PROXY)$/i;

function kubectl(args: readonly string[], opts: { context?: LabMaster; timeoutMs?: number } = {}): Promise<ExecResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!inheritedKubectlVariables.test(k)) env[k] = v;
  const l = theLab();
  return exec("/usr/bin/kubectl", ["--context", l.context(opts.context ?? "master-1"), ...args], {
    env: { ...env, HOME: kubectlHome, KUBECONFIG: l.kubeconfig },
    timeoutMs: opts.timeoutMs ?? 60_000,
  });
}

async function kubectlOk(args: readonly string[], opts: { context?: LabMaster; timeoutMs?: number } = {}): Promise<string> {
  return expectSuccess(`kubectl --context ${theLab().context(opts.context ?? "master-1")} ${args.join(" ")}`, await kubectl(args, opts)).stdout;
}

/** `bosun` (the CLI on this machine) with the lab's kubeconfig. */
async function bosun(args: readonly string[]): Promise<string> {
  const r = await exec(process.execPath, [cliMain, "--kubeconfig", theLab().kubeconfig, ...args], { timeoutMs: 60_000 });
  return expectSuccess(`bosun ${args.join(" ")}`, r).stdout;
}

// ---------------------------------------------------------------------------
// etcd, seen from inside a member (etcdctl finds its endpoints and certificates
// there: ETCDCTL_* in the compose file).

function etcdctl(member: LabEtcdMember, args: readonly string[]): Promise<ExecResult> {
  return labExec(member, ["etcdctl", "--command-timeout=5s", ...args], { timeoutMs: 30_000 });
}

/** Each member's health as `etcdctl endpoint health` reports it from `from`. */
async function etcdHealth(from: LabEtcdMember): Promise<Map<LabEtcdMember, boolean>> {
  const r = await etcdctl(from, ["endpoint", "health"]);
  const health = new Map<LabEtcdMember, boolean>();
  for (const line of `${r.stdout}\n${r.stderr}`.split("\n")) {
    const m = /^https:\/\/(etcd-\d):2379 is (healthy|unhealthy)/.exec(line.trim());
    if (m) health.set(m[1] as LabEtcdMember, m[2] === "healthy");
  }
  return health;
}

async function waitForEtcdHealthy(from: LabEtcdMember, timeoutMs: number): Promise<void> {
  await waitFor(
    async (note) => {
      const health = await etcdHealth(from);
      note(Object.fromEntries(health));
      return labEtcdMembers.every((m) => health.get(m) === true);
    },
    { timeoutMs, what: `all three etcd members healthy (etcdctl endpoint health in ${from})`, intervalMs: 1000 },
  );
}

/** The member that leads etcd's raft, from `etcdctl endpoint status` (simple output: endpoint, id, version, size, is leader, ...). */
async function etcdLeader(from: LabEtcdMember): Promise<LabEtcdMember> {
  const r = expectSuccess(`etcdctl endpoint status in ${from}`, await etcdctl(from, ["endpoint", "status", "-w", "simple"]));
  const leaders = r.stdout
    .split("\n")
    .map((line) => line.split(",").map((f) => f.trim()))
    .filter((f) => f[4] === "true")
    .map((f) => /^https:\/\/(etcd-\d):2379$/.exec(f[0] ?? "")?.[1]);
  if (leaders.length !== 1 || !leaders[0]) throw new Error(`expected one etcd leader in:\n${r.stdout}`);
  return leaders[0] as LabEtcdMember;
}

interface Candidate {
  /** The master's host name: the election value is <hostname>_<pid>. */
  master: string;
  createRevision: number;
}

/** The masters campaigning for the controller manager, the leader first (the oldest key wins). */
async function electionCandidates(from: LabEtcdMember = "etcd-1"): Promise<Candidate[]> {
  const r = expectSuccess("etcdctl get (election)", await etcdctl(from, ["get", "--prefix", ELECTION_PREFIX, "-w", "json"]));
  const parsed = JSON.parse(r.stdout) as { kvs?: { value: string; create_revision: number }[] };
  return (parsed.kvs ?? [])
    .map((kv) => ({ master: Buffer.from(kv.value, "base64").toString("utf8").replace(/_\d+$/, ""), createRevision: kv.create_revision }))
    .sort((a, b) => a.createRevision - b.createRevision);
}

/**
 * How long one API call may wait on etcd while a member is dead. kube-apiserver's etcd
 * client notices a member that vanished (no RST: its address is simply gone) through
 * gRPC keepalive, 30 s plus a 10 s timeout, and moves to another member; a call that
 * waits longer is stalled, not going on.
 */
const ETCD_CALL_BOUND_MS = 45_000;

/** The call's result, or a failure once it has waited ETCD_CALL_BOUND_MS. */
async function unstalled<T>(what: string, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} had no answer after ${ETCD_CALL_BOUND_MS} ms with one etcd member dead: the master's etcd client is still waiting on that member`)),
      ETCD_CALL_BOUND_MS,
    );
  });
  try {
    return await Promise.race([call, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------
// HTTPS to the masters with the CA verified, from this machine.

interface HttpReply {
  status: number;
  body: string;
}

function httpsGet(url: string, tls: { ca: string; cert?: string; key?: string }): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", ca: tls.ca, cert: tls.cert, key: tls.key, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.on("error", reject);
    req.end();
  });
}

/** A request to a node's ingress proxy at its lab address, for `host` (and, over HTTPS, with SNI, verified by `ca`). */
function ingressGet(scheme: "http" | "https", address: string, host: string, path: string, ca: string): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const options = { host: address, path, headers: { host }, timeout: 10_000 };
    const onReply = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    };
    const req = scheme === "https" ? request({ ...options, port: 443, servername: host, ca }, onReply) : httpRequest({ ...options, port: 80 }, onReply);
    req.on("timeout", () => req.destroy(new Error(`no answer from ${scheme}://${address} (${host}) within 10 s`)));
    req.on("error", reject);
    req.end();
  });
}

/** The server and CA of one master's context in the admin's kubeconfig. */
function labAccess(master: LabMaster): { server: string; ca: string } {
  const access = readKubeconfig(theLab().kubeconfig, theLab().context(master));
  if (!access.credentials.ca) throw new Error(`the lab kubeconfig's context ${theLab().context(master)} has no CA`);
  return { server: access.server, ca: access.credentials.ca };
}

interface KubeconfigJson {
  clusters: { name: string; cluster: { server: string; "certificate-authority-data"?: string; "insecure-skip-tls-verify"?: boolean } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  users: { name: string; user: { "client-certificate-data"?: string; "client-key-data"?: string } }[];
}

// ---------------------------------------------------------------------------
// Node hosts: their engines' containers, scripts run on them.

interface EngineContainer {
  id: string;
  running: boolean;
  startedAt: string;
  podUid: string;
  container: string;
}

/** The pods' containers (infra included) in a node's own Docker engine, running or not. */
async function engineContainers(node: LabNode): Promise<EngineContainer[]> {
  const ps = expectSuccess(`docker ps in ${node}`, await labNodeDocker(node, ["ps", "-aq", "--no-trunc", "--filter", "label=bosun.io/pod-uid"]));
  const ids = ps.stdout.split("\n").map((s) => s.trim()).filter((s) => s !== "");
  if (ids.length === 0) return [];
  const inspect = await labNodeDocker(node, ["inspect", ...ids]);
  // A container removed between ps and inspect is missing from the answer only.
  const parsed = inspect.stdout.trim() === "" ? [] : (JSON.parse(inspect.stdout) as { Id: string; State: { Running: boolean; StartedAt: string }; Config: { Labels: Record<string, string> | null } }[]);
  return parsed.map((c) => ({
    id: c.Id,
    running: c.State.Running,
    startedAt: c.State.StartedAt,
    podUid: c.Config.Labels?.["bosun.io/pod-uid"] ?? "",
    container: c.Config.Labels?.["bosun.io/container-name"] ?? "",
  }));
}

async function allEngineContainers(): Promise<Map<LabNode, EngineContainer[]>> {
  const lists = await Promise.all(labNodes.map((n) => engineContainers(n)));
  return new Map(labNodes.map((n, i) => [n, lists[i]!]));
}

/** What a command that logs JSON lines (bosun-agent) said: each line's message and error, other lines as they are. */
function agentSaid(r: ExecResult): string {
  return `${r.stdout}\n${r.stderr}`
    .split("\n")
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; err?: string };
        return [entry.msg, entry.err].filter((s) => s !== undefined).join(": ");
      } catch {
        return line;
      }
    })
    .join("\n");
}

/** Node.js inside a lab host, with the project's modules (/opt/bosun); `argument` arrives as process.argv[1]. */
async function nodeScript(host: LabHost, script: string, argument = ""): Promise<string> {
  const r = await labExec(host, ["node", "--input-type=module", "-e", script, argument], { timeoutMs: 60_000 });
  return expectSuccess(`node script in ${host}`, r).stdout;
}

// ---------------------------------------------------------------------------
// The workload: busybox httpd answering with its own pod IP and the client's address.

// The CGI script is written at start with the pod IP baked in; REMOTE_ADDR is
// httpd's view of the caller. Its header lines end in CRLF: busybox httpd passes a
// CGI's header on as written, and the agent's HTTP probe (Node's parser) refuses bare
// LFs. sh traps TERM so a delete does not wait out the grace period.
const WEB_SCRIPT = [
  `ip=$(ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1)`,
  "mkdir -p /www/cgi-bin",
  `printf '#!/bin/sh\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n"\\necho "server=%s client=$REMOTE_ADDR"\\n' "$ip" > /www/cgi-bin/who`,
  "chmod 755 /www/cgi-bin/who",
  "httpd -p 8080 -h /www",
  "trap 'exit 0' TERM",
  "while true; do sleep 1; done",
].join("\n");

function webContainer(): Container {
  return {
    name: "web",
    image: BUSYBOX_IMAGE,
    imagePullPolicy: "Never",
    command: ["sh", "-c", WEB_SCRIPT],
    ports: [{ containerPort: 8080 }],
    resources: { requests: { cpu: "50m", memory: "16Mi" } },
    readinessProbe: { httpGet: { path: "/cgi-bin/who", port: 8080 }, periodSeconds: 2 },
  };
}

function webDeployment(count: number): Deployment {
  const labels = { app: APP };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: APP, namespace: "default", labels },
    spec: {
      replicas: count,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 5, containers: [webContainer()] } },
    },
  };
}

function pinnedWebPod(name: string, node: LabNode): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "lab-probe" } },
    spec: { terminationGracePeriodSeconds: 5, nodeSelector: { "kubernetes.io/hostname": node }, containers: [webContainer()] },
  };
}

function isServing(pod: Pod): boolean {
  return pod.status?.phase === "Running" && isPodReady(pod) && !pod.metadata.deletionTimestamp && !!pod.status.podIP;
}

async function appPods(client: ApiClient = admin()): Promise<Pod[]> {
  return (await client.list<Pod>(podsResource, { namespace: "default", labelSelector: APP_SELECTOR })).items;
}

function describePods(pods: readonly Pod[]): string[] {
  return pods.map(
    (p) =>
      `${p.metadata.name} ${p.spec.nodeName ?? "-"} ${p.status?.phase ?? "?"} ready=${isPodReady(p)} ip=${p.status?.podIP ?? "-"}${p.metadata.deletionTimestamp ? " terminating" : ""}`,
  );
}

/** Exactly `count` serving pods of the app and no other pod of it (none terminating). */
async function waitForApp(count: number, timeoutMs: number, client: ApiClient = admin()): Promise<Pod[]> {
  return waitFor(
    async (note) => {
      const pods = await appPods(client);
      note(describePods(pods));
      return pods.length === count && pods.every(isServing) ? pods : undefined;
    },
    { timeoutMs, what: `${count} serving pods of ${APP} and no others`, intervalMs: 1000 },
  );
}

function byNode(pods: readonly Pod[]): Map<string, Pod[]> {
  const m = new Map<string, Pod[]>();
  for (const p of pods) m.set(p.spec.nodeName ?? "", [...(m.get(p.spec.nodeName ?? "") ?? []), p]);
  return m;
}

interface PodSnapshot {
  uid: string;
  node: string;
  containerIds: string[];
}

function podSnapshot(pod: Pod): PodSnapshot {
  const statuses = pod.status?.containerStatuses ?? [];
  for (const s of statuses) assert.equal(s.restartCount, 0, `${pod.metadata.name}: container ${s.name} restarted ${s.restartCount} times`);
  return {
    uid: pod.metadata.uid!,
    node: pod.spec.nodeName!,
    containerIds: statuses.map((s) => s.containerID ?? "").sort(),
  };
}

/** Every pod's container IDs and restart counts as before: the same pods, never restarted. */
function assertSamePods(before: Map<string, PodSnapshot>, now: readonly Pod[], what: string): void {
  const seen = new Map(now.map((p) => [p.metadata.name!, p]));
  for (const [name, old] of before) {
    const pod = seen.get(name);
    assert.ok(pod, `${what}: pod ${name} is gone`);
    assert.deepEqual(podSnapshot(pod), old, `${what}: pod ${name} changed (uid, node or container IDs)`);
  }
}

/**
 * From inside each `from` pod (kubectl exec, through the master to the pod's node),
 * an HTTP GET to every `to` pod's IP: each answer must name the server's pod IP and
 * the client's pod IP (no NAT on the way).
 */
async function checkPodTraffic(from: readonly Pod[], to: readonly Pod[], context: LabMaster = "master-1"): Promise<number> {
  let checked = 0;
  for (const client of from) {
    const targets = to.filter((p) => p.metadata.uid !== client.metadata.uid).map((p) => p.status!.podIP!);
    // busybox 1.35's wget crashes with -T; timeout(1) bounds a connection that hangs.
    const script = `for ip in ${targets.join(" ")}; do printf '%s %s\\n' "$ip" "$(timeout 5 wget -q -O - http://$ip:8080/cgi-bin/who 2>&1 | tr '\\n' ' ')"; done`;
    const out = await kubectlOk(["exec", client.metadata.name!, "-c", "web", "--", "sh", "-c", script], { context });
    const answers = new Map<string, string>();
    for (const line of out.split("\n").filter((l) => l.trim() !== "")) {
      const [target, ...rest] = line.split(" ");
      answers.set(target!, rest.join(" ").trim());
    }
    for (const ip of targets) {
      const answer = answers.get(ip) ?? "(no line)";
      const m = /^server=(\S+) client=\[?(?:::ffff:)?([0-9.]+)\]?$/.exec(answer);
      assert.ok(m, `${client.metadata.name} (${client.status?.podIP} on ${client.spec.nodeName}) -> ${ip}: ${answer}\nwhole output:\n${out}`);
      assert.equal(m[1], ip, `the server at ${ip} answered as ${m[1]}`);
      assert.equal(m[2], client.status!.podIP, `the server at ${ip} saw the client ${client.metadata.name} as ${m[2]}, not its pod IP ${client.status!.podIP}`);
      checked++;
    }
  }
  return checked;
}

// ---------------------------------------------------------------------------
// Nodes.

async function nodeReady(name: string, client: ApiClient = admin()): Promise<string | undefined> {
  const node = await client.get<Node>(nodesResource, name);
  return nodeReadyCondition(node)?.status;
}

async function waitForNodeReady(name: string, status: "True" | "Unknown", timeoutMs: number, client: ApiClient = admin()): Promise<void> {
  await waitFor(
    async (note) => {
      const s = await nodeReady(name, client);
      note(`Ready=${s}`);
      return s === status;
    },
    { timeoutMs, what: `node ${name} Ready=${status}`, intervalMs: 1000 },
  );
}

/** Each master answers /readyz with every check passing. */
async function waitForMasterReady(master: LabMaster, timeoutMs: number): Promise<void> {
  await waitFor(
    async (note) => {
      const r = await kubectl(["get", "--raw", "/readyz?verbose"], { context: master, timeoutMs: 15_000 });
      note(`${r.code}: ${r.stdout} ${r.stderr}`);
      return r.code === 0 && r.stdout.includes("[+]etcd ok") && r.stdout.includes("readyz check passed");
    },
    { timeoutMs, what: `${master} ready (/readyz through its kubeconfig context)`, intervalMs: 1000 },
  );
}

/**
 * The app's pods each run on exactly one node, the one they are bound to, and no
 * engine runs a container of a pod the API does not know: no duplicates, no orphans.
 */
async function waitForNoDuplicates(timeoutMs: number): Promise<void> {
  await waitFor(
    async (note) => {
      const all = (await admin().list<Pod>(podsResource, {})).items;
      const known = new Map(all.map((p) => [p.metadata.uid!, p]));
      const engines = await allEngineContainers();
      const problems: string[] = [];
      for (const pod of all.filter((p) => p.metadata.labels?.app === APP)) {
        const where = labNodes.filter((n) => engines.get(n)!.some((c) => c.podUid === pod.metadata.uid && c.running));
        if (where.length !== 1 || where[0] !== pod.spec.nodeName) problems.push(`${pod.metadata.name} (bound to ${pod.spec.nodeName}) runs on [${where.join(", ")}]`);
      }
      for (const [node, containers] of engines) {
        for (const c of containers) if (!known.has(c.podUid)) problems.push(`${node} keeps ${c.running ? "running" : "stopped"} container ${c.id.slice(0, 12)} of unknown pod ${c.podUid}`);
      }
      note(problems);
      return problems.length === 0;
    },
    { timeoutMs, what: "every pod's containers on exactly its own node and none of unknown pods", intervalMs: 2000 },
  );
}

/**
 * A node host lost and brought back: the node goes Ready=Unknown, its pods are
 * evicted and replaced on the others; when it is back, the evicted pods are
 * removed there, in the API and in its engine, and nothing runs twice.
 */
async function nodeLoss(node: LabNode, lose: () => Promise<void>, restore: () => Promise<void>): Promise<void> {
  const before = await waitForApp(replicas, 60_000);
  const lost = before.filter((p) => p.spec.nodeName === node);
  assert.ok(lost.length > 0, `${node} runs none of ${APP}'s pods, so losing it shows nothing; placement: ${describePods(before).join("; ")}`);
  const lostUids = new Set(lost.map((p) => p.metadata.uid!));

  let restored = false;
  const restoreOnce = async (): Promise<void> => {
    if (restored) return;
    restored = true;
    await restore();
  };
  await lose();
  repairOnFailure(`bring ${node} back`, restoreOnce);
  await waitForNodeReady(node, "Unknown", NODE_MONITOR_GRACE_MS + 45_000);
  const replaced = await waitFor(
    async (note) => {
      const pods = await appPods();
      note(describePods(pods));
      const serving = pods.filter(isServing);
      const evicted = pods.filter((p) => lostUids.has(p.metadata.uid!));
      const done = serving.length === replicas && serving.every((p) => p.spec.nodeName !== node) && evicted.every((p) => !!p.metadata.deletionTimestamp);
      return done ? serving : undefined;
    },
    { timeoutMs: RESCHEDULE_TIMEOUT_MS, what: `${replicas} serving pods of ${APP} on the other nodes, the ${lost.length} of ${node} evicted`, intervalMs: 1000 },
  );
  assert.ok(replaced.every((p) => !lostUids.has(p.metadata.uid!)), "an evicted pod still counts as serving");

  await restoreOnce();
  await waitForNodeReady(node, "True", 120_000);
  // It registered again: with its own address, which the other nodes route its pods through.
  const address = await labAddress(node);
  await waitFor(
    async (note) => {
      const addresses = (await admin().get<Node>(nodesResource, node)).status?.addresses ?? [];
      note(addresses);
      return addresses.some((a) => a.type === "InternalIP" && a.address === address);
    },
    { timeoutMs: 30_000, what: `${node}'s InternalIP to be its lab address ${address} again` },
  );
  await waitFor(
    async (note) => {
      const pods = await appPods();
      const left = pods.filter((p) => lostUids.has(p.metadata.uid!));
      const inEngine = (await engineContainers(node)).filter((c) => lostUids.has(c.podUid));
      note({ inApi: left.map((p) => p.metadata.name), inEngine: inEngine.map((c) => `${c.container} ${c.running ? "running" : "stopped"}`) });
      return left.length === 0 && inEngine.length === 0;
    },
    { timeoutMs: 90_000, what: `the evicted pods of ${node} removed from the API and from its engine`, intervalMs: 1000 },
  );
  await waitForApp(replicas, 60_000);
  await waitForNoDuplicates(60_000);
}

// ---------------------------------------------------------------------------

describe("the lab: Bosun on three etcd members, two masters and three node hosts", () => {
  after(async () => {
    for (const c of clients.values()) await c.close().catch(() => undefined);
    rmSync(kubectlHome, { recursive: true, force: true });
    if (failed) {
      // The lab goes away below: keep what its hosts said.
      const dir = mkdtempSync(join(tmpdir(), "bosun-e2e-lab-logs-"));
      const logs = await labCompose(["logs", "--no-color", "--timestamps"], { timeoutMs: 120_000 }).catch((err: Error) => ({ code: 1, stdout: "", stderr: err.message }));
      writeFileSync(join(dir, "compose.log"), `${logs.stdout}\n${logs.stderr}`);
      for (const node of labNodes) {
        const dockerd = await labExec(node, ["tail", "-n", "200", "/var/log/dockerd.log"]).catch(() => undefined);
        if (dockerd) writeFileSync(join(dir, `${node}-dockerd.log`), dockerd.stdout);
      }
      console.error(`lab suite failed: the lab's logs are in ${dir}`);
    }
    if (process.env.BOSUN_E2E_KEEP_LAB === "1") {
      console.error("BOSUN_E2E_KEEP_LAB=1: the lab stays up; 'npm run lab:down' removes it");
      return;
    }
    await labDown();
  });

  labTest("1. lab:up from nothing: three nodes Ready, two masters serving, three etcd members healthy, kubectl over verified TLS", 25 * 60_000, async () => {
    await labDown();
    const left = expectSuccess("docker ps", await docker(["ps", "-aq", "--filter", `label=com.docker.compose.project=${LAB_PROJECT}`]));
    assert.equal(left.stdout.trim(), "", "lab:down left containers of the lab's project");
    lab = await labUp();

    // The kubeconfig: every context's cluster carries the CA and no insecure flag;
    // kubectl then verifies the masters' certificates as it always does.
    const config = JSON.parse(await kubectlOk(["config", "view", "--raw", "-o", "json"])) as KubeconfigJson;
    assert.deepEqual(config.contexts.map((c) => c.name).sort(), labMasters.map((m) => theLab().context(m)).sort());
    for (const cluster of config.clusters) {
      assert.ok(cluster.cluster.server.startsWith("https://"), `${cluster.name}: ${cluster.cluster.server} is not HTTPS`);
      assert.ok(cluster.cluster["certificate-authority-data"], `${cluster.name} has no CA`);
      assert.equal(cluster.cluster["insecure-skip-tls-verify"], undefined, `${cluster.name} skips TLS verification`);
    }
    for (const user of config.users) assert.ok(user.user["client-certificate-data"] && user.user["client-key-data"], `${user.name} has no client certificate`);

    // Both masters serve, each through its own context, with etcd behind them.
    for (const master of labMasters) {
      const readyz = await kubectlOk(["get", "--raw", "/readyz?verbose"], { context: master });
      assert.match(readyz, /\[\+\]etcd ok/);
      assert.match(readyz, /readyz check passed/);
      const nodeList = JSON.parse(await kubectlOk(["get", "nodes", "-o", "json"], { context: master })) as { items: Node[] };
      assert.deepEqual(nodeList.items.map((n) => n.metadata.name).sort(), [...labNodes]);
    }

    // Three nodes Ready, each with its own pod CIDR and its lab address as InternalIP.
    const nodeObjects = (await admin().list<Node>(nodesResource)).items;
    assert.deepEqual(nodeObjects.map((n) => n.metadata.name).sort(), [...labNodes]);
    const cidrs = new Set<string>();
    for (const node of nodeObjects) {
      const name = node.metadata.name as LabNode;
      assert.equal(nodeReadyCondition(node)?.status, "True", `${name} is not Ready`);
      const cidr = node.spec?.podCIDR ?? "";
      assert.match(cidr, /^10\.244\.\d+\.0\/24$/, `${name}'s pod CIDR`);
      cidrs.add(cidr);
      const internal = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
      assert.equal(internal, await labAddress(name), `${name}'s InternalIP is not its lab address`);
    }
    assert.equal(cidrs.size, 3, `pod CIDRs overlap: ${[...cidrs].join(", ")}`);

    // Three etcd members, all started and healthy, seen from inside one of them.
    const members = JSON.parse(expectSuccess("etcdctl member list", await etcdctl("etcd-1", ["member", "list", "-w", "json"])).stdout) as { members: { name: string }[] };
    assert.deepEqual(members.members.map((m) => m.name).sort(), [...labEtcdMembers]);
    const health = await etcdHealth("etcd-1");
    assert.deepEqual(Object.fromEntries(health), Object.fromEntries(labEtcdMembers.map((m) => [m, true])));
  });

  labTest("2. a Deployment of six spread over the three nodes: every pod reaches every other by pod IP over HTTP and sees the client's pod IP", 5 * 60_000, async () => {
    await admin().create(deploymentsResource, webDeployment(INITIAL_REPLICAS), "default");
    const pods = await waitForApp(INITIAL_REPLICAS, 180_000);
    // No constraints of its own: the scheduler's default topology spread (Kubernetes'
    // system defaults over the pods of the ReplicaSet) spreads the replicas.
    const placement = byNode(pods);
    assert.deepEqual([...placement.keys()].sort(), [...labNodes], `placement: ${describePods(pods).join("; ")}`);
    for (const p of pods) assert.ok(p.status!.podIP!.startsWith(CLUSTER_CIDR_PREFIX), `${p.metadata.name}'s IP ${p.status?.podIP} is not from the cluster CIDR`);
    assert.equal(new Set(pods.map((p) => p.status!.podIP)).size, pods.length, "two pods share an IP");
    // Pod IPs come from their node's pod CIDR.
    const nodeObjects = new Map((await admin().list<Node>(nodesResource)).items.map((n) => [n.metadata.name!, n]));
    for (const p of pods) {
      const cidr = nodeObjects.get(p.spec.nodeName!)!.spec!.podCIDR!;
      assert.ok(p.status!.podIP!.startsWith(cidr.replace(/0\/24$/, "")), `${p.metadata.name} on ${p.spec.nodeName} has ${p.status?.podIP}, outside ${cidr}`);
    }
    // Routes between hosts converge after the pods start: the first full pass may need a moment.
    const checked = await waitFor(() => checkPodTraffic(pods, pods), { timeoutMs: 60_000, what: "HTTP from every pod to every other by pod IP", intervalMs: 2000 });
    assert.equal(checked, pods.length * (pods.length - 1));
  });

  labTest("3. the leading master killed: the other leads within the lease, a scale-up converges, no pod restarted", 5 * 60_000, async () => {
    const candidates = await waitFor(
      async (note) => {
        const c = await electionCandidates();
        note(c);
        return c.length === 2 ? c : undefined;
      },
      { timeoutMs: 30_000, what: "both masters campaigning for the controller manager" },
    );
    const leader = candidates[0]!.master as LabMaster;
    assert.ok(labMasters.includes(leader), `the election names ${leader}, not a lab master`);
    const survivor = labMasters.find((m) => m !== leader)!;
    const before = new Map((await waitForApp(replicas, 30_000)).map((p) => [p.metadata.name!, podSnapshot(p)]));

    expectSuccess(`docker-compose kill ${leader}`, await labCompose(["kill", leader]));
    repairOnFailure(`start ${leader}`, () => labCompose(["start", leader]));
    const takeover = await waitFor(
      async (note) => {
        const c = await electionCandidates();
        note(c);
        return c.length === 1 && c[0]!.master === survivor ? c : undefined;
      },
      { timeoutMs: LEADER_LEASE_MS + TAKEOVER_MARGIN_MS, what: `${survivor} leading once ${leader}'s lease (${LEADER_LEASE_MS} ms) expired` },
    );
    assert.equal(takeover[0]!.master, survivor);

    // The new leader's controllers and scheduler act: scale up through the survivor.
    await admin(survivor).patch(deploymentsResource, APP, { spec: { replicas: SCALED_REPLICAS } }, { namespace: "default", type: "merge" });
    replicas = SCALED_REPLICAS;
    const scaled = await waitForApp(replicas, 120_000, admin(survivor));
    for (const p of scaled) podSnapshot(p); // restartCount 0 everywhere
    assertSamePods(before, scaled, `after ${leader} was killed`);

    expectSuccess(`docker-compose start ${leader}`, await labCompose(["start", leader]));
    await waitForMasterReady(leader, 90_000);
    const rejoined = await waitFor(
      async (note) => {
        const c = await electionCandidates();
        note(c);
        return c.length === 2 ? c : undefined;
      },
      { timeoutMs: 60_000, what: `${leader} campaigning again after its restart` },
    );
    assert.equal(rejoined[0]!.master, survivor, "the restarted master took the lead from the running one");
  });

  labTest("4. one etcd member killed: reads and writes go on; restarted, it rejoins", 4 * 60_000, async () => {
    const victim = await etcdLeader("etcd-1");
    const witness = labEtcdMembers.find((m) => m !== victim)!;
    const before = new Map((await waitForApp(replicas, 30_000)).map((p) => [p.metadata.name!, podSnapshot(p)]));

    expectSuccess(`docker-compose kill ${victim}`, await labCompose(["kill", victim]));
    repairOnFailure(`start ${victim}`, () => labCompose(["start", victim]));
    // The leader is gone: the others elect one among themselves (about a second). Every
    // write below must succeed, through both masters in turn, each read back through the
    // other, none stalled on the dead member (see ETCD_CALL_BOUND_MS).
    const stamp = randomBytes(4).toString("hex");
    let value = "";
    for (let i = 0; i < 6; i++) {
      const writer = labMasters[i % 2]!;
      const reader = labMasters[(i + 1) % 2]!;
      value = `${stamp}-${i}`;
      const patch = { metadata: { annotations: { "e2e.bosun.io/etcd-write": value } } };
      await unstalled(`PATCH of deployment ${APP} through ${writer}`, admin(writer).patch(deploymentsResource, APP, patch, { namespace: "default", type: "merge" }));
      const read = await unstalled(`GET of deployment ${APP} through ${reader}`, admin(reader).get<Deployment>(deploymentsResource, APP, "default"));
      assert.equal(read.metadata.annotations?.["e2e.bosun.io/etcd-write"], value, `${reader} read what ${writer} wrote`);
      assert.equal((await unstalled(`list of pods through ${reader}`, appPods(admin(reader)))).length, replicas);
    }
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: `lab-etcd-${stamp}`, namespace: "default" }, stringData: { written: "while an etcd member was down" } } as KubeObject;
    const created = await unstalled("create of a Secret through master-2", admin("master-2").create(secretsResource, secret, "default"));
    assert.ok(created.metadata.uid);
    const health = await etcdHealth(witness);
    assert.equal(health.get(victim), false, `${victim} was killed but reports healthy`);
    for (const master of labMasters) await waitForMasterReady(master, 10_000);

    expectSuccess(`docker-compose start ${victim}`, await labCompose(["start", victim]));
    await waitForEtcdHealthy(witness, 90_000);
    // It rejoined and caught up: its own (serializable, local) read has what was written while it was away.
    const key = `${ETCD_PREFIX}/apps/deployments/default/${APP}`;
    await waitFor(
      async (note) => {
        // Its own endpoint only (ETCDCTL_ENDPOINTS names all three; etcdctl refuses both).
        const r = await labExec(victim, ["env", "ETCDCTL_ENDPOINTS=https://127.0.0.1:2379", "etcdctl", "get", "--consistency=s", "--print-value-only", key]);
        note(`${r.code} ${r.stderr} ${r.stdout.slice(0, 300)}`);
        return r.code === 0 && r.stdout.includes(`"e2e.bosun.io/etcd-write":"${value}"`);
      },
      { timeoutMs: 30_000, what: `${victim}'s local copy of ${key} to carry the last write`, intervalMs: 1000 },
    );
    await admin().delete(secretsResource, `lab-etcd-${stamp}`, { namespace: "default" });
    assertSamePods(before, await appPods(), `after ${victim} was killed`);
  });

  labTest("5. a node host stopped: Ready=Unknown, its pods rescheduled; back, the replaced pods are removed there", 6 * 60_000, async () => {
    const node: LabNode = "node-2";
    await nodeLoss(
      node,
      async () => void expectSuccess(`docker-compose stop ${node}`, await labCompose(["stop", node])),
      async () => void expectSuccess(`docker-compose start ${node}`, await labCompose(["start", node])),
    );
  });

  labTest("6. a node cut off from the lab network and reconnected: the same, no duplicates left, pod traffic to it again", 6 * 60_000, async () => {
    const node: LabNode = "node-3";
    const container = await labContainer(node);
    const address = await labAddress(node);
    await nodeLoss(
      node,
      async () => void expectSuccess(`docker network disconnect ${node}`, await docker(["network", "disconnect", labNetwork, container])),
      // Back at its address and under its name, as compose attached it.
      async () => void expectSuccess(`docker network connect ${node}`, await docker(["network", "connect", "--ip", address, "--alias", node, labNetwork, container])),
    );
    // Its interface came back new: the routes to the other nodes' pods must be back too.
    const probe = await admin().create(podsResource, pinnedWebPod("lab-probe-node-3", node), "default");
    try {
      const running = await waitFor(
        async (note) => {
          const p = await admin().get<Pod>(podsResource, probe.metadata.name!, "default");
          note(describePods([p]));
          return isServing(p) ? p : undefined;
        },
        { timeoutMs: 60_000, what: `pod ${probe.metadata.name} serving on ${node}` },
      );
      assert.equal(running.spec.nodeName, node);
      const placement = byNode(await waitForApp(replicas, 30_000));
      const peers = labNodes.filter((n) => n !== node).map((n) => placement.get(n)?.[0]).filter((p): p is Pod => p !== undefined);
      assert.ok(peers.length > 0, "no app pod on another node to talk to");
      await waitFor(async () => (await checkPodTraffic([running], peers)) + (await checkPodTraffic(peers, [running])), {
        timeoutMs: 60_000,
        what: `HTTP between ${node}'s new pod and pods on the other nodes`,
        intervalMs: 2000,
      });
    } finally {
      await admin().delete(podsResource, probe.metadata.name!, { namespace: "default" });
    }
  });

  labTest("7. credentials: none is a 401; wrong, malformed or expired tokens cannot join; a node cannot act as or read for another", 5 * 60_000, async () => {
    // No client certificate, the server verified against the lab's CA: 401, a Status.
    for (const master of labMasters) {
      const { server, ca } = labAccess(master);
      const anonymous = await httpsGet(`${server}/api/v1/namespaces/default/pods`, { ca });
      assert.equal(anonymous.status, 401, `${master}: ${anonymous.body}`);
      const status = JSON.parse(anonymous.body) as { kind: string; code: number };
      assert.equal(status.kind, "Status");
      assert.equal(status.code, 401);
      const readyz = await httpsGet(`${server}/readyz`, { ca });
      assert.equal(readyz.status, 200, "/readyz stays public");
    }

    // Joining with a bad token, from a node host, as a new node with a fresh data directory.
    const real = readFileSync(join(theLab().dir, "join", "token"), "utf8").trim();
    const m = /^K10([0-9a-f]{64})::([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(real);
    assert.ok(m, `the lab's join token has an unexpected form: ${real.slice(0, 12)}...`);
    const [, caHash, id] = m;
    const expired = (await bosun(["token", "create", "--ttl", "1s", "--description", "lab e2e: expires at once"])).trim();
    const expiredId = /::([a-z0-9]{6})\./.exec(expired)?.[1];
    assert.ok(expiredId, `bosun token create printed ${expired}`);
    const secret = await admin().get<KubeObject & { data?: Record<string, string> }>(secretsResource, `bootstrap-token-${expiredId}`, "kube-system");
    const expiresAt = Date.parse(Buffer.from(secret.data?.expiration ?? "", "base64").toString("utf8"));
    assert.ok(Number.isFinite(expiresAt), "the 1s token has no expiration");
    // Wait out its life (by the clock both the master and this machine share) before using it.
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 1500));

    const wrongSecret = `K10${caHash}::${id}.${"0123456789abcdef" === real.slice(-16) ? "fedcba9876543210" : "0123456789abcdef"}`;
    const wrongCa = `K10${"0".repeat(64)}::${id}.${real.slice(-16)}`;
    const cases = [
      { what: "a wrong secret", token: wrongSecret, message: /refused the join token \(401/ },
      { what: "an expired token", token: expired, message: /refused the join token \(401/ },
      { what: "a token pinning another CA", token: wrongCa, message: /is not the one the join token pins/ },
      { what: "a malformed token", token: "not-a-token", message: /the join token is malformed/ },
    ];
    for (const [i, c] of cases.entries()) {
      const name = `lab-intruder-${i}`;
      const dataDir = `/tmp/${name}`;
      const r = await labExec("node-1", ["bosun-agent", "--server", MASTER_SERVERS, "--token", c.token, "--data-dir", dataDir, "--node-name", name, "--listen", "127.0.0.1:10299"], { timeoutMs: 60_000 });
      const said = agentSaid(r);
      assert.notEqual(r.code, 0, `the agent joined with ${c.what}:\n${formatResult("bosun-agent", r)}`);
      assert.match(said, c.message, `joining with ${c.what}`);
      const kept = await labExec("node-1", ["ls", "-A", `${dataDir}/pki`]);
      assert.ok(kept.code !== 0 || !kept.stdout.includes("node.crt"), `a certificate was stored after joining with ${c.what}`);
    }
    const intruders = (await admin().list<Node>(nodesResource)).items.filter((n) => n.metadata.name!.startsWith("lab-intruder"));
    assert.deepEqual(intruders.map((n) => n.metadata.name), []);

    // node-3's agent, its data directory, claiming node-1: refused before it starts.
    const claim = await labExec("node-3", ["bosun-agent", "--server", MASTER_SERVERS, "--data-dir", "/var/lib/bosun/agent", "--node-name", "node-1", "--listen", "127.0.0.1:10299"], { timeoutMs: 60_000 });
    assert.notEqual(claim.code, 0, formatResult("bosun-agent --node-name node-1 in node-3", claim));
    assert.match(agentSaid(claim), /is the certificate of node "node-3", not "node-1"/);

    // The dispatcher itself, asked by node-3's certificate to register node-1: PERMISSION_DENIED.
    const node1Before = await admin().get<Node>(nodesResource, "node-1");
    const forged = JSON.parse(
      await nodeScript(
        "node-3",
        `
        import { readFileSync } from "node:fs";
        import { credentials } from "@grpc/grpc-js";
        import { NodeServiceClient } from "@bosun/proto";
        const pki = ${JSON.stringify(AGENT_PKI)};
        const read = (f) => readFileSync(pki + "/" + f);
        const client = new NodeServiceClient("master-1:6444", credentials.createSsl(read("ca.crt"), read("node.key"), read("node.crt")));
        const request = { nodeName: "node-1", capacity: { cpu: "64" }, allocatable: {}, labels: { forged: "true" }, addresses: [],
          runtimeVersion: "docker://forged", agentVersion: "forged", osImage: "", kernelVersion: "", architecture: "amd64", agentEndpoint: "172.28.0.33:10250" };
        client.register(request, (err, res) => {
          console.log(JSON.stringify(err ? { code: err.code, details: err.details } : { registered: res }));
          client.close();
        });`,
      ),
    ) as { code?: number; details?: string };
    assert.equal(forged.code, 7, `the dispatcher did not answer PERMISSION_DENIED (7): ${JSON.stringify(forged)}`);
    assert.match(forged.details ?? "", /node "node-3" may not act as node "node-1"/);
    const node1After = await admin().get<Node>(nodesResource, "node-1");
    assert.equal(node1After.metadata.labels?.forged, undefined, "the forged registration reached node-1's Node");
    assert.deepEqual(node1After.status?.addresses, node1Before.status?.addresses);
    assert.equal(nodeReadyCondition(node1After)?.status, "True");

    // node-1's certificate, from node-1, reads its own pods and not node-2's.
    const pods = await waitForApp(replicas, 30_000);
    const placement = byNode(pods);
    const own = placement.get("node-1") ?? [];
    const others = placement.get("node-2") ?? [];
    assert.ok(own.length > 0 && others.length > 0, `placement: ${describePods(pods).join("; ")}`);
    const paths = [
      "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1",
      "/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-2",
      "/api/v1/pods",
      `/api/v1/namespaces/default/pods/${own[0]!.metadata.name}`,
      `/api/v1/namespaces/default/pods/${others[0]!.metadata.name}`,
    ];
    const replies = JSON.parse(
      await nodeScript(
        "node-1",
        `
        import { readFileSync } from "node:fs";
        import { request } from "node:https";
        const pki = ${JSON.stringify(AGENT_PKI)};
        const [ca, cert, key] = ["ca.crt", "node.crt", "node.key"].map((f) => readFileSync(pki + "/" + f));
        const get = (path) => new Promise((resolve, reject) => {
          const req = request("https://master-1:6443" + path, { ca, cert, key, timeout: 10000 }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ path, status: res.statusCode, body }));
          });
          req.on("error", reject);
          req.end();
        });
        const out = [];
        for (const path of JSON.parse(process.argv[1])) out.push(await get(path));
        console.log(JSON.stringify(out));`,
        JSON.stringify(paths),
      ),
    ) as (HttpReply & { path: string })[];
    const byPath = new Map(replies.map((r) => [r.path, r]));
    const ownList = byPath.get(paths[0]!)!;
    assert.equal(ownList.status, 200, ownList.body);
    const listed = JSON.parse(ownList.body) as { items: Pod[] };
    assert.ok(listed.items.length >= own.length, `node-1 listed ${listed.items.length} pods, expected at least its ${own.length} of ${APP}`);
    assert.ok(listed.items.every((p) => p.spec.nodeName === "node-1"), "node-1's list holds pods of other nodes");
    for (const path of [paths[1]!, paths[2]!, paths[4]!]) {
      const reply = byPath.get(path)!;
      assert.equal(reply.status, 403, `node-1 reading ${path}: ${reply.body}`);
    }
    assert.equal(byPath.get(paths[3]!)!.status, 200, `node-1 reading its own pod: ${byPath.get(paths[3]!)!.body}`);
  });

  labTest("8. etcd snapshot, the cluster's state destroyed, restore: objects back, pods adopted without a restart", 8 * 60_000, async () => {
    const l = theLab();
    const pods = await waitForApp(replicas, 60_000);
    const before = new Map(pods.map((p) => [p.metadata.name!, podSnapshot(p)]));
    const uids = new Set(pods.map((p) => p.metadata.uid!));
    const enginesBefore = await allEngineContainers();
    const containersBefore = new Map<string, EngineContainer>();
    for (const containers of enginesBefore.values()) for (const c of containers) if (uids.has(c.podUid)) containersBefore.set(c.id, c);
    assert.ok(containersBefore.size >= 2 * replicas, `expected infra and app containers of ${replicas} pods, found ${containersBefore.size}`);

    // The backup, on master-1 as docs/hosts.md does it; its data directory is the lab's hosts/master-1/data.
    const backupDir = join(l.dir, "hosts", "master-1", "data", "backup");
    mkdirSync(backupDir, { recursive: true });
    const saved = expectSuccess(
      "bosun etcd snapshot save",
      await labExec("master-1", [
        "bosun", "etcd", "snapshot", "save", "/var/lib/bosun/master/backup/lab.db",
        "--etcd-servers", ETCD_SERVERS,
        "--etcd-cafile", "/etc/bosun/etcd/ca.crt", "--etcd-certfile", "/etc/bosun/etcd/client.crt", "--etcd-keyfile", "/etc/bosun/etcd/client.key",
      ], { timeoutMs: 120_000 }),
    );
    assert.match(saved.stdout, /Snapshot saved to/);

    // A pod made after the snapshot: the restored cluster never knew it, so its node stops it.
    const late = await admin().create(podsResource, pinnedWebPod("lab-after-snapshot", "node-1"), "default");
    const lateUid = late.metadata.uid!;
    await waitFor(async () => isServing(await admin().get<Pod>(podsResource, late.metadata.name!, "default")), { timeoutMs: 60_000, what: "the pod made after the snapshot serving" });

    // Everything that holds the state, stopped; etcd's data removed and restored from the file.
    repairOnFailure("start the etcd members and the masters", () => labCompose(["start", ...labEtcdMembers, ...labMasters]));
    expectSuccess("docker-compose stop (masters)", await labCompose(["stop", ...labMasters]));
    expectSuccess("docker-compose stop (etcd)", await labCompose(["stop", ...labEtcdMembers]));
    const image = expectSuccess("docker inspect", await docker(["inspect", "--format", "{{.Config.Image}}", await labContainer("etcd-1")])).stdout.trim();
    for (const member of labEtcdMembers) {
      // A throwaway container on the member's own volume (--volumes-from): etcd's data
      // directory is that volume, so the restored member/ is moved into it.
      const script = [
        "set -e",
        "rm -rf /var/lib/etcd/* /var/lib/etcd/.[!.]*",
        `[ -z "$(ls -A /var/lib/etcd)" ]`,
        `bosun etcd snapshot restore /backup/lab.db --data-dir /var/lib/etcd/restored --name ${member} --initial-cluster ${ETCD_INITIAL_CLUSTER} --initial-advertise-peer-urls https://${member}:2380 --initial-cluster-token bosun-lab`,
        "mv /var/lib/etcd/restored/member /var/lib/etcd/member",
        "rmdir /var/lib/etcd/restored",
      ].join("\n");
      const restored = await exec("docker", [
        "run", "--rm", "--label", "bosun.io/lab=true", "--label", "bosun.io/lab-role=restore", "--network", "none",
        "--volumes-from", await labContainer(member), "-v", `${backupDir}:/backup:ro`, "--entrypoint", "sh", image, "-c", script,
      ], { timeoutMs: 120_000 });
      assert.match(expectSuccess(`restore ${member}`, restored).stdout, /Restored \/backup\/lab\.db/);
    }
    expectSuccess("docker-compose start (etcd)", await labCompose(["start", ...labEtcdMembers]));
    await waitForEtcdHealthy("etcd-1", 90_000);
    expectSuccess("docker-compose start (masters)", await labCompose(["start", ...labMasters]));
    for (const master of labMasters) await waitForMasterReady(master, 120_000);

    // The objects are back, the same pods on the same nodes with the same containers.
    const deployment = await admin().get<Deployment>(deploymentsResource, APP, "default");
    assert.equal(deployment.spec?.replicas, replicas);
    for (const node of labNodes) await waitForNodeReady(node, "True", 120_000);
    const after = await waitForApp(replicas, 120_000);
    assertSamePods(before, after, "after the restore");
    const engines = await waitFor(
      async (note) => {
        const now = [...(await allEngineContainers()).values()].flat();
        const leftovers = now.filter((c) => c.podUid === lateUid);
        note(leftovers.map((c) => `${c.container} ${c.running ? "running" : "stopped"}`));
        return leftovers.length === 0 ? now : undefined;
      },
      { timeoutMs: 90_000, what: "the pod made after the snapshot stopped and removed by its node", intervalMs: 2000 },
    );
    // Adopted, not restarted: every container of the snapshot's pods is the same one, started at the same time.
    const changed = [...containersBefore.values()].filter((old) => {
      const now = engines.find((c) => c.id === old.id);
      return !now || !now.running || now.startedAt !== old.startedAt;
    });
    assert.deepEqual(changed.map((c) => `${c.container} ${c.id.slice(0, 12)} of ${c.podUid}`), [], "containers replaced or restarted by the restore");
    await assert.rejects(admin().get<Pod>(podsResource, late.metadata.name!, "default"), /not found/i);
    await waitForNoDuplicates(60_000);

    // The restored cluster works on: its controllers and scheduler act on the restored objects.
    await admin("master-2").patch(deploymentsResource, APP, { spec: { replicas: replicas + 1 } }, { namespace: "default", type: "merge" });
    replicas += 1;
    assertSamePods(before, await waitForApp(replicas, 90_000), "after scaling the restored Deployment");
  });

  labTest("9. a Service across the hosts: from every node, its name resolves through the node's DNS and requests reach backends on other hosts; its NodePort answers at every host", 5 * 60_000, async () => {
    const service = (name: string, type: "ClusterIP" | "NodePort") => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: "default" },
      spec: { type, selector: { app: APP }, ports: [{ port: 80, targetPort: 8080 }] },
    });
    await admin().create(servicesResource, service(APP, "ClusterIP") as KubeObject, "default");
    const np = (await admin().create(servicesResource, service(`${APP}-np`, "NodePort") as KubeObject, "default")) as KubeObject & { spec: { ports: { nodePort: number }[] } };
    const pods = await waitForApp(replicas, 60_000);
    await waitFor(
      async () => {
        const ep = (await admin().get(endpointsResource, APP, "default")) as KubeObject & { subsets?: { addresses?: unknown[] }[] };
        return (ep.subsets ?? []).flatMap((s) => s.addresses ?? []).length === replicas ? true : undefined;
      },
      { timeoutMs: 60_000, what: `${replicas} endpoints of Service ${APP}`, intervalMs: 1000 },
    );
    const ipNode = new Map(pods.map((p) => [p.status!.podIP!, p.spec.nodeName!]));
    for (const [node, onNode] of byNode(pods)) {
      const client = onNode[0]!;
      const seen = await waitFor(
        async () => {
          const out = await kubectlOk(["exec", client.metadata.name!, "-c", "web", "--", "sh", "-c", `for i in $(seq 30); do timeout 5 wget -qO- http://${APP}/cgi-bin/who || echo FAILED; done`]);
          const servers = new Set([...out.matchAll(/server=(\S+)/g)].map((m) => m[1]!));
          const elsewhere = [...servers].filter((ip) => ipNode.get(ip) !== node);
          return !out.includes("FAILED") && elsewhere.length > 0 ? servers : undefined;
        },
        { timeoutMs: 60_000, what: `requests from ${client.metadata.name} on ${node} to http://${APP} answered, some by other hosts`, intervalMs: 2000 },
      );
      assert.ok(seen.size >= 2, `${node}: answered by ${[...seen].join(", ")}`);
    }
    const nodePort = np.spec.ports[0]!.nodePort;
    for (const node of labNodes) {
      const address = await labAddress(node);
      const answer = await waitFor(
        async () => {
          const res = await fetch(`http://${address}:${nodePort}/cgi-bin/who`).catch(() => undefined);
          return res?.ok ? res.text() : undefined;
        },
        { timeoutMs: 30_000, what: `the NodePort ${nodePort} at ${node} (${address})`, intervalMs: 1000 },
      );
      assert.match(answer, /^server=10\.244\./);
    }
  });
  labTest("10. across the hosts: NetworkPolicy default-deny stops a client on another host and a rule by label lets a friend in; Ingress over HTTP and HTTPS at every host; an agent restart does not cut service traffic", 6 * 60_000, async () => {
    const pods = await waitForApp(replicas, 60_000);
    const web = (await admin().get(servicesResource, APP, "default")) as KubeObject & { spec: { clusterIP: string } };
    const namespaces = mustResource("namespaces");
    const policies = mustResource("networkpolicies");
    const ingresses = mustResource("ingresses");

    // ---- NetworkPolicy: the guarded pod on node-1, its friend on node-2, a client of the app on node-3 ----
    await admin().create(namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: "lab-secure" } } as KubeObject);
    const inSecure = (name: string, labels: Record<string, string>, node: LabNode): Pod => ({
      ...pinnedWebPod(name, node),
      metadata: { name, namespace: "lab-secure", labels },
    });
    await admin().create(podsResource, inSecure("guarded", { app: "guarded" }, "node-1") as KubeObject, "lab-secure");
    await admin().create(podsResource, inSecure("friend", { role: "friend" }, "node-2") as KubeObject, "lab-secure");
    const secure = await waitFor(
      async () => {
        const list = (await admin().list<Pod>(podsResource, { namespace: "lab-secure" })).items;
        return list.length === 2 && list.every(isServing) ? list : undefined;
      },
      { timeoutMs: 90_000, what: "the guarded and friend pods serving in lab-secure", intervalMs: 1000 },
    );
    const guardedIP = secure.find((p) => p.metadata.name === "guarded")!.status!.podIP!;
    const client = pods.find((p) => p.spec.nodeName === "node-3") ?? pods.find((p) => p.spec.nodeName !== "node-1")!;
    const fetchFrom = async (pod: string, ns: string) =>
      (await kubectl(["exec", "-n", ns, pod, "-c", "web", "--", "sh", "-c", `timeout 3 wget -qO- http://${guardedIP}:8080/cgi-bin/who || echo BLOCKED`])).stdout.trim();
    assert.match(await fetchFrom(client.metadata.name!, "default"), /^server=/, "open before any policy");
    await admin().create(policies, { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "deny-ingress", namespace: "lab-secure" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } } as KubeObject, "lab-secure");
    await waitFor(async () => ((await fetchFrom(client.metadata.name!, "default")) === "BLOCKED" ? true : undefined), {
      timeoutMs: 30_000,
      what: `the client on ${client.spec.nodeName} blocked by default-deny on node-1`,
      intervalMs: 1000,
    });
    assert.equal(await fetchFrom("friend", "lab-secure"), "BLOCKED", "the friend on node-2 is denied too until a rule lets it in");
    await admin().create(
      policies,
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "let-friends-in", namespace: "lab-secure" },
        spec: { podSelector: { matchLabels: { app: "guarded" } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: "friend" } } }], ports: [{ port: 8080 }] }] },
      } as KubeObject,
      "lab-secure",
    );
    // node-1 learns the friend's address on node-2 from the cluster state.
    await waitFor(async () => (/^server=/.test(await fetchFrom("friend", "lab-secure")) ? true : undefined), { timeoutMs: 30_000, what: "the friend on node-2 let in", intervalMs: 1000 });
    assert.equal(await fetchFrom(client.metadata.name!, "default"), "BLOCKED", "the client in another namespace stays out");
    await admin().delete(namespaces, "lab-secure");

    // ---- Ingress: every host's proxy routes lab.example to the app, over HTTP and HTTPS ----
    const ca = await createCertificateAuthority("lab ingress CA");
    const site = await signCertificate(ca, { commonName: "lab.example", sans: ["lab.example"], usages: ["server"], validityMs: 3_600_000 });
    await admin().create(
      secretsResource,
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "lab-tls", namespace: "default" },
        type: "kubernetes.io/tls",
        data: { "tls.crt": Buffer.from(site.cert).toString("base64"), "tls.key": Buffer.from(site.key).toString("base64") },
      } as KubeObject,
      "default",
    );
    await admin().create(
      ingresses,
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "lab-site", namespace: "default" },
        spec: {
          tls: [{ hosts: ["lab.example"], secretName: "lab-tls" }],
          rules: [{ host: "lab.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: APP, port: { number: 80 } } } }] } }],
        },
      } as KubeObject,
      "default",
    );
    const podIPs = new Set(pods.map((p) => p.status!.podIP!));
    for (const node of labNodes) {
      const address = await labAddress(node);
      for (const scheme of ["http", "https"] as const) {
        const reply = await waitFor(
          async () => {
            const r = await ingressGet(scheme, address, "lab.example", "/cgi-bin/who", ca.cert).catch(() => undefined);
            return r?.status === 200 ? r : undefined;
          },
          { timeoutMs: 30_000, what: `${scheme}://lab.example through ${node}'s ingress proxy (${address})`, intervalMs: 1000 },
        );
        const server = /^server=(\S+)/.exec(reply.body)?.[1] ?? "";
        assert.ok(podIPs.has(server), `${node} ${scheme}: answered by a pod of ${APP}, not "${reply.body.trim()}"`);
      }
      assert.equal((await ingressGet("http", address, "nobody.example", "/", ca.cert)).status, 404, `${node}: a host no rule names`);
    }

    // ---- node-2's agent restarted: requests from its pod to the cluster IP every 0.1 s keep being answered ----
    const onNode2 = pods.find((p) => p.spec.nodeName === "node-2");
    assert.ok(onNode2, "a pod of the app runs on node-2");
    const loop = `rm -f /tmp/during; (for i in $(seq 100); do if timeout 3 wget -qO- http://${web.spec.clusterIP}/cgi-bin/who >/dev/null; then echo ok; else echo FAILED; fi; sleep 0.1; done > /tmp/during 2>&1) >/dev/null 2>&1 &`;
    await kubectlOk(["exec", onNode2.metadata.name!, "-c", "web", "--", "sh", "-c", loop]);
    const before = expectSuccess("the agent's pid in node-2", await labExec("node-2", ["cat", "/run/bosun-agent.pid"])).stdout.trim();
    expectSuccess("kill -TERM the agent of node-2", await labExec("node-2", ["sh", "-c", `kill -TERM ${before}`]));
    await waitFor(
      async () => {
        const now = (await labExec("node-2", ["cat", "/run/bosun-agent.pid"])).stdout.trim();
        return now !== "" && now !== before ? true : undefined;
      },
      { timeoutMs: 30_000, what: "node-2's agent started again by its init", intervalMs: 500 },
    );
    const during = await waitFor(
      async () => {
        const r = await kubectl(["exec", onNode2.metadata.name!, "-c", "web", "--", "cat", "/tmp/during"]);
        return r.code === 0 && r.stdout.trim().split("\n").length >= 100 ? r.stdout : undefined;
      },
      { timeoutMs: 90_000, what: "100 requests made across the agent restart", intervalMs: 1000 },
    );
    assert.ok(!during.includes("FAILED"), `every request during the restart was answered:\n${during}`);
    await waitForNodeReady("node-2", "True", 60_000);
  });
  labTest("11. a local-path claim: its first pod lands on one of the three nodes, which gets the directory; the next pod goes there and reads it back; deleting the claim removes the directory", 5 * 60_000, async () => {
    const claims = mustResource("persistentvolumeclaims");
    const volumes = mustResource("persistentvolumes");
    const claimPod = (name: string, script: string): Pod => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default" },
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "main",
            image: BUSYBOX_IMAGE,
            imagePullPolicy: "Never",
            command: ["sh", "-c", script],
            env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
            volumeMounts: [{ name: "data", mountPath: "/data" }],
          },
        ],
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "lab-data" } }],
      },
    });
    const finished = (name: string) =>
      waitFor(
        async () => {
          const pod = await admin().get<Pod>(podsResource, name, "default");
          return pod.status?.phase === "Succeeded" ? pod : undefined;
        },
        { timeoutMs: 120_000, what: `pod ${name} to finish`, intervalMs: 1000 },
      );
    const removed = (what: string, check: () => Promise<boolean>) => waitFor(async () => ((await check()) ? true : undefined), { timeoutMs: 90_000, what, intervalMs: 1000 });
    const isGone = (get: Promise<unknown>) =>
      get.then(
        () => false,
        (err: unknown) => {
          if (isNotFound(err)) return true;
          throw err;
        },
      );
    const podGone = (name: string) => isGone(admin().get(podsResource, name, "default"));

    await admin().create(
      claims,
      { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "lab-data", namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } } } as KubeObject,
      "default",
    );
    repairOnFailure("delete the claim lab-data", () => admin().delete(claims, "lab-data", { namespace: "default" }));
    await admin().create(podsResource, claimPod("lab-writer", 'echo "$NODE_NAME" > /data/record'), "default");
    repairOnFailure("delete the pod lab-writer", () => admin().delete(podsResource, "lab-writer", { namespace: "default" }));
    const node = (await finished("lab-writer")).spec.nodeName as LabNode;
    assert.ok(labNodes.includes(node), `the writer ran on a lab node, not "${node}"`);
    const claim = await admin().get<KubeObject & { spec: { volumeName?: string } }>(claims, "lab-data", "default");
    const volume = await admin().get<KubeObject & { spec: { hostPath?: { path: string } } }>(volumes, claim.spec.volumeName ?? "");
    const dir = volume.spec.hostPath?.path ?? "";
    assert.match(dir, /^\/var\/lib\/bosun\/storage\/pvc-[0-9a-f-]+_default_lab-data$/);
    assert.equal(expectSuccess(`cat the record on ${node}`, await labExec(node, ["cat", `${dir}/record`])).stdout, `${node}\n`);
    for (const other of labNodes.filter((n) => n !== node)) {
      assert.notEqual((await labExec(other, ["test", "-e", dir])).code, 0, `${other} has no directory of the claim`);
    }
    await admin().delete(podsResource, "lab-writer", { namespace: "default" });
    await removed("the writer gone", () => podGone("lab-writer"));

    await admin().create(podsResource, claimPod("lab-reader", 'echo "$NODE_NAME read $(cat /data/record)"'), "default");
    repairOnFailure("delete the pod lab-reader", () => admin().delete(podsResource, "lab-reader", { namespace: "default" }));
    assert.equal((await finished("lab-reader")).spec.nodeName, node, "the claim's next pod goes where its volume is");
    assert.equal(await kubectlOk(["logs", "lab-reader"]), `${node} read ${node}\n`);
    await admin().delete(podsResource, "lab-reader", { namespace: "default" });
    await removed("the reader gone", () => podGone("lab-reader"));

    await admin().delete(claims, "lab-data", { namespace: "default" });
    await removed(`the volume and its directory on ${node} removed with the claim`, async () => {
      const volumeGone = await isGone(admin().get(volumes, volume.metadata.name ?? ""));
      return volumeGone && (await labExec(node, ["test", "-e", dir])).code !== 0;
    });
  });
  labTest("12. podAntiAffinity on the hostname: three replicas land on the three nodes, a fourth stays Pending with the scheduler's reason", 5 * 60_000, async () => {
    const name = "lab-anti";
    const labels = { app: name };
    const deployment = (replicas: number): Deployment => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: "default", labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 1,
            affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: labels }, topologyKey: "kubernetes.io/hostname" }] } },
            containers: [{ name: "app", image: BUSYBOX_IMAGE, imagePullPolicy: "Never", command: ["sleep", "3600"], resources: { requests: { cpu: "10m", memory: "8Mi" } } }],
          },
        },
      },
    });
    const listPods = async () => (await admin().list<Pod>(podsResource, { namespace: "default", labelSelector: `app=${name}` })).items.filter((p) => !p.metadata.deletionTimestamp);
    await admin().create(deploymentsResource, deployment(3), "default");
    repairOnFailure(`delete the deployment ${name}`, () => admin().delete(deploymentsResource, name, { namespace: "default", propagationPolicy: "Foreground" }));
    const running = await waitFor(
      async () => {
        const pods = await listPods();
        return pods.length === 3 && pods.every((p) => p.status?.phase === "Running") ? pods : undefined;
      },
      { timeoutMs: 120_000, what: `three pods of ${name} running`, intervalMs: 1000 },
    );
    assert.deepEqual(running.map((p) => p.spec.nodeName).sort(), [...labNodes].sort(), `one replica per node: ${describePods(running).join("; ")}`);

    await admin().patch(deploymentsResource, name, { spec: { replicas: 4 } }, { namespace: "default", type: "merge" });
    const pending = await waitFor(
      async () => {
        const pods = await listPods();
        const unplaced = pods.find((p) => !p.spec.nodeName);
        const scheduled = unplaced ? getPodCondition(unplaced.status, "PodScheduled") : undefined;
        return pods.length === 4 && scheduled?.status === "False" ? { pod: unplaced!, scheduled } : undefined;
      },
      { timeoutMs: 60_000, what: `the fourth pod of ${name} reported unschedulable`, intervalMs: 1000 },
    );
    assert.equal(pending.pod.status?.phase, "Pending");
    assert.equal(pending.scheduled.reason, "Unschedulable");
    assert.match(pending.scheduled.message ?? "", /^0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\./, pending.scheduled.message);
    const described = await kubectlOk(["describe", "pod", pending.pod.metadata.name ?? ""]);
    assert.match(described, /FailedScheduling .*didn't match pod anti-affinity rules/, described);
    assert.equal((await listPods()).filter((p) => p.spec.nodeName).length, 3, "the three placed replicas stay where they are");

    await admin().delete(deploymentsResource, name, { namespace: "default", propagationPolicy: "Foreground" });
    await waitFor(async () => ((await listPods()).length === 0 ? true : undefined), { timeoutMs: 90_000, what: `the pods of ${name} gone`, intervalMs: 1000 });
  });
});
