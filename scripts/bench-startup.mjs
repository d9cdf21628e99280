#!/usr/bin/env node
// Pod startup benchmark: create-to-Running latency of N Bosun pods against the
// local cluster, then `docker run -d` of the same image and command N times, then N
// one-task Docker Swarm services (create -> task running), in the same run on the
// same engine. Prints p50/p99 of each, the ratio of the medians against docker and
// the target of this stage (1.5), and the ratio against Swarm (informational).
//
// With --lab it measures on the docker-compose lab instead (`npm run lab:up`): pods
// pinned to one node host against `docker run -d` timed inside that host, on its
// own engine (Swarm is left out there: leaving a swarm cuts the lab's network on
// Docker 20.10).
//
// With --volumes it measures what volumes add instead: N pods mounting a configMap,
// a secret and an emptyDir volume against N plain pods, taken in turns in the same
// run, and prints p50/p99 of each and the ratio of the medians against its target
// (1.2); neither docker nor Swarm is timed then.
//
// Usage: npm run bench:startup [-- --count N] [-- --timeout-ms MS] [-- --no-swarm] [-- --lab [--lab-node node-1]] [-- --volumes]
// Cluster: the kubeconfig as the bosun CLI finds it ($KUBECONFIG, else
// $BOSUN_HOME/kubeconfig written by `bosun up`); with --lab, the lab's.
import { randomUUID } from "node:crypto";
import { cpus, hostname, loadavg } from "node:os";
import { resourceByKind } from "@bosun/api";
import { join } from "node:path";
import { COMMAND, IMAGE, bosunHome, connect, progress, removeBenchContainers, run, summary } from "./bench-lib.mjs";
import { SwarmPeer } from "./bench-swarm-peer.mjs";

const TARGET_RATIO = 1.5;
/** What a pod's configMap, secret and emptyDir volumes may add to its start, as a ratio of medians. */
const VOLUMES_TARGET_RATIO = 1.2;
const pods = resourceByKind("v1", "Pod");
const configMaps = resourceByKind("v1", "ConfigMap");
const secrets = resourceByKind("v1", "Secret");

function usage(message) {
  if (message) console.error(`bench-startup: ${message}`);
  console.error("usage: npm run bench:startup -- [--count N] [--timeout-ms MS] [--namespace NS] [--no-swarm] [--lab [--lab-node NAME]] [--volumes]");
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { count: 20, timeoutMs: 60_000, namespace: "default", swarm: true, lab: false, labNode: "node-1", volumes: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === "--count") opts.count = Number(value());
    else if (flag === "--timeout-ms") opts.timeoutMs = Number(value());
    else if (flag === "--namespace") opts.namespace = value();
    else if (flag === "--no-swarm") opts.swarm = false;
    else if (flag === "--lab") opts.lab = true;
    else if (flag === "--lab-node") opts.labNode = value();
    else if (flag === "--volumes") opts.volumes = true;
    else if (flag === "--help" || flag === "-h") usage();
    else usage(`unknown argument ${argv[i]}`);
  }
  if (!Number.isInteger(opts.count) || opts.count < 1) usage("--count must be a whole number of at least 1");
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) usage("--timeout-ms must be a positive number");
  if (opts.lab || opts.volumes) opts.swarm = false;
  return opts;
}

const ms = (v) => `${v.toFixed(0)} ms`;
const load = () => loadavg()[0].toFixed(2);

/**
 * Follows the bench pods through one watch and resolves each pod's waiter the first
 * time it is seen Running; the watch is opened before the first create, so no
 * transition is missed. Reconnects from the last resourceVersion if the server ends it.
 */
class RunningWatcher {
  constructor(client, namespace, selector) {
    this.client = client;
    this.namespace = namespace;
    this.selector = selector;
    this.waiters = new Map();
    this.seen = new Map();
    this.abort = new AbortController();
  }

  async start() {
    const list = await this.client.list(pods, { namespace: this.namespace, labelSelector: this.selector });
    this.resourceVersion = list.metadata?.resourceVersion;
    this.loop = this.follow();
  }

