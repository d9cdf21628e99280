#!/usr/bin/env node
// API latency benchmark: get one pod, list 1000 pods, patch a pod and create a pod
// through the official @kubernetes/client-node against the local cluster, and the
// same four operations on the cluster's own etcd through the etcd3 client, in the
// same run. Prints p50/p99 of each and the ratio of the medians (Bosun / etcd).
//
// Usage: npm run bench:api [-- --samples N] [-- --warmup N] [-- --etcd URL]
// Cluster: the kubeconfig `bosun up` writes ($BOSUN_HOME/kubeconfig, BOSUN_HOME
// defaults to ~/.bosun); etcd: the one recorded in $BOSUN_HOME/cluster.json.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { cpus, hostname } from "node:os";
import { join } from "node:path";
import { resourceByKind } from "@bosun/api";
import { Etcd3 } from "etcd3";
import { COMMAND, IMAGE, bosunHome, connect, importKubernetesClient, localEtcdEndpoint, progress, summary } from "./bench-lib.mjs";

const LIST_SIZE = 1000;
const SETUP_CONCURRENCY = 16;
const SETTLE_TIMEOUT_MS = 180_000;
const CLEANUP_TIMEOUT_MS = 120_000;
const SEQ_ANNOTATION = "bosun.io/bench-seq";
const pods = resourceByKind("v1", "Pod");

function usage(message) {
  if (message) console.error(`bench-api: ${message}`);
  console.error("usage: npm run bench:api -- [--samples N] [--warmup N] [--etcd URL]");
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { samples: 200, warmup: 20, etcd: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === "--samples") opts.samples = Number(value());
    else if (flag === "--warmup") opts.warmup = Number(value());
    else if (flag === "--etcd") opts.etcd = value();
    else if (flag === "--help" || flag === "-h") usage();
    else usage(`unknown argument ${argv[i]}`);
  }
  if (!Number.isInteger(opts.samples) || opts.samples < 1) usage("--samples must be a whole number of at least 1");
  if (!Number.isInteger(opts.warmup) || opts.warmup < 0) usage("--warmup must be a whole number of at least 0");
  return opts;
}

/** The pods of this benchmark: no node carries the selected label, so they stay Pending and never start a container. */
function podManifest(name, runId) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { "bosun.io/bench": runId }, annotations: { [SEQ_ANNOTATION]: "0" } },
    spec: {
      nodeSelector: { "bosun.io/bench": "none" },
      containers: [{ name: "sleep", image: IMAGE, command: COMMAND }],
    },
  };
}

const listName = (i) => `list-${String(i).padStart(4, "0")}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs fn(i) for i in [0, count) with at most `limit` calls in flight. */
async function inParallel(count, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** The client-node API of the cluster in the kubeconfig `bosun up` wrote, checked to be the cluster connect() found. */
async function kubeClient(server) {
  const { CoreV1Api, KubeConfig } = await importKubernetesClient();
  const path = join(bosunHome(), "kubeconfig");
  if (!existsSync(path)) throw new Error(`${path} does not exist; start the local cluster with 'npm start' (bosun up writes it)`);
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  const cluster = kc.getCurrentCluster();
  if (cluster?.server.replace(/\/+$/, "") !== server.replace(/\/+$/, "")) {
    throw new Error(`${path} points at ${cluster?.server}, but the cluster found is ${server}; unset BOSUN_SERVER or set BOSUN_HOME to that cluster's state directory`);
  }
  return { core: kc.makeApiClient(CoreV1Api), path };
}

const isNotFound = (err) => err?.code === 404;

/**
 * Creates the namespace and its 1000 Pending pods, then waits until the scheduler
 * has marked every pod unschedulable and etcd has been quiet for a second, so its
 * status writes and events do not land in the measurements.
 */
