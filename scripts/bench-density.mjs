#!/usr/bin/env node
// Density benchmark: a node full of probed pods. A Deployment of N replicas (110 by
// default, the kubelet's default pod limit) pinned to one node, first with an exec
// readiness probe every 30 s, then with an httpGet readiness probe every 10 s. For
// each: the time from the create until every pod is Running and until every pod is
// Ready, then a steady window in which every pod must stay Ready; meanwhile the
// agent's CPU and RSS (from /proc of its PID) and Docker's exec rate (the engine's
// exec_die events for the node's containers). Targets: every pod Ready, and the
// agent's RSS at most 150 MiB (the kubelet's e2e limit is 300 MiB at 100 pods).
//
// Usage: npm run bench:density [-- --replicas N] [-- --steady-ms MS] [-- --timeout-ms MS] [-- --node NAME] [-- --agent-pid PID] [-- --only exec|http] [-- --exec-period S]
// Cluster: the kubeconfig as the bosun CLI finds it ($KUBECONFIG, else
// $BOSUN_HOME/kubeconfig written by `bosun up`); $BOSUN_SERVER replaces its server.
// The agent's PID comes from $BOSUN_HOME/cluster.json unless --agent-pid says.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus, hostname, loadavg } from "node:os";
import { resourceByKind } from "@bosun/api";
import { IMAGE, connect, localClusterChild, progress } from "./bench-lib.mjs";

const RSS_TARGET_MIB = 150;
const NAMESPACE = "default";
const pods = resourceByKind("v1", "Pod");
const nodes = resourceByKind("v1", "Node");
const deployments = resourceByKind("apps/v1", "Deployment");
const events = resourceByKind("v1", "Event");
/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

const WEB = "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www";

/** The two runs; the exec probe's period may be changed with --exec-period. */
const PHASES = {
  exec: {
    title: "exec readiness probe every 30 s",
    command: ["sleep", "3600"],
    readinessProbe: { exec: { command: ["true"] }, periodSeconds: 30 },
  },
  http: {
    title: "httpGet readiness probe every 10 s",
    command: ["sh", "-c", WEB],
    readinessProbe: { httpGet: { path: "/index.html", port: 8080 }, periodSeconds: 10 },
  },
};

function usage(message) {
  if (message) console.error(`bench-density: ${message}`);
  console.error("usage: npm run bench:density -- [--replicas N] [--steady-ms MS] [--timeout-ms MS] [--node NAME] [--agent-pid PID] [--only exec|http] [--exec-period S]");
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { replicas: 110, steadyMs: 60_000, timeoutMs: 600_000, node: undefined, agentPid: undefined, only: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === "--replicas") opts.replicas = Number(value());
    else if (flag === "--steady-ms") opts.steadyMs = Number(value());
    else if (flag === "--timeout-ms") opts.timeoutMs = Number(value());
    else if (flag === "--node") opts.node = value();
    else if (flag === "--agent-pid") opts.agentPid = Number(value());
    else if (flag === "--only") opts.only = value();
    else if (flag === "--exec-period") opts.execPeriod = Number(value());
    else if (flag === "--help" || flag === "-h") usage();
    else usage(`unknown argument ${argv[i]}`);
  }
  if (!Number.isInteger(opts.replicas) || opts.replicas < 1) usage("--replicas must be a whole number of at least 1");
  if (!Number.isFinite(opts.steadyMs) || opts.steadyMs < 0) usage("--steady-ms must be a number of at least 0");
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) usage("--timeout-ms must be a positive number");
  if (opts.agentPid !== undefined && !(Number.isInteger(opts.agentPid) && opts.agentPid > 0)) usage("--agent-pid must be a process ID");
  if (opts.only !== undefined && !PHASES[opts.only]) usage("--only must be exec or http");
  if (opts.execPeriod !== undefined) {
    if (!Number.isInteger(opts.execPeriod) || opts.execPeriod < 1) usage("--exec-period must be a whole number of seconds, at least 1");
    PHASES.exec.title = `exec readiness probe every ${opts.execPeriod} s`;
    PHASES.exec.readinessProbe.periodSeconds = opts.execPeriod;
  }
  return opts;
}

