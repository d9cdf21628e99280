#!/usr/bin/env node
// Scale benchmark: a Deployment of the busybox image scaled from 0 to N replicas on
// the local cluster, timed until every pod is Running, against the same N
// containers started by a shell loop of `docker run -d`, and against a Docker Swarm
// service of the same image and command scaled from 0 to N, in the same run on the
// same engine. Prints the times, the ratio against docker with this stage's target
// (1.3), and the ratio against Swarm (informational).
//
// Usage: npm run bench:scale [-- --replicas N] [-- --timeout-ms MS] [-- --no-swarm]
// Cluster: the kubeconfig as the bosun CLI finds it ($KUBECONFIG, else
// $BOSUN_HOME/kubeconfig written by `bosun up`); $BOSUN_SERVER replaces its server.
import { randomUUID } from "node:crypto";
import { cpus, hostname } from "node:os";
import { resourceByKind } from "@bosun/api";
import { COMMAND, IMAGE, connect, progress, removeBenchContainers, run } from "./bench-lib.mjs";
import { SwarmPeer } from "./bench-swarm-peer.mjs";

const TARGET_RATIO = 1.3;
const NAMESPACE = "default";
const pods = resourceByKind("v1", "Pod");
const deployments = resourceByKind("apps/v1", "Deployment");

function usage(message) {
  if (message) console.error(`bench-scale: ${message}`);
  console.error("usage: npm run bench:scale -- [--replicas N] [--timeout-ms MS] [--no-swarm]");
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { replicas: 60, timeoutMs: 300_000, swarm: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === "--replicas") opts.replicas = Number(value());
    else if (flag === "--timeout-ms") opts.timeoutMs = Number(value());
    else if (flag === "--no-swarm") opts.swarm = false;
    else if (flag === "--help" || flag === "-h") usage();
    else usage(`unknown argument ${argv[i]}`);
  }
  if (!Number.isInteger(opts.replicas) || opts.replicas < 1) usage("--replicas must be a whole number of at least 1");
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) usage("--timeout-ms must be a positive number");
  return opts;
}

function deploymentManifest(name, runId) {
  const labels = { app: name, "bosun.io/bench": runId };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NAMESPACE, labels },
    spec: {
      replicas: 0,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          // sleep as PID 1 ignores SIGTERM; a short grace keeps the cleanup quick.
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "sleep", image: IMAGE, imagePullPolicy: "IfNotPresent", command: COMMAND }],
        },
      },
    },
  };
}

/** The Running pods of the selector and the list's version, to watch from. */
async function listRunning(client, selector) {
  const list = await client.list(pods, { namespace: NAMESPACE, labelSelector: selector });
  const running = new Set(list.items.filter((p) => p.status?.phase === "Running").map((p) => p.metadata.name));
  return { running, resourceVersion: list.metadata.resourceVersion };
}