async function setUpBosun({ core, bosun, etcd, namespace, runId }) {
  const started = performance.now();
  await core.createNamespace({ body: { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { "bosun.io/bench": runId } } } });
  let created = 0;
  await inParallel(LIST_SIZE, SETUP_CONCURRENCY, async (i) => {
    await core.createNamespacedPod({ namespace, body: podManifest(listName(i), runId) });
    progress(`setup: ${++created}/${LIST_SIZE} pods created`);
  });
  progress(undefined);
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let revision = "";
  let parked = 0;
  while (Date.now() < deadline) {
    const list = await bosun.list(pods, { namespace });
    parked = list.items.filter((p) => p.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False")).length;
    const now = (await etcd.get("/").exec()).header.revision;
    progress(`setup: ${parked}/${LIST_SIZE} pods marked unschedulable, etcd revision ${now}`);
    if (parked === LIST_SIZE && now === revision) break;
    revision = now;
    await sleep(1000);
  }
  progress(undefined);
  if (parked < LIST_SIZE) console.error(`bench-api: only ${parked} of ${LIST_SIZE} pods were marked unschedulable after ${SETTLE_TIMEOUT_MS} ms; measuring anyway, the scheduler's writes may show in the figures`);
  else console.log(`bench-api: setup: ${LIST_SIZE} Pending pods created and marked unschedulable in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** The same 1000 objects in etcd, as the JSON the API server returned for them, under the bench prefix. */
async function setUpEtcd({ bosun, etcd, namespace, keyOf }) {
  const list = await bosun.list(pods, { namespace });
  const values = new Map(list.items.map((p) => [p.metadata.name, JSON.stringify(p)]));
  await inParallel(LIST_SIZE, SETUP_CONCURRENCY, (i) => etcd.put(keyOf(listName(i))).value(values.get(listName(i))));
  return values;
}

/** Warm-up calls, then `samples` timed calls one after another; the latencies in ms. */
async function measure(label, opts, fn) {
  for (let i = 0; i < opts.warmup; i++) await fn(`w${i}`);
  const latencies = [];
  for (let i = 0; i < opts.samples; i++) {
    const started = performance.now();
    await fn(String(i));
    latencies.push(performance.now() - started);
    if (i % 10 === 9) progress(`${label}: ${i + 1}/${opts.samples}`);
  }
  progress(undefined);
  return latencies;
}

/** The four operations, each as a Bosun call through client-node and the matching etcd call. */
function operations({ core, etcd, namespace, runId, keyOf }, values) {
  const target = listName(0);
  const patched = listName(1);
  const patchedValue = JSON.parse(values.get(patched));
  const createValue = values.get(target);
  const listPrefix = keyOf("");
  return [
    {
      name: "get one pod",
      bosun: () => core.readNamespacedPod({ name: target, namespace }),
      etcd: () => etcd.get(keyOf(target)).buffer(),
    },
    {
      name: `list ${LIST_SIZE} pods`,
      bosun: async () => {
        const list = await core.listNamespacedPod({ namespace });
        if (list.items.length !== LIST_SIZE) throw new Error(`the list returned ${list.items.length} pods, not ${LIST_SIZE}`);
      },
      etcd: async () => {
        const kvs = await etcd.getAll().prefix(listPrefix).buffers();
        if (Object.keys(kvs).length !== LIST_SIZE) throw new Error(`the etcd range returned ${Object.keys(kvs).length} keys, not ${LIST_SIZE}`);
      },
    },
    {
      // client-node sends a JSON patch unless told otherwise.
      name: "patch a pod (JSON patch)",
      bosun: (seq) => core.patchNamespacedPod({ name: patched, namespace, body: [{ op: "add", path: `/metadata/annotations/${SEQ_ANNOTATION.replace("/", "~1")}`, value: seq }] }),
      etcd: (seq) => {
        patchedValue.metadata.annotations[SEQ_ANNOTATION] = seq;
        return etcd.put(keyOf(patched)).value(JSON.stringify(patchedValue));
      },
    },
    {
      // Last: each created pod makes the scheduler write its status and an event.
      name: "create a pod",
      bosun: (seq) => core.createNamespacedPod({ namespace, body: podManifest(`create-${seq}`, runId) }),
      etcd: async (seq) => {
        const key = keyOf(`create-${seq}`);
        const result = await etcd.if(key, "Create", "==", 0).then(etcd.put(key).value(createValue)).commit();
        if (!result.succeeded) throw new Error(`etcd key ${key} already existed`);
      },
    },
  ];
}

/** Deletes the namespace (the API server removes its pods with it) and waits until it is gone; then the etcd prefix. */
async function cleanup({ core, etcd, endpoint, namespace, prefix }) {
  await core.deleteNamespace({ name: namespace }).catch((err) => {
    if (!isNotFound(err)) console.error(`bench-api: deleting namespace ${namespace} failed: ${err.message}; delete it with 'bosun delete namespace ${namespace}'`);
  });
  const deadline = Date.now() + CLEANUP_TIMEOUT_MS;
  let gone = false;
  while (!gone && Date.now() < deadline) {
    gone = await core.readNamespace({ name: namespace }).then(() => false, isNotFound);
    if (gone) gone = await core.listNamespacedPod({ namespace }).then((list) => list.items.length === 0, () => false);
    if (!gone) await sleep(500);
  }
  if (!gone) console.error(`bench-api: namespace ${namespace} or its pods still exist after ${CLEANUP_TIMEOUT_MS} ms; check 'bosun get pods -n ${namespace}'`);
  await etcd.delete().prefix(prefix).catch((err) => console.error(`bench-api: deleting etcd keys under ${prefix} failed: ${err.message}; delete them with 'etcdctl --endpoints ${endpoint} del --prefix ${prefix}'`));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { client: bosun, server } = await connect("bench-api", { needsImage: false });
  const { core, path: kubeconfigPath } = await kubeClient(server);
  const { endpoint, source } = opts.etcd ? { endpoint: opts.etcd, source: "--etcd" } : localEtcdEndpoint();
  const etcd = new Etcd3({ hosts: endpoint });
  await etcd.get("/").exec().catch((err) => {
    throw new Error(`cannot reach etcd at ${endpoint} (from ${source}): ${err.message}`);
  });

  const runId = randomUUID().slice(0, 8);
  const namespace = `bench-api-${runId}`;
  const prefix = `/bosun-bench-${runId}/`;
  // The layout of Bosun's own keys ({prefix}/{group}/{resource}/{namespace}/{name}), under the bench prefix.
  const keyOf = (name) => `${prefix}core/pods/${namespace}/${name}`;
  const bench = { core, bosun, etcd, endpoint, runId, namespace, prefix, keyOf };
  console.log(`bench-api: ${opts.samples} samples per operation after ${opts.warmup} warm-up calls, run ${runId}`);
  console.log(`bench-api: bosun ${server} through @kubernetes/client-node (${kubeconfigPath}), namespace ${namespace}`);
  console.log(`bench-api: etcd ${endpoint} (from ${source}) through etcd3, keys under ${prefix}`);
  console.log(`bench-api: host ${hostname()}, ${cpus().length} cores; one call at a time, etcd first then bosun for each operation`);

  let interrupted = false;
  process.once("SIGINT", () => {
    interrupted = true;
    console.error("\nbench-api: interrupted, cleaning up");
    cleanup(bench).finally(() => process.exit(130));
  });
  const results = [];
  try {
    await setUpBosun(bench);
    const values = await setUpEtcd(bench);
    for (const op of operations(bench, values)) {
      const etcdSummary = summary(await measure(`etcd ${op.name}`, opts, op.etcd));
      const bosunSummary = summary(await measure(`bosun ${op.name}`, opts, op.bosun));
      results.push({ name: op.name, bosun: bosunSummary, etcd: etcdSummary });
    }
  } finally {
    if (!interrupted) {
      process.stderr.write("bench-api: cleaning up\n");
      await cleanup(bench);
      etcd.close();
    }
  }

  const ms = (v) => `${v.toFixed(2)} ms`;
  const cols = ["bosun p50", "bosun p99", "etcd p50", "etcd p99", "p50 ratio"];
  console.log("");
  console.log(`${"".padEnd(26)} ${cols.map((c) => c.padStart(10)).join(" ")}`);
  for (const r of results) {
    const cells = [ms(r.bosun.p50), ms(r.bosun.p99), ms(r.etcd.p50), ms(r.etcd.p99), (r.bosun.p50 / r.etcd.p50).toFixed(1)];
    console.log(`${r.name.padEnd(26)} ${cells.map((c) => c.padStart(10)).join(" ")}`);
  }
  console.log("");
  console.log("p50 ratio: bosun p50 / etcd p50 of the same operation");
}

main().catch((err) => {
  console.error(`bench-api: error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