  async follow() {
    while (!this.abort.signal.aborted) {
      try {
        for await (const event of this.client.watch(pods, {
          namespace: this.namespace,
          labelSelector: this.selector,
          resourceVersion: this.resourceVersion,
          signal: this.abort.signal,
        })) {
          if (event.type === "ERROR") throw new Error(`watch error: ${JSON.stringify(event.object)}`);
          this.resourceVersion = event.object.metadata?.resourceVersion ?? this.resourceVersion;
          const name = event.object.metadata?.name;
          if (event.object.status?.phase === "Running" && !this.seen.has(name)) {
            const at = performance.now();
            this.seen.set(name, at);
            this.waiters.get(name)?.(at);
          }
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.lastError = err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  running(name, timeoutMs) {
    if (this.seen.has(name)) return Promise.resolve(this.seen.get(name));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(name);
        const why = this.lastError ? ` (last watch error: ${this.lastError.message})` : "";
        reject(new Error(`pod ${name} was not Running after ${timeoutMs} ms${why}; check 'bosun get nodes' and 'bosun describe pod ${name}'`));
      }, timeoutMs);
      this.waiters.set(name, (at) => {
        clearTimeout(timer);
        this.waiters.delete(name);
        resolve(at);
      });
    });
  }

  stop() {
    this.abort.abort();
  }
}

/** The ConfigMap and Secret the volume pods mount, each of a few small keys, as an application's configuration would be. */
function volumeSources(runId, namespace) {
  const metadata = { name: `bench-${runId}`, namespace, labels: { "bosun.io/bench": runId } };
  return {
    configMap: { apiVersion: "v1", kind: "ConfigMap", metadata, data: { "app.properties": "mode=bench\nlevel=info\n", "feature-flags": "a=on\nb=off\n" } },
    secret: { apiVersion: "v1", kind: "Secret", metadata, type: "Opaque", stringData: { username: "bench", password: "not-a-secret" } },
  };
}