/** Resolves with the ms from startWatch() until `count` pods of the selector are Running. */
async function allRunning(client, selector, count, timeoutMs, startWatch) {
  let { running, resourceVersion } = await listRunning(client, selector);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const started = performance.now();
  await startWatch();
  try {
    while (running.size < count) {
      try {
        for await (const event of client.watch(pods, { namespace: NAMESPACE, labelSelector: selector, resourceVersion, signal: abort.signal })) {
          if (event.type === "ERROR") throw new Error(`watch error: ${JSON.stringify(event.object)}`);
          resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
          const name = event.object.metadata.name;
          if (event.type !== "DELETED" && event.object.status?.phase === "Running") running.add(name);
          else running.delete(name);
          progress(`bosun: ${running.size}/${count} Running`);
          if (running.size >= count) break;
        }
      } catch (err) {
        if (abort.signal.aborted) {
          throw new Error(`only ${running.size} of ${count} pods were Running after ${timeoutMs} ms; check 'bosun get deploy,rs,pods' and 'bosun get events'`);
        }
        // The watch ended or its version expired (410): list again and follow from there.
        await new Promise((r) => setTimeout(r, 200));
        ({ running, resourceVersion } = await listRunning(client, selector));
      }
    }
    progress(undefined);
    return performance.now() - started;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

async function benchBosun(client, opts, runId) {
  const name = `bench-scale-${runId}`;
  await client.create(deployments, deploymentManifest(name, runId), NAMESPACE);
  return allRunning(client, `bosun.io/bench=${runId}`, opts.replicas, opts.timeoutMs, () =>
    client.patch(deployments, name, { spec: { replicas: opts.replicas } }, { namespace: NAMESPACE, type: "merge", subresource: "scale" }).then(() => undefined),
  );
}

/** The baseline: a shell loop of `docker run -d`, as a person would start N containers. */
async function benchDocker(opts, runId) {
  const script = `for i in $(seq ${opts.replicas}); do docker run -d --label bosun.io/bench=${runId} --label bosun.io/bench-side=docker ${IMAGE} ${COMMAND.join(" ")} >/dev/null || exit 1; done`;
  const started = performance.now();
  const r = await run("bash", ["-c", script]);
  const elapsed = performance.now() - started;
  if (r.code !== 0) throw new Error(`the docker run loop failed (exit ${r.code}): ${r.stderr.trim()}`);
  return elapsed;
}

/** A service created with 0 replicas, then scaled: from just before the update until the manager lists N tasks running. */
async function benchSwarm(swarm, opts, runId) {
  await swarm.join();
  const id = await swarm.createService(`bench-scale-${runId}`, 0);
  const started = performance.now();
  await swarm.scale(id, opts.replicas);
  const runningAt = await swarm.running(id, opts.replicas, opts.timeoutMs, (n) => progress(`swarm: ${n}/${opts.replicas} running`));
  progress(undefined);
  return runningAt - started;
}

async function cleanupBosun(client, runId) {
  const name = `bench-scale-${runId}`;
  await client.delete(deployments, name, { namespace: NAMESPACE, propagationPolicy: "Foreground" }).catch(() => undefined);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const left = await client.list(pods, { namespace: NAMESPACE, labelSelector: `bosun.io/bench=${runId}` }).catch(() => ({ items: [] }));
    if (left.items.length === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.error(`bench-scale: pods of ${name} are still terminating; check 'bosun get pods -l bosun.io/bench=${runId}'`);
}

// Set by Ctrl-C, whose cleanup then decides the exit: the measurement it interrupts
// may fail meanwhile, as the cleanup takes its pods, containers and services away.
let interrupted = false;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { client, server } = await connect("bench-scale");
  const runId = randomUUID().slice(0, 8);
  const swarm = opts.swarm ? new SwarmPeer("bench-scale", runId) : undefined;
  const swarmPlan = await swarm?.preflight();
  const peers = swarm ? ` and a Swarm service scaled 0 -> ${opts.replicas}` : "";
  console.log(`bench-scale: a Deployment scaled 0 -> ${opts.replicas} vs a shell loop of ${opts.replicas} 'docker run -d'${peers} of ${IMAGE} '${COMMAND.join(" ")}', run ${runId}`);
  console.log(`bench-scale: server ${server}; host ${hostname()}, ${cpus().length} cores`);
  if (swarm) console.log(`bench-scale: swarm: ${swarmPlan}`);
  // One warm-up container each side would change nothing here: the image is local
  // and both sides create every container from scratch.
  process.once("SIGINT", () => {
    interrupted = true;
    console.error("\nbench-scale: interrupted, cleaning up");
    Promise.allSettled([removeBenchContainers(runId), cleanupBosun(client, runId), swarm?.cleanup()]).finally(() => process.exit(130));
  });
  let dockerMs;
  let bosunMs;
  let swarmMs;
  try {
    dockerMs = await benchDocker(opts, runId);
    // Each side's containers go before the next side's run, so every side starts on an
    // equally busy engine; Swarm goes last, so Bosun runs with no swarm active
    // (unless the engine was in one already).
    await removeBenchContainers(runId);
    bosunMs = await benchBosun(client, opts, runId);
    if (swarm) {
      process.stderr.write("bench-scale: removing the Deployment before Swarm's turn\n");
      await cleanupBosun(client, runId);
      swarmMs = await benchSwarm(swarm, opts, runId);
    }
  } finally {
    if (!interrupted) {
      process.stderr.write("bench-scale: cleaning up\n");
      await Promise.allSettled([removeBenchContainers(runId), cleanupBosun(client, runId), swarm?.cleanup()]);
    }
  }
  const ratio = bosunMs / dockerMs;
  const s = (v) => `${(v / 1000).toFixed(2)} s`;
  console.log("");
  console.log(`${`bosun: scale 0 -> ${opts.replicas}, until all Running`.padEnd(48)} ${s(bosunMs).padStart(9)}`);
  console.log(`${`docker: shell loop of ${opts.replicas} 'docker run -d'`.padEnd(48)} ${s(dockerMs).padStart(9)}`);
  if (swarmMs !== undefined) console.log(`${`swarm: service scale 0 -> ${opts.replicas}, until all running`.padEnd(48)} ${s(swarmMs).padStart(9)}`);
  console.log("");
  console.log(`ratio (bosun / docker): ${ratio.toFixed(2)}  (target <= ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? "met" : "NOT met"})`);
  if (swarmMs !== undefined) console.log(`ratio (bosun / swarm):  ${(bosunMs / swarmMs).toFixed(2)}  (informational, no target)`);
}

main().catch((err) => {
  if (interrupted) return;
  console.error(`bench-scale: error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