const load = () => loadavg().map((v) => v.toFixed(2)).join(" ");
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The agent's CPU time so far (its own and its reaped children's, seconds) and its RSS now and at its peak (bytes). */
function agentSample(pid) {
  let stat;
  let status;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    throw new Error(`the agent (pid ${pid}) is no longer running; check its log ($BOSUN_HOME/logs/agent.log)`);
  }
  // Fields after "pid (comm) ": state is field 3, utime 14, stime 15, cutime 16, cstime 17.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = (i) => Number(f[i - 3]);
  const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return {
    at: performance.now(),
    cpu: (ticks(14) + ticks(15)) / USER_HZ,
    childCpu: (ticks(16) + ticks(17)) / USER_HZ,
    rss: kib("VmRSS"),
    hwm: kib("VmHWM"),
  };
}

/** Samples the agent every second: the peak RSS seen, and CPU over any span. */
class AgentMonitor {
  constructor(pid) {
    this.pid = pid;
    this.samples = [agentSample(pid)];
    this.timer = setInterval(() => {
      try {
        this.samples.push(agentSample(pid));
      } catch (err) {
        this.error = err;
      }
    }, 1000);
  }

  mark() {
    if (this.error) throw this.error;
    const s = agentSample(this.pid);
    this.samples.push(s);
    return s;
  }

  /** CPU use between two marks, in % of one core, and the peak RSS sampled between them. */
  between(a, b) {
    const wall = (b.at - a.at) / 1000;
    const inside = this.samples.filter((s) => s.at >= a.at && s.at <= b.at);
    return {
      cpuPct: ((b.cpu - a.cpu) / wall) * 100,
      childCpuPct: ((b.childCpu - a.childCpu) / wall) * 100,
      peakRss: Math.max(...inside.map((s) => s.rss)),
    };
  }

  stop() {
    clearInterval(this.timer);
  }
}

/** Counts the execs Docker finished in the node's containers, from the engine's event stream. */
class ExecCounter {
  constructor(nodeName) {
    this.times = [];
    this.child = spawn(
      "docker",
      ["events", "--format", "{{.Action}}", "--filter", "type=container", "--filter", `label=bosun.io/node-name=${nodeName}`],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let pending = "";
    this.child.stdout.on("data", (b) => {
      pending += b;
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const action = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (action.startsWith("exec_die")) this.times.push(performance.now());
      }
    });
    this.child.on("error", (err) => (this.error = err));
  }

  /** Execs per second between two instants (performance.now()). */
  rate(from, to) {
    const n = this.times.filter((t) => t >= from && t <= to).length;
    return { count: n, perSecond: n / ((to - from) / 1000) };
  }

  stop() {
    this.child.kill();
  }
}

function deploymentManifest(name, runId, nodeName, phase, replicas) {
  const labels = { app: name, "bosun.io/bench": runId };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NAMESPACE, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: { "kubernetes.io/hostname": nodeName },
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "app", image: IMAGE, imagePullPolicy: "IfNotPresent", command: phase.command, readinessProbe: phase.readinessProbe }],
        },
      },
    },
  };
}

