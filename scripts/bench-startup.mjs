#!/usr/bin/env node
// Pod startup benchmark: create-to-Running latency of N Bosun pods against the
// local cluster, then `docker run -d` of the same image and command N times, then N
// one-task Docker Swarm services (create -> task running), in the same run on the
// same engine. Prints p50/p99 of each, the ratio of the medians against docker and
// the target of this stage (1.5), and the ratio against Swarm (informational).
//
// Usage: npm run bench:startup [-- --count N] [-- --timeout-ms MS] [-- --no-swarm]
// Server: $BOSUN_SERVER, else $BOSUN_HOME/config.json (written by `bosun up`),
// else http://127.0.0.1:6443.
import { randomUUID } from "node:crypto";
import { cpus, hostname } from "node:os";
import { resourceByKind } from "@bosun/api";
import { COMMAND, IMAGE, connect, progress, removeBenchContainers, run, summary } from "./bench-lib.mjs";
import { SwarmPeer } from "./bench-swarm-peer.mjs";

const TARGET_RATIO = 1.5;
const pods = resourceByKind("v1", "Pod");

function usage(message) {
  if (message) console.error(`bench-startup: ${message}`);
  console.error("usage: npm run bench:startup -- [--count N] [--timeout-ms MS] [--namespace NS] [--no-swarm]");
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { count: 20, timeoutMs: 60_000, namespace: "default", swarm: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === "--count") opts.count = Number(value());
    else if (flag === "--timeout-ms") opts.timeoutMs = Number(value());
    else if (flag === "--namespace") opts.namespace = value();
    else if (flag === "--no-swarm") opts.swarm = false;
    else if (flag === "--help" || flag === "-h") usage();
    else usage(`unknown argument ${argv[i]}`);
  }
  if (!Number.isInteger(opts.count) || opts.count < 1) usage("--count must be a whole number of at least 1");
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) usage("--timeout-ms must be a positive number");
  return opts;
}

const ms = (v) => `${v.toFixed(0)} ms`;

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

function podManifest(name, runId, namespace) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { "bosun.io/bench": runId } },
    spec: {
      // sleep as PID 1 ignores SIGTERM; a short grace keeps the cleanup quick and
      // plays no part in startup.
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "sleep", image: IMAGE, imagePullPolicy: "IfNotPresent", command: COMMAND }],
    },
  };
}

async function benchBosun(client, opts, runId) {
  const watcher = new RunningWatcher(client, opts.namespace, `bosun.io/bench=${runId}`);
  await watcher.start();
  const latencies = [];
  try {
    // One unmeasured pod first, so neither side pays a cold start in its figures.
    for (let i = 0; i <= opts.count; i++) {
      const name = i === 0 ? `bench-${runId}-warmup` : `bench-${runId}-${i}`;
      const started = performance.now();
      await client.create(pods, podManifest(name, runId, opts.namespace), opts.namespace);
      const runningAt = await watcher.running(name, opts.timeoutMs);
      if (i > 0) {
        latencies.push(runningAt - started);
        progress(`bosun pods: ${i}/${opts.count}`);
      }
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

async function cleanup(client, opts, runId, containerIds, swarm) {
  const list = await client.list(pods, { namespace: opts.namespace, labelSelector: `bosun.io/bench=${runId}` }).catch(() => ({ items: [] }));
  await Promise.all(list.items.map((p) => client.delete(pods, p.metadata.name, { namespace: opts.namespace }).catch(() => undefined)));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const left = await client.list(pods, { namespace: opts.namespace, labelSelector: `bosun.io/bench=${runId}` }).catch(() => ({ items: [] }));
    if (left.items.length === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await removeBenchContainers(runId, containerIds);
  await swarm?.cleanup();
}

// Set by Ctrl-C, whose cleanup then decides the exit: the measurement it interrupts
// may fail meanwhile, as the cleanup takes its pods, containers and services away.
let interrupted = false;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { client, server } = await connect("bench-startup");

  const runId = randomUUID().slice(0, 8);
  const swarm = opts.swarm ? new SwarmPeer("bench-startup", runId) : undefined;
  const swarmPlan = await swarm?.preflight();
  const peers = swarm ? ` and ${opts.count} one-task Swarm services` : "";
  console.log(`bench-startup: ${opts.count} pods vs ${opts.count} docker runs${peers} of ${IMAGE} '${COMMAND.join(" ")}', run ${runId}`);
  console.log(`bench-startup: server ${server}; host ${hostname()}, ${cpus().length} cores`);
  console.log("bench-startup: one at a time on every side (each starts after the previous is running), one unmeasured warm-up each");
  if (swarm) console.log(`bench-startup: swarm: ${swarmPlan}`);

  const containerIds = [];
  process.once("SIGINT", () => {
    interrupted = true;
    console.error("\nbench-startup: interrupted, cleaning up");
    cleanup(client, opts, runId, containerIds, swarm).finally(() => process.exit(130));
  });
  let bosun;
  let docker;
  let swarmed;
  try {
    bosun = summary(await benchBosun(client, opts, runId));
    docker = summary(await benchDocker(opts, runId, containerIds));
    if (swarm) swarmed = summary(await benchSwarm(swarm, opts, runId));
  } finally {
    if (!interrupted) {
      process.stderr.write("bench-startup: cleaning up\n");
      await cleanup(client, opts, runId, containerIds, swarm);
    }
  }

  const ratio = bosun.p50 / docker.p50;
  const row = (label, s) => `${label.padEnd(38)} ${ms(s.p50).padStart(9)} ${ms(s.p99).padStart(9)} ${ms(s.min).padStart(9)} ${ms(s.max).padStart(9)}`;
  console.log("");
  console.log(`${"".padEnd(38)} ${"p50".padStart(9)} ${"p99".padStart(9)} ${"min".padStart(9)} ${"max".padStart(9)}`);
  console.log(row("bosun pod create -> Running", bosun));
  console.log(row("docker run -d (spawn -> return)", docker));
  if (swarmed) console.log(row("swarm service create -> task running", swarmed));
  console.log("");
  console.log(`ratio of medians (bosun / docker): ${ratio.toFixed(2)}  (target <= ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? "met" : "NOT met"})`);
  if (swarmed) console.log(`ratio of medians (bosun / swarm):  ${(bosun.p50 / swarmed.p50).toFixed(2)}  (informational, no target)`);
}

main().catch((err) => {
  if (interrupted) return;
  console.error(`bench-startup: error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