function podManifest(name, runId, namespace, nodeName, withVolumes = false) {
  const sources = `bench-${runId}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { "bosun.io/bench": runId } },
    spec: {
      // On the lab, the node whose engine the docker side is timed on.
      ...(nodeName ? { nodeSelector: { "kubernetes.io/hostname": nodeName } } : {}),
      // sleep as PID 1 ignores SIGTERM; a short grace keeps the cleanup quick and
      // plays no part in startup.
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "sleep",
          image: IMAGE,
          imagePullPolicy: "IfNotPresent",
          command: COMMAND,
          ...(withVolumes
            ? {
                volumeMounts: [
                  { name: "config", mountPath: "/etc/bench" },
                  { name: "creds", mountPath: "/var/run/bench", readOnly: true },
                  { name: "scratch", mountPath: "/scratch" },
                ],
              }
            : {}),
        },
      ],
      ...(withVolumes
        ? {
            volumes: [
              { name: "config", configMap: { name: sources } },
              { name: "creds", secret: { secretName: sources } },
              { name: "scratch", emptyDir: {} },
            ],
          }
        : {}),
    },
  };
}

/**
 * Create-to-Running of each kind of pod, `opts.count` of each. With several kinds,
 * each round creates one pod of every kind, the kind that goes first turning at each
 * round, so a change of the machine's load meanwhile weighs on all of them alike.
 * Answers the latencies by kind.
 */
async function benchBosun(client, opts, runId, kinds = [{ label: "bosun pods", volumes: false }]) {
  const watcher = new RunningWatcher(client, opts.namespace, `bosun.io/bench=${runId}`);
  await watcher.start();
  const latencies = kinds.map(() => []);
  try {
    // One unmeasured round first, so no side pays a cold start in its figures.
    for (let i = 0; i <= opts.count; i++) {
      for (let turn = 0; turn < kinds.length; turn++) {
        const k = (i + turn) % kinds.length;
        const suffix = kinds.length > 1 ? `-${kinds[k].volumes ? "vol" : "plain"}` : "";
        const name = i === 0 ? `bench-${runId}-warmup${suffix}` : `bench-${runId}-${i}${suffix}`;
        const started = performance.now();
        await client.create(pods, podManifest(name, runId, opts.namespace, opts.lab ? opts.labNode : undefined, kinds[k].volumes), opts.namespace);
        const runningAt = await watcher.running(name, opts.timeoutMs);
        if (i > 0) latencies[k].push(runningAt - started);
      }
      if (i > 0) progress(`${kinds.map((k) => k.label).join(" and ")}: ${i}/${opts.count}`);
    }
    progress(undefined);
  } finally {
    watcher.stop();
  }
  return latencies;
}

async function benchDocker(opts, runId, containerIds) {
  const latencies = [];
  for (let i = 0; i <= opts.count; i++) {
    const started = performance.now();
    // `docker run -d` returns once the engine has started the container.
    const r = await run("docker", ["run", "-d", "--label", `bosun.io/bench=${runId}`, "--label", "bosun.io/bench-side=docker", IMAGE, ...COMMAND]);
    const elapsed = performance.now() - started;
    if (r.code !== 0) throw new Error(`docker run failed (exit ${r.code}): ${r.stderr.trim()}`);
    containerIds.push(r.stdout.trim());
    if (i > 0) {
      latencies.push(elapsed);
      progress(`docker run: ${i}/${opts.count}`);
    }
  }
  progress(undefined);
  return latencies;
}

/**
 * `docker run -d` on a lab node host's own engine, timed inside the host (its
 * shell takes the clock around each run), so `docker exec` costs nothing here.
 */
async function benchLabDocker(opts, runId, node) {
  const script = [
    `for i in $(seq 0 ${opts.count}); do`,
    "s=$(date +%s%N)",
    `docker run -d --label bosun.io/bench=${runId} --label bosun.io/bench-side=docker ${IMAGE} ${COMMAND.join(" ")} >/dev/null || exit 1`,
    "e=$(date +%s%N)",
    'echo "$i $(( (e - s) / 1000 ))"',
    "done",
  ].join("\n");
  const r = await run("docker", ["exec", node, "sh", "-c", script]);
  if (r.code !== 0) throw new Error(`docker run inside lab host ${opts.labNode} failed (exit ${r.code}): ${r.stderr.trim()}`);
  // Microseconds per run; the first is the unmeasured warm-up.
  return r.stdout.trim().split("\n").map((l) => l.split(" ").map(Number)).filter(([i]) => i > 0).map(([, us]) => us / 1000);
}

async function labNodeContainer(name) {
  const r = await run("docker", ["ps", "-q", "--filter", "label=com.docker.compose.project=bosun-lab", "--filter", `label=com.docker.compose.service=${name}`]);
  const id = r.stdout.trim().split("\n")[0];
  if (!id) throw new Error(`no running lab host ${name}; start the lab with 'npm run lab:up'`);
  return id;
}

/** One service of one task at a time: from just before the create until the manager lists its task running. */
async function benchSwarm(swarm, opts, runId) {
  await swarm.join();
  const latencies = [];
  for (let i = 0; i <= opts.count; i++) {
    const name = i === 0 ? `bench-${runId}-warmup` : `bench-${runId}-${i}`;
    const started = performance.now();
    const id = await swarm.createService(name, 1);
    const runningAt = await swarm.running(id, 1, opts.timeoutMs);
    if (i > 0) {
      latencies.push(runningAt - started);
      progress(`swarm services: ${i}/${opts.count}`);
    }
  }
  progress(undefined);
  return latencies;
}

async function cleanup(client, opts, runId, containerIds, swarm, labNode) {
  const list = await client.list(pods, { namespace: opts.namespace, labelSelector: `bosun.io/bench=${runId}` }).catch(() => ({ items: [] }));
  await Promise.all(list.items.map((p) => client.delete(pods, p.metadata.name, { namespace: opts.namespace }).catch(() => undefined)));
  if (opts.volumes) {
    await client.delete(configMaps, `bench-${runId}`, { namespace: opts.namespace }).catch(() => undefined);
    await client.delete(secrets, `bench-${runId}`, { namespace: opts.namespace }).catch(() => undefined);
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const left = await client.list(pods, { namespace: opts.namespace, labelSelector: `bosun.io/bench=${runId}` }).catch(() => ({ items: [] }));
    if (left.items.length === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await removeBenchContainers(runId, labNode ? [] : containerIds, { labHost: labNode });
  await swarm?.cleanup();
}

// Set by Ctrl-C, whose cleanup then decides the exit: the measurement it interrupts
// may fail meanwhile, as the cleanup takes its pods, containers and services away.
let interrupted = false;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.lab) {
    // The lab's kubeconfig, where lab.sh writes it.
    const labDir = process.env.BOSUN_LAB_DIR || join(bosunHome(), "lab");
    process.env.KUBECONFIG = join(labDir, "kubeconfig");
    delete process.env.BOSUN_SERVER;
  }
  const labNode = opts.lab ? await labNodeContainer(opts.labNode) : undefined;
  const { client, server } = await connect("bench-startup");

  const runId = randomUUID().slice(0, 8);
  const swarm = opts.swarm ? new SwarmPeer("bench-startup", runId) : undefined;
  const swarmPlan = await swarm?.preflight();
  const peers = swarm ? ` and ${opts.count} one-task Swarm services` : "";
  if (opts.volumes) {
    console.log(`bench-startup: ${opts.count} pods with a configMap, a secret and an emptyDir volume vs ${opts.count} plain pods of ${IMAGE} '${COMMAND.join(" ")}', run ${runId}`);
  } else {
    console.log(`bench-startup: ${opts.count} pods vs ${opts.count} docker runs${peers} of ${IMAGE} '${COMMAND.join(" ")}', run ${runId}`);
  }
  console.log(`bench-startup: server ${server}; host ${hostname()}, ${cpus().length} cores, load average ${load()}${labNode ? `; lab: pods on ${opts.labNode}, docker timed inside ${opts.labNode}` : ""}`);
  if (opts.volumes) console.log("bench-startup: one pod at a time, a plain pod and a pod with volumes in turns (each starts after the previous is running), one unmeasured warm-up of each");
  else console.log("bench-startup: one at a time on every side (each starts after the previous is running), one unmeasured warm-up each");
  if (swarm) console.log(`bench-startup: swarm: ${swarmPlan}`);

  const containerIds = [];
  process.once("SIGINT", () => {
    interrupted = true;
    console.error("\nbench-startup: interrupted, cleaning up");
    cleanup(client, opts, runId, containerIds, swarm, labNode).finally(() => process.exit(130));
  });
  let bosun;
  let docker;
  let swarmed;
  let withVolumes;
  try {
    if (opts.volumes) {
      const { configMap, secret } = volumeSources(runId, opts.namespace);
      await client.create(configMaps, configMap, opts.namespace);
      await client.create(secrets, secret, opts.namespace);
      const kinds = [
        { label: "plain pods", volumes: false },
        { label: "pods with volumes", volumes: true },
      ];
      [bosun, withVolumes] = (await benchBosun(client, opts, runId, kinds)).map(summary);
    } else {
      bosun = summary((await benchBosun(client, opts, runId))[0]);
      docker = summary(labNode ? await benchLabDocker(opts, runId, labNode) : await benchDocker(opts, runId, containerIds));
      if (swarm) swarmed = summary(await benchSwarm(swarm, opts, runId));
    }
  } finally {
    if (!interrupted) {
      process.stderr.write("bench-startup: cleaning up\n");
      await cleanup(client, opts, runId, containerIds, swarm, labNode);
    }
  }

  const row = (label, s) => `${label.padEnd(38)} ${ms(s.p50).padStart(9)} ${ms(s.p99).padStart(9)} ${ms(s.min).padStart(9)} ${ms(s.max).padStart(9)}`;
  console.log("");
  console.log(`${"".padEnd(38)} ${"p50".padStart(9)} ${"p99".padStart(9)} ${"min".padStart(9)} ${"max".padStart(9)}`);
  if (withVolumes) {
    const ratio = withVolumes.p50 / bosun.p50;
    console.log(row("plain pod create -> Running", bosun));
    console.log(row("pod with volumes create -> Running", withVolumes));
    console.log("  (volumes: a configMap of 2 keys, a secret of 2 keys on a tmpfs, an emptyDir)");
    console.log("");
    console.log(`ratio of medians (volumes / plain): ${ratio.toFixed(2)}  (target <= ${VOLUMES_TARGET_RATIO}: ${ratio <= VOLUMES_TARGET_RATIO ? "met" : "NOT met"})`);
    console.log(`bench-startup: load average at the end ${load()}`);
    return;
  }
  const ratio = bosun.p50 / docker.p50;
  console.log(row("bosun pod create -> Running", bosun));
  console.log(row(labNode ? `docker run -d inside ${opts.labNode}` : "docker run -d (spawn -> return)", docker));
  if (swarmed) console.log(row("swarm service create -> task running", swarmed));
  console.log("");
  console.log(`ratio of medians (bosun / docker): ${ratio.toFixed(2)}  (target <= ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? "met" : "NOT met"})`);
  if (swarmed) console.log(`ratio of medians (bosun / swarm):  ${(bosun.p50 / swarmed.p50).toFixed(2)}  (informational, no target)`);
  console.log(`bench-startup: load average at the end ${load()}`);
}

main().catch((err) => {
  if (interrupted) return;
  console.error(`bench-startup: error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