const isReady = (p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/**
 * Follows the bench pods through list + watch: when all were first Running and
 * first Ready, and how often a Ready pod turned not ready afterwards.
 */
class PodTracker {
  constructor(client, selector, count) {
    this.client = client;
    this.selector = selector;
    this.count = count;
    this.pods = new Map();
    this.readyLosses = 0;
    this.abort = new AbortController();
  }

  apply(p, deleted) {
    const name = p.metadata.name;
    const was = this.pods.get(name);
    if (deleted) {
      this.pods.delete(name);
      return;
    }
    const now = { running: p.status?.phase === "Running", ready: isReady(p) };
    if (was?.ready && !now.ready) this.readyLosses++;
    this.pods.set(name, now);
    const running = [...this.pods.values()].filter((s) => s.running).length;
    const ready = [...this.pods.values()].filter((s) => s.ready).length;
    if (running >= this.count && this.allRunningAt === undefined) this.allRunningAt = performance.now();
    if (ready >= this.count && this.allReadyAt === undefined) this.allReadyAt = performance.now();
    progress(`${running}/${this.count} Running, ${ready}/${this.count} Ready`);
  }

  ready() {
    return [...this.pods.values()].filter((s) => s.ready).length;
  }

  async start() {
    const list = await this.client.list(pods, { namespace: NAMESPACE, labelSelector: this.selector });
    for (const p of list.items) this.apply(p, false);
    this.resourceVersion = list.metadata.resourceVersion;
    this.loop = this.follow();
  }

  async follow() {
    while (!this.abort.signal.aborted) {
      try {
        for await (const event of this.client.watch(pods, { namespace: NAMESPACE, labelSelector: this.selector, resourceVersion: this.resourceVersion, signal: this.abort.signal })) {
          if (event.type === "ERROR") throw new Error(`watch error: ${JSON.stringify(event.object)}`);
          this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
          this.apply(event.object, event.type === "DELETED");
        }
      } catch {
        if (this.abort.signal.aborted) return;
        // The watch ended or its version expired: list again and follow from there.
        await new Promise((r) => setTimeout(r, 200));
        const list = await this.client.list(pods, { namespace: NAMESPACE, labelSelector: this.selector }).catch(() => undefined);
        if (list) {
          this.pods.clear();
          for (const p of list.items) this.apply(p, false);
          this.resourceVersion = list.metadata.resourceVersion;
        }
      }
    }
  }

  /** Resolves when every pod is Ready; rejects after timeoutMs with what is missing. */
  async allReady(timeoutMs) {
    const deadline = performance.now() + timeoutMs;
    while (this.allReadyAt === undefined) {
      if (performance.now() > deadline) {
        throw new Error(`only ${this.ready()} of ${this.count} pods were Ready after ${secs(timeoutMs)}; check 'bosun get pods -l ${this.selector}' and 'bosun get events'`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    progress(undefined);
  }

  stop() {
    this.abort.abort();
  }
}

/** The pods bound to the node that still hold a place there (not finished). */
async function podsOnNode(client, nodeName) {
  const list = await client.list(pods, { fieldSelector: `spec.nodeName=${nodeName}` });
  return list.items.filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed").length;
}

async function pickNode(client, wanted) {
  const ready = (await client.list(nodes)).items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
  if (wanted) {
    const node = ready.find((n) => n.metadata.name === wanted);
    if (!node) throw new Error(`node ${wanted} is not a Ready node of the cluster; see 'bosun get nodes'`);
    return node;
  }
  if (ready.length !== 1) throw new Error(`the cluster has ${ready.length} Ready nodes; name the one to fill with --node (see 'bosun get nodes')`);
  return ready[0];
}

/** The events about one run's objects (its Deployment, ReplicaSet and pods), by reason. */
async function eventCounts(client, name) {
  const list = await client.list(events, { namespace: NAMESPACE });
  const counts = {};
  for (const e of list.items) {
    if (!e.involvedObject?.name?.startsWith(name)) continue;
    counts[e.reason] = (counts[e.reason] ?? 0) + (e.count ?? 1);
  }
  return counts;
}

async function deleteAndWait(client, name, selector) {
  await client.delete(deployments, name, { namespace: NAMESPACE, propagationPolicy: "Foreground" }).catch(() => undefined);
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const left = await client.list(pods, { namespace: NAMESPACE, labelSelector: selector }).catch(() => ({ items: [] }));
    if (left.items.length === 0) return;
    progress(`removing: ${left.items.length} pods left`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  progress(undefined);
  console.error(`bench-density: pods of ${name} are still terminating; check 'bosun get pods -l ${selector}'`);
}

async function runPhase(client, opts, runId, nodeName, key, monitor, execs) {
  const phase = PHASES[key];
  const name = `bench-density-${runId}-${key}`;
  const selector = `app=${name}`;
  const tracker = new PodTracker(client, selector, opts.replicas);
  await tracker.start();
  const loadStart = load();
  const t0 = monitor.mark();
  process.stderr.write(`bench-density: ${key}: creating ${opts.replicas} pods (${phase.title}); load average ${loadStart}\n`);
  try {
    await client.create(deployments, deploymentManifest(name, runId, nodeName, phase, opts.replicas), NAMESPACE);
    await tracker.allReady(opts.timeoutMs);
    const t1 = monitor.mark();
    const lossesBefore = tracker.readyLosses;
    process.stderr.write(`bench-density: ${key}: all Ready; steady for ${secs(opts.steadyMs)}\n`);
    await new Promise((r) => setTimeout(r, opts.steadyMs));
    const t2 = monitor.mark();
    const result = {
      key,
      title: phase.title,
      runningMs: tracker.allRunningAt - t0.at,
      readyMs: tracker.allReadyAt - t0.at,
      rollout: monitor.between(t0, t1),
      steady: monitor.between(t1, t2),
      execRollout: execs.rate(t0.at, t1.at),
      execSteady: execs.rate(t1.at, t2.at),
      readyAtEnd: tracker.ready(),
      readyLosses: tracker.readyLosses - lossesBefore,
      rssEnd: t2.rss,
      loadStart,
      loadEnd: load(),
      events: await eventCounts(client, name),
    };
    return result;
  } finally {
    tracker.stop();
    process.stderr.write(`bench-density: ${key}: removing the Deployment\n`);
    await deleteAndWait(client, name, selector);
  }
}

function report(r, replicas) {
  const line = (label, value) => console.log(`  ${label.padEnd(44)} ${value}`);
  console.log("");
  console.log(`${r.key}: ${replicas} pods, ${r.title}`);
  line("create -> all Running", secs(r.runningMs));
  line("create -> all Ready", secs(r.readyMs));
  line("agent CPU until all Ready (of one core)", `${r.rollout.cpuPct.toFixed(1)} % (+ ${r.rollout.childCpuPct.toFixed(1)} % in its child processes)`);
  line("agent CPU, steady (of one core)", `${r.steady.cpuPct.toFixed(1)} % (+ ${r.steady.childCpuPct.toFixed(1)} % in its child processes)`);
  line("agent RSS peak until all Ready / steady / end", `${mib(r.rollout.peakRss)} / ${mib(r.steady.peakRss)} / ${mib(r.rssEnd)}`);
  line("Docker execs until all Ready", `${r.execRollout.count} (${r.execRollout.perSecond.toFixed(2)}/s)`);
  line("Docker execs, steady", `${r.execSteady.count} (${r.execSteady.perSecond.toFixed(2)}/s)`);
  line("Ready at the end / lost Ready while steady", `${r.readyAtEnd}/${replicas} / ${r.readyLosses}`);
  line("load average at start / end (1, 5, 15 min)", `${r.loadStart} / ${r.loadEnd}`);
  const ev = Object.entries(r.events).map(([k, v]) => `${k} ${v}`).join(", ");
  line("events about the pods", ev || "none");
}

let interrupted = false;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { client, server } = await connect("bench-density");
  const node = await pickNode(client, opts.node);
  const nodeName = node.metadata.name;
  const agent = opts.agentPid ? { pid: opts.agentPid, source: "--agent-pid" } : localClusterChild("agent");
  const capacity = Number(node.status?.allocatable?.pods ?? node.status?.capacity?.pods ?? NaN);
  const already = await podsOnNode(client, nodeName);
  if (Number.isFinite(capacity) && already + opts.replicas > capacity) {
    throw new Error(
      `node ${nodeName} takes ${capacity} pods and has ${already} already, so ${opts.replicas} more do not fit; ` +
        `remove the others (bosun get pods -A -o wide) or pass a smaller --replicas`,
    );
  }
  const runId = randomUUID().slice(0, 8);
  console.log(`bench-density: ${opts.replicas} pods on node ${nodeName} (allocatable pods ${capacity}, ${already} there before), run ${runId}`);
  console.log(`bench-density: server ${server}; host ${hostname()}, ${cpus().length} cores; agent pid ${agent.pid} (${agent.source}); load average ${load()}`);
  const monitor = new AgentMonitor(agent.pid);
  const execs = new ExecCounter(nodeName);
  const cleanup = async () => {
    const list = await client.list(deployments, { namespace: NAMESPACE, labelSelector: `bosun.io/bench=${runId}` }).catch(() => ({ items: [] }));
    await Promise.allSettled(list.items.map((d) => deleteAndWait(client, d.metadata.name, `app=${d.metadata.name}`)));
  };
  process.once("SIGINT", () => {
    interrupted = true;
    console.error("\nbench-density: interrupted, cleaning up");
    cleanup().finally(() => process.exit(130));
  });
  const results = [];
  let failure;
  try {
    for (const key of opts.only ? [opts.only] : ["exec", "http"]) {
      try {
        results.push(await runPhase(client, opts, runId, nodeName, key, monitor, execs));
      } catch (err) {
        if (interrupted) return;
        failure ??= err;
        console.error(`bench-density: ${key}: ${err.message}`);
      }
    }
  } finally {
    monitor.stop();
    execs.stop();
  }
  for (const r of results) report(r, opts.replicas);
  const peak = Math.max(...results.flatMap((r) => [r.rollout.peakRss, r.steady.peakRss]));
  const allReady = !failure && results.every((r) => r.readyAtEnd === opts.replicas && r.readyLosses === 0);
  console.log("");
  console.log(`all Ready: ${allReady ? "yes" : "NO"}  (target: every pod Ready and staying Ready)`);
  if (results.length > 0) console.log(`agent RSS peak: ${mib(peak)}  (target <= ${RSS_TARGET_MIB} MiB: ${peak <= RSS_TARGET_MIB * 1024 * 1024 ? "met" : "NOT met"})`);
  console.log(`load average at the end: ${load()}`);
  if (failure) process.exitCode = 1;
}

main().catch((err) => {
  if (interrupted) return;
  console.error(`bench-density: error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
