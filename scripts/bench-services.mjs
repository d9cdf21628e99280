#!/usr/bin/env node
// Service networking benchmark, against the local cluster, in one run:
//  1. programming latency: with 100 Services of 10 endpoints each, one endpoint of
//     one slice is replaced at a time, and the time from the API write until the
//     new address is in a DNAT rule of every node's service proxy (iptables-save
//     polled every 20 ms) is taken, p50/p99 over 50 changes;
//  2. requests per second from a client pod through a ClusterIP against straight to
//     the pod IPs (busybox wget loops timed inside the pod), and their ratio, with
//     this stage's target (>= 0.9);
//  3. DNS queries per second and latency of the node's DNS server against Debian's
//     dnsmasq serving the same names from a hosts file, with the same UDP load
//     generator, and their ratio (informational).
// Every object lives in a namespace of its own, labelled with the run id; at the end
// its Services are deleted one by one (each frees its cluster IP), then the namespace
// with the rest, and dnsmasq is stopped by its PID. Ctrl-C does the same.
//
// Usage: npm run bench:services [-- --services N] [-- --endpoints N] [-- --changes N] ...
// (--help lists every option). Cluster: the kubeconfig as the bosun CLI finds it
// ($KUBECONFIG, else $BOSUN_HOME/kubeconfig written by `bosun up`); every node of it
// must run on this host, since the proxy's rules are read with this host's iptables-save.
import { randomUUID } from "node:crypto";
import dgram from "node:dgram";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { formatIp, parseCidr, resourceByKind } from "@bosun/api";
import { proxyChainNames } from "@bosun/agent";
import { IMAGE, connect, progress, run, summary, workspaceRequire } from "./bench-lib.mjs";

const TARGET_RPS_RATIO = 0.9;
const KUBE_PROXY_ANCHOR = "kube-proxy's anchor: about 5 s p50 at 5,000 nodes";
const CLUSTER_DOMAIN = "cluster.local";
/** Unmeasured requests per side before the rounds of the HTTP comparison. */
const HTTP_WARMUP = 50;
/** The web backends' port (busybox httpd) and the ClusterIP Service's. */
const WEB_PORT = 8080;
const SERVICE_PORT = 80;
/** The endpoints of the synthetic Services target ports from here on, one port per Service, so a DNAT to ip:port names one Service. */
const FIRST_TARGET_PORT = 10000;
/** Fake endpoint addresses come from the top of the node's pod CIDR, away from where pods get theirs first. */
const ADDRESS_POOL = 100;
const DNS_WARMUP_MS = 1000;
const DNS_QUERY_TIMEOUT_MS = 1000;
/** The generator's share of its one core above which its own speed may be what a DNS figure shows. */
const GENERATOR_SATURATED = 0.9;
const MANAGED_BY = "bench-services.bosun.io";

const nodesRes = resourceByKind("v1", "Node");
const namespacesRes = resourceByKind("v1", "Namespace");
const podsRes = resourceByKind("v1", "Pod");
const servicesRes = resourceByKind("v1", "Service");
const slicesRes = resourceByKind("discovery.k8s.io/v1", "EndpointSlice");
const deploymentsRes = resourceByKind("apps/v1", "Deployment");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function usage(message) {
  if (message) console.error(`bench-services: ${message}`);
  console.error(
    "usage: npm run bench:services -- [--services N] [--endpoints N] [--changes N] [--gap-ms MS] [--poll-ms MS]\n" +
      "                                 [--requests N] [--rounds N] [--dns-seconds S] [--dns-concurrency N] [--timeout-ms MS]",
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { services: 100, endpoints: 10, changes: 50, gapMs: 1000, pollMs: 20, requests: 1000, rounds: 5, dnsSeconds: 5, dnsConcurrency: 16, timeoutMs: 120_000 };
  const flags = {
    "--services": "services",
    "--endpoints": "endpoints",
    "--changes": "changes",
    "--gap-ms": "gapMs",
    "--poll-ms": "pollMs",
    "--requests": "requests",
    "--rounds": "rounds",
    "--dns-seconds": "dnsSeconds",
    "--dns-concurrency": "dnsConcurrency",
    "--timeout-ms": "timeoutMs",
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    if (flag in flags) opts[flags[flag]] = Number(value());
    else if (flag === "--help" || flag === "-h") usage();
    else usage(`unknown argument ${argv[i]}`);
  }
  const whole = (key, flag, min, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isInteger(opts[key]) || opts[key] < min || opts[key] > max) usage(`${flag} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : " up"}`);
  };
  // Target ports 10000 + i must stay ports; a slice holds at most 100 endpoints, as the controller's.
  whole("services", "--services", 1, 55_000);
  whole("endpoints", "--endpoints", 1, 100);
  whole("changes", "--changes", 1);
  whole("gapMs", "--gap-ms", 0);
  whole("pollMs", "--poll-ms", 1);
  whole("requests", "--requests", 1);
  whole("rounds", "--rounds", 1);
  whole("dnsConcurrency", "--dns-concurrency", 1, 1000);
  if (!Number.isFinite(opts.dnsSeconds) || opts.dnsSeconds <= 0) usage("--dns-seconds must be a positive number");
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) usage("--timeout-ms must be a positive number");
  if (opts.rounds > opts.requests) usage("--rounds must not exceed --requests (each round sends requests/rounds per side)");
  return opts;
}

// ---------------------------------------------------------------------------
// The cluster's nodes and their service proxies' rules, as this host's iptables shows them.

/** The Ready nodes with their pod CIDR, its gateway (where the node's DNS serves) and their proxy's chain prefix. */
async function readyNodes(client) {
  const ready = (await client.list(nodesRes)).items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
  const nodes = ready.map((n) => {
    const name = n.metadata.name;
    const podCidr = n.spec?.podCIDR;
    if (!podCidr) throw new Error(`node ${name} has no pod CIDR yet (spec.podCIDR); wait until the master's node IPAM gives it one ('bosun get node ${name} -o yaml')`);
    const cidr = parseCidr(podCidr);
    if (cidr.family !== 4) throw new Error(`node ${name}'s pod CIDR ${podCidr} is not IPv4; the service proxy and this benchmark are IPv4 only`);
    return { name, podCidr, cidr, gateway: formatIp(4, cidr.network + 1n), prefix: proxyChainNames(name).prefix };
  });
  return nodes.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * The nat table as iptables-save prints it now: the DNAT destinations ("ip:port") of
 * each chain prefix's rules, the chains, and how long iptables-save took.
 */
async function natView() {
  const started = performance.now();
  const r = await run("iptables-save", ["-t", "nat"]);
  const ms = performance.now() - started;
  if (r.code !== 0) {
    throw new Error(`iptables-save -t nat failed (exit ${r.code}): ${r.stderr.trim()}; the benchmark reads the service proxy's rules with it, so run it as root on the cluster's host`);
  }
  const chains = new Set();
  const destinations = [];
  for (const line of r.stdout.split("\n")) {
    if (line.startsWith(":")) chains.add(line.slice(1, line.indexOf(" ")));
    else if (line.startsWith("-A BOSUN-")) {
      const at = line.indexOf(" --to-destination ");
      if (at >= 0) destinations.push({ chain: line.slice(3, line.indexOf(" ", 3)), to: line.slice(at + 18).split(" ")[0] });
    }
  }
  return {
    ms,
    chains,
    /** The DNAT destinations in the node's proxy chains. */
    destinationsOf(node) {
      return new Set(destinations.filter((d) => d.chain.startsWith(node.prefix)).map((d) => d.to));
    },
  };
}

/** Every Ready node must run its service proxy on this host, or this host's iptables cannot tell when its rules are in. */
async function checkProxies(nodes) {
  const view = await natView();
  const missing = nodes.filter((n) => !view.chains.has(proxyChainNames(n.name).services));
  if (missing.length > 0) {
    const names = missing.map((n) => `${n.name} (${proxyChainNames(n.name).services})`).join(", ");
    throw new Error(
      `this host's nat table has no service proxy chain of node(s) ${names}; bench:services measures a cluster whose nodes all run on this host ('npm start'), with agents that run the service proxy`,
    );
  }
}

/** Polls iptables until every node's proxy has DNAT rules to all of `wanted`; the ms it took. */
async function untilProgrammed(nodes, wanted, { timeoutMs, what, pollMs = 200, onPoll }) {
  const started = performance.now();
  for (;;) {
    const view = await natView();
    onPoll?.(view.ms);
    const counts = nodes.map((n) => {
      const have = view.destinationsOf(n);
      return wanted.filter((w) => have.has(w)).length;
    });
    if (counts.every((c) => c === wanted.length)) return performance.now() - started;
    if (pollMs >= 100) progress(`${what}: ${Math.min(...counts)}/${wanted.length} endpoints in the rules of every node`);
    if (performance.now() - started > timeoutMs) {
      const state = nodes.map((n, i) => `node ${n.name} ${counts[i]} of ${wanted.length}`).join(", ");
      throw new Error(`after ${timeoutMs} ms the service proxy had programmed ${state} endpoint(s) of ${what}; check 'service proxy' lines in the agent's log ($BOSUN_HOME/logs/agent.log)`);
    }
    await sleep(pollMs);
  }
}

// ---------------------------------------------------------------------------
// 1. Programming latency: synthetic Services with hand-written EndpointSlices.

/**
 * Addresses of the node's pod CIDR no pod has now, from the top down (the node's
 * IPAM starts at the bottom). They only ever appear in rules: no traffic goes to them.
 */
async function unusedAddresses(client, node, count) {
  const pods = await client.list(podsRes);
  const used = new Set(pods.items.flatMap((p) => [p.status?.podIP, ...(p.status?.podIPs ?? []).map((x) => x.ip)]).filter(Boolean));
  const size = 1n << BigInt(32 - node.cidr.prefixLength);
  const out = [];
  // Down from the last address before the broadcast one, stopping above the gateway.
  for (let offset = size - 2n; offset >= 2n && out.length < count; offset--) {
    const ip = formatIp(4, node.cidr.network + offset);
    if (!used.has(ip)) out.push(ip);
  }
  return out;
}

const serviceName = (i) => `svc-${String(i).padStart(3, "0")}`;

function syntheticService(name, namespace, runId) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, labels: { "bosun.io/bench": runId } },
    // No selector: the endpoints are this benchmark's own slice, as for an external backend.
    spec: { type: "ClusterIP", ports: [{ name: "http", protocol: "TCP", port: SERVICE_PORT }] },
  };
}

function syntheticSlice(service, namespace, runId, nodeName) {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${service.name}-bench`,
      namespace,
      labels: { "kubernetes.io/service-name": service.name, "endpointslice.kubernetes.io/managed-by": MANAGED_BY, "bosun.io/bench": runId },
    },
    addressType: "IPv4",
    endpoints: service.addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName })),
    ports: [{ name: "http", protocol: "TCP", port: service.targetPort }],
  };
}

/** Creates the Services and their slices one after another; answers them with their cluster IPs and slices. */
async function createSyntheticServices(client, ctx, opts, pool) {
  const services = [];
  for (let i = 0; i < opts.services; i++) {
    const name = serviceName(i);
    const created = await client.create(servicesRes, syntheticService(name, ctx.namespace, ctx.runId), ctx.namespace);
    const addresses = Array.from({ length: opts.endpoints }, (_, j) => pool[(i + j) % pool.length]);
    const service = { name, clusterIP: created.spec.clusterIP, targetPort: FIRST_TARGET_PORT + i, addresses };
    service.slice = await client.create(slicesRes, syntheticSlice(service, ctx.namespace, ctx.runId, ctx.nodes[0].name), ctx.namespace);
    services.push(service);
    progress(`setup: ${i + 1}/${opts.services} Services with ${opts.endpoints} endpoints created`);
  }
  progress(undefined);
  return services;
}

/**
 * Replaces one endpoint address at a time (Services in turn, then the next endpoint
 * of each) and times each from just before the API write until every node's proxy
 * DNATs to the new address. Each write comes `gapMs` after the previous change was
 * seen (or the set-up was), so that with the default, the proxy's minimum sync
 * interval (1 s), a change finds the proxy free to sync rather than waiting out that
 * interval: the figure is the path from the write to the rule.
 */
async function measureProgramming(client, ctx, opts, services, pool) {
  const latencies = [];
  const pollMs = [];
  let cursor = 0;
  for (let k = 0; k < opts.changes; k++) {
    if (opts.gapMs > 0) await sleep(opts.gapMs);
    const service = services[k % services.length];
    const slot = Math.floor(k / services.length) % opts.endpoints;
    let fresh = pool[cursor++ % pool.length];
    while (service.addresses.includes(fresh)) fresh = pool[cursor++ % pool.length];
    const next = structuredClone(service.slice);
    next.endpoints[slot].addresses = [fresh];
    const destination = `${fresh}:${service.targetPort}`;
    const started = performance.now();
    service.slice = await client.update(slicesRes, next);
    await untilProgrammed(ctx.nodes, [destination], { timeoutMs: opts.timeoutMs, what: `${service.name}'s new endpoint ${destination}`, pollMs: opts.pollMs, onPoll: (ms) => pollMs.push(ms) });
    // The clock stops when the poll that saw the rule has returned: an upper bound, by at most one poll.
    latencies.push(performance.now() - started);
    service.addresses[slot] = fresh;
    progress(`programming latency: ${k + 1}/${opts.changes} changes`);
  }
  progress(undefined);
  return { latencies, pollMs };
}

// ---------------------------------------------------------------------------
// 2. Requests per second: ClusterIP against pod IPs, from a client pod.

function webManifests(namespace, runId) {
  const labels = { app: "web", "bosun.io/bench": runId };
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: "httpd",
              image: IMAGE,
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", `mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p ${WEB_PORT} -h /www`],
              ports: [{ name: "http", containerPort: WEB_PORT, protocol: "TCP" }],
              readinessProbe: { httpGet: { path: "/", port: WEB_PORT }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace, labels: { "bosun.io/bench": runId } },
    spec: { type: "ClusterIP", selector: labels, ports: [{ name: "http", protocol: "TCP", port: SERVICE_PORT, targetPort: WEB_PORT }] },
  };
  return { deployment, service };
}

/** The ready endpoint addresses of the Service's slices, once there are `count`. */
async function untilReadyEndpoints(client, namespace, service, count, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let ready = [];
  while (Date.now() < deadline) {
    const slices = await client.list(slicesRes, { namespace, labelSelector: `kubernetes.io/service-name=${service}` });
    ready = slices.items.flatMap((s) => s.endpoints.filter((e) => e.conditions?.ready !== false).map((e) => e.addresses[0]));
    progress(`web: ${ready.length}/${count} ready endpoints`);
    if (ready.length >= count) {
      progress(undefined);
      return ready.sort();
    }
    await sleep(500);
  }
  throw new Error(`Service ${namespace}/${service} had ${ready.length} of ${count} ready endpoints after ${timeoutMs} ms; check 'bosun get pods -n ${namespace}' and 'bosun describe pod' of its pods`);
}

/**
 * The client's shell script: `burst LABEL COUNT URL...` fetches the URLs in turn COUNT
 * times with busybox wget and prints the pod's wall clock (adjtimex: seconds and
 * microseconds; busybox's date has no %N) before and after. Warm-up first, then the
 * rounds, the side that goes first alternating.
 */
function clientScript({ podUrls, serviceUrl, perRound, rounds }) {
  const pod = podUrls.join(" ");
  return [
    `now() { adjtimex | awk '/tv_sec/ {s=$2} /tv_usec/ {u=$2} END {print s, u}'; }`,
    "burst() {",
    "  label=$1; count=$2; shift 2",
    "  fails=0; i=0; t0=$(now)",
    '  while [ "$i" -lt "$count" ]; do',
    '    for url in "$@"; do',
    '      timeout 5 wget -qO- "$url" >/dev/null 2>&1 || fails=$((fails + 1))',
    "      i=$((i + 1))",
    "    done",
    "  done",
    '  echo "R $label $t0 $(now) $i $fails"',
    "}",
    `burst warmup-pod ${HTTP_WARMUP} ${pod}`,
    `burst warmup-svc ${HTTP_WARMUP} ${serviceUrl}`,
    "r=0",
    `while [ "$r" -lt ${rounds} ]; do`,
    `  if [ $((r % 2)) -eq 0 ]; then burst pod ${perRound} ${pod}; burst svc ${perRound} ${serviceUrl};`,
    `  else burst svc ${perRound} ${serviceUrl}; burst pod ${perRound} ${pod}; fi`,
    "  r=$((r + 1))",
    "done",
    "echo DONE",
  ].join("\n");
}

async function untilPodFinished(client, namespace, name, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let phase;
  while (Date.now() < deadline) {
    phase = (await client.get(podsRes, name, namespace)).status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return phase;
    await sleep(1000);
  }
  throw new Error(`pod ${namespace}/${name} had not finished after ${timeoutMs} ms (phase ${phase ?? "unknown"}); check 'bosun describe pod ${name} -n ${namespace}' and 'bosun logs ${name} -n ${namespace}'`);
}

async function podLog(client, namespace, name) {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of client.logs(namespace, name)) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** Requests per second of each side from the client's output, over all its rounds. */
function parseBursts(output) {
  const sides = { pod: { requests: 0, failed: 0, us: 0, rounds: [] }, svc: { requests: 0, failed: 0, us: 0, rounds: [] } };
  for (const line of output.split("\n")) {
    const [tag, label, s0, u0, s1, u1, count, fails] = line.trim().split(/\s+/);
    if (tag !== "R" || !(label in sides)) continue;
    const us = (Number(s1) - Number(s0)) * 1e6 + (Number(u1) - Number(u0));
    const side = sides[label];
    side.requests += Number(count);
    side.failed += Number(fails);
    side.us += us;
    side.rounds.push((Number(count) - Number(fails)) / (us / 1e6));
  }
  for (const side of Object.values(sides)) side.rps = (side.requests - side.failed) / (side.us / 1e6);
  return sides;
}

async function measureRps(client, ctx, opts) {
  const { deployment, service } = webManifests(ctx.namespace, ctx.runId);
  await client.create(deploymentsRes, deployment, ctx.namespace);
  const web = await client.create(servicesRes, service, ctx.namespace);
  const podIPs = await untilReadyEndpoints(client, ctx.namespace, "web", 2, opts.timeoutMs);
  await untilProgrammed(ctx.nodes, podIPs.map((ip) => `${ip}:${WEB_PORT}`), { timeoutMs: opts.timeoutMs, what: "Service web" });
  progress(undefined);
  const perRound = Math.ceil(opts.requests / opts.rounds);
  const script = clientScript({
    podUrls: podIPs.map((ip) => `http://${ip}:${WEB_PORT}/`),
    serviceUrl: `http://${web.spec.clusterIP}:${SERVICE_PORT}/`,
    perRound,
    rounds: opts.rounds,
  });
  const clientPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "client", namespace: ctx.namespace, labels: { "bosun.io/bench": ctx.runId } },
    spec: { restartPolicy: "Never", terminationGracePeriodSeconds: 1, containers: [{ name: "wget", image: IMAGE, imagePullPolicy: "IfNotPresent", command: ["sh", "-c", script] }] },
  };
  await client.create(podsRes, clientPod, ctx.namespace);
  process.stderr.write(`bench-services: client pod running ${2 * (HTTP_WARMUP + perRound * opts.rounds)} requests\n`);
  // Allow 20 ms a request on top of the timeout: busybox wget is one process per request.
  const phase = await untilPodFinished(client, ctx.namespace, "client", opts.timeoutMs + 2 * (HTTP_WARMUP + perRound * opts.rounds) * 20);
  const output = await podLog(client, ctx.namespace, "client");
  if (phase !== "Succeeded" || !output.includes("DONE")) {
    throw new Error(`the client pod ended ${phase} without finishing its loops; its output was:\n${output.trim() || "(none)"}`);
  }
  return { ...parseBursts(output), podIPs, clusterIP: web.spec.clusterIP, perRound };
}

// ---------------------------------------------------------------------------
// 3. DNS: the node's server against dnsmasq, with one UDP load generator.

function loadDnsPacket() {
  try {
    return workspaceRequire("packages/agent")("dns-packet");
  } catch (err) {
    throw new Error(`cannot load dns-packet, a dependency of @bosun/agent (${err.message}); run 'npm ci'`);
  }
}

/** One query of `name`'s A record; answers its rcode and addresses, or undefined on timeout. */
function resolveOnce(dnsPacket, host, port, name, timeoutMs) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket("udp4");
    const id = Math.floor(Math.random() * 0xffff);
    const done = (value) => {
      clearTimeout(timer);
      socket.close();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on("error", () => done(undefined));
    socket.on("message", (msg) => {
      let answer;
      try {
        answer = dnsPacket.decode(msg);
      } catch {
        return;
      }
      if (answer.id !== id) return;
      done({ rcode: answer.rcode, addresses: (answer.answers ?? []).filter((a) => a.type === "A").map((a) => a.data) });
    });
    socket.send(dnsPacket.encode({ type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", class: "IN", name }] }), port, host);
  });
}

/** Checks that the server answers every name with its Service's cluster IP, before any load. */
async function checkAnswers(dnsPacket, label, host, port, records) {
  for (const { name, ip } of records) {
    const answer = await resolveOnce(dnsPacket, host, port, name, 2000);
    if (!answer) throw new Error(`${label} at ${host}:${port} did not answer ${name} within 2 s`);
    if (answer.addresses.length !== 1 || answer.addresses[0] !== ip) {
      throw new Error(`${label} at ${host}:${port} answered ${name} with ${answer.rcode} [${answer.addresses.join(", ")}], not ${ip}`);
    }
  }
}

/**
 * Keeps `concurrency` queries in flight (one UDP socket each, the next query as soon
 * as the last is answered) for `durationMs`, cycling through the prepared queries.
 * An answer counts when its id matches, its rcode is NOERROR and it has an answer; a
 * query unanswered after a second is lost and the socket moves on.
 */
async function dnsLoad({ host, port, queries, concurrency, durationMs }) {
  const sockets = await Promise.all(
    Array.from({ length: concurrency }, () => new Promise((resolve, reject) => {
      const socket = dgram.createSocket("udp4");
      socket.once("error", reject);
      socket.bind(0, () => resolve(socket));
    })),
  );
  const latencies = [];
  let answered = 0;
  let bad = 0;
  let lost = 0;
  let next = 0;
  let nextId = Math.floor(Math.random() * 0xffff);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  return new Promise((resolve) => {
    let open = sockets.length;
    const slots = sockets.map((socket) => ({ socket, id: -1, sentAt: undefined }));
    const finish = () => {
      clearInterval(sweeper);
      const elapsedMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      resolve({ answered, bad, lost, latencies, elapsedMs, generatorCpu: (cpu.user + cpu.system) / 1000 / elapsedMs });
    };
    const send = (slot) => {
      if (performance.now() >= deadline) {
        slot.socket.close();
        if (--open === 0) finish();
        return;
      }
      const query = Buffer.from(queries[next++ % queries.length]);
      nextId = (nextId + 1) & 0xffff;
      query.writeUInt16BE(nextId, 0);
      slot.id = nextId;
      slot.sentAt = performance.now();
      slot.socket.send(query, port, host);
    };
    for (const slot of slots) {
      slot.socket.on("message", (msg) => {
        if (slot.sentAt === undefined || msg.length < 12 || msg.readUInt16BE(0) !== slot.id) return;
        const rtt = performance.now() - slot.sentAt;
        slot.sentAt = undefined;
        if ((msg[3] & 0x0f) === 0 && msg.readUInt16BE(6) > 0) {
          answered++;
          latencies.push(rtt);
        } else {
          bad++;
        }
        send(slot);
      });
    }
    const sweeper = setInterval(() => {
      const now = performance.now();
      for (const slot of slots) {
        if (slot.sentAt !== undefined && now - slot.sentAt > DNS_QUERY_TIMEOUT_MS) {
          slot.sentAt = undefined;
          lost++;
          send(slot);
        }
      }
    }, 50);
    for (const slot of slots) send(slot);
  });
}

async function dnsmasqBinary() {
  const find = () => ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"].find((p) => existsSync(p));
  if (find()) return find();
  // Only this benchmark uses it: installed here when missing, not by bootstrap.
  const advice = "install Debian's dnsmasq-base ('apt-get install dnsmasq-base') and run again";
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) throw new Error(`dnsmasq is not installed; ${advice}`);
  process.stderr.write("bench-services: installing dnsmasq-base (the DNS reference server)\n");
  const aptGet = (...args) => run("env", ["DEBIAN_FRONTEND=noninteractive", "apt-get", ...args]);
  const install = () => aptGet("install", "-y", "-qq", "--no-install-recommends", "dnsmasq-base");
  let r = await install();
  if (r.code !== 0) {
    await aptGet("update", "-qq");
    r = await install();
  }
  if (r.code !== 0 || !find()) throw new Error(`apt-get install dnsmasq-base failed (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-3).join(" ")}; ${advice}`);
  return find();
}

/** A UDP port on 127.0.0.1 nothing holds now. */
function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/**
 * dnsmasq in the foreground, serving only the hosts file on 127.0.0.1:port, with the
 * node DNS's TTL; resolves once it answers the first name.
 */
async function startDnsmasq(ctx, dnsPacket, binary, records) {
  const dir = mkdtempSync(join(tmpdir(), `bench-services-${ctx.runId}-`));
  ctx.tmpDir = dir;
  // dnsmasq reads the hosts file as its own user, after dropping root.
  chmodSync(dir, 0o755);
  const hostsFile = join(dir, "hosts");
  writeFileSync(hostsFile, records.map((r) => `${r.ip} ${r.name}\n`).join(""), { mode: 0o644 });
  const port = await freeUdpPort();
  const args = [
    "--keep-in-foreground",
    "--conf-file=/dev/null",
    "--no-resolv",
    "--no-hosts",
    `--addn-hosts=${hostsFile}`,
    `--port=${port}`,
    "--listen-address=127.0.0.1",
    "--bind-interfaces",
    "--local-ttl=5",
    `--pid-file=${join(dir, "dnsmasq.pid")}`,
    "--log-facility=-",
  ];
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  ctx.dnsmasq = child;
  let stderr = "";
  let exited = false;
  child.stderr.on("data", (b) => (stderr += b));
  child.on("exit", () => (exited = true));
  child.on("error", (err) => {
    exited = true;
    stderr += err.message;
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !exited) {
    if (await resolveOnce(dnsPacket, "127.0.0.1", port, records[0].name, 200)) return { port, pid: child.pid };
  }
  throw new Error(`dnsmasq (${binary} ${args.join(" ")}) ${exited ? "exited" : "did not answer within 10 s"}: ${stderr.trim() || "no output"}`);
}

async function stopDnsmasq(ctx) {
  const child = ctx.dnsmasq;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once("exit", r));
  try {
    process.kill(child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }, 3000);
  await gone;
  clearTimeout(timer);
}

async function measureDns(ctx, opts, dnsPacket, services) {
  const records = services.map((s) => ({ name: `${s.name}.${ctx.namespace}.svc.${CLUSTER_DOMAIN}`, ip: s.clusterIP }));
  const queries = records.map((r) => dnsPacket.encode({ type: "query", id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", class: "IN", name: r.name }] }));
  const node = { label: `node DNS ${ctx.nodes[0].gateway}:53 (${ctx.nodes[0].name})`, host: ctx.nodes[0].gateway, port: 53 };
  const dnsmasq = await startDnsmasq(ctx, dnsPacket, ctx.dnsmasqBinary, records);
  const reference = { label: `dnsmasq 127.0.0.1:${dnsmasq.port} (pid ${dnsmasq.pid})`, host: "127.0.0.1", port: dnsmasq.port };
  const results = [];
  for (const side of [node, reference]) {
    await checkAnswers(dnsPacket, side.label, side.host, side.port, records);
    process.stderr.write(`bench-services: DNS load on ${side.label}: ${opts.dnsConcurrency} in flight, ${opts.dnsSeconds} s after ${DNS_WARMUP_MS / 1000} s of warm-up\n`);
    await dnsLoad({ ...side, queries, concurrency: opts.dnsConcurrency, durationMs: DNS_WARMUP_MS });
    const r = await dnsLoad({ ...side, queries, concurrency: opts.dnsConcurrency, durationMs: opts.dnsSeconds * 1000 });
    results.push({ ...side, ...r, qps: r.answered / (r.elapsedMs / 1000), latency: summary(r.latencies.length > 0 ? r.latencies : [NaN]) });
  }
  await stopDnsmasq(ctx);
  return results;
}

// ---------------------------------------------------------------------------

/** The namespace's Services go one by one (each frees its cluster IP), then the namespace with everything else in it. */
async function cleanup(client, ctx) {
  await stopDnsmasq(ctx).catch(() => undefined);
  if (ctx.tmpDir) rmSync(ctx.tmpDir, { recursive: true, force: true });
  if (!ctx.namespaceCreated) return;
  const selector = `bosun.io/bench=${ctx.runId}`;
  const services = await client.list(servicesRes, { namespace: ctx.namespace, labelSelector: selector }).catch(() => ({ items: [] }));
  for (const s of services.items) await client.delete(servicesRes, s.metadata.name, { namespace: ctx.namespace }).catch(() => undefined);
  await client.delete(namespacesRes, ctx.namespace).catch(() => undefined);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const ns = await client.get(namespacesRes, ctx.namespace).catch(() => undefined);
    const pods = await client.list(podsRes, { namespace: ctx.namespace, labelSelector: selector }).catch(() => ({ items: [] }));
    if (!ns && pods.items.length === 0) return;
    await sleep(500);
  }
  console.error(`bench-services: namespace ${ctx.namespace} is still there; check 'bosun get ns ${ctx.namespace}' and delete it by hand`);
}

// Set by Ctrl-C, whose cleanup then decides the exit: the measurement it interrupts
// may fail meanwhile, as the cleanup takes its objects away.
let interrupted = false;

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { client, server } = await connect("bench-services");
  const nodes = await readyNodes(client);
  await checkProxies(nodes);
  const dnsPacket = loadDnsPacket();
  const runId = randomUUID().slice(0, 8);
  const ctx = { runId, namespace: `bench-svc-${runId}`, nodes, namespaceCreated: false, dnsmasqBinary: await dnsmasqBinary() };
  // The node DNS must answer before anything is created (the Service every cluster has).
  const kubernetes = await resolveOnce(dnsPacket, nodes[0].gateway, 53, `kubernetes.default.svc.${CLUSTER_DOMAIN}`, 2000);
  if (!kubernetes || kubernetes.addresses.length === 0) {
    throw new Error(`the node DNS on ${nodes[0].gateway}:53 (node ${nodes[0].name}) did not answer kubernetes.default.svc.${CLUSTER_DOMAIN}; check 'cluster DNS' lines in the agent's log`);
  }

  console.log(`bench-services: ${opts.services} Services x ${opts.endpoints} endpoints, ${opts.changes} endpoint changes; ${opts.requests} HTTP requests a side; DNS ${opts.dnsSeconds} s a side; run ${runId}`);
  console.log(`bench-services: server ${server}; host ${hostname()}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(2)}; nodes ${nodes.map((n) => `${n.name} (${n.podCidr})`).join(", ")}`);

  process.once("SIGINT", () => {
    interrupted = true;
    console.error("\nbench-services: interrupted, cleaning up");
    cleanup(client, ctx).finally(() => process.exit(130));
  });
  let programming;
  let initialMs;
  let pollSummary;
  let rps;
  let dns;
  try {
    await client.create(namespacesRes, { apiVersion: "v1", kind: "Namespace", metadata: { name: ctx.namespace, labels: { "bosun.io/bench": runId } } });
    ctx.namespaceCreated = true;

    const pool = await unusedAddresses(client, nodes[0], ADDRESS_POOL);
    if (pool.length < opts.endpoints + 1) throw new Error(`node ${nodes[0].name}'s pod CIDR ${nodes[0].podCidr} has only ${pool.length} unused addresses; --endpoints must be at most ${pool.length - 1}`);
    const setupStarted = performance.now();
    const services = await createSyntheticServices(client, ctx, opts, pool);
    const all = services.flatMap((s) => s.addresses.map((ip) => `${ip}:${s.targetPort}`));
    await untilProgrammed(nodes, all, { timeoutMs: opts.timeoutMs, what: `${opts.services} Services` });
    progress(undefined);
    initialMs = performance.now() - setupStarted;
    console.log(`bench-services: ${all.length} endpoints of ${opts.services} Services created and in every node's rules in ${(initialMs / 1000).toFixed(1)} s`);

    const measured = await measureProgramming(client, ctx, opts, services, pool);
    programming = summary(measured.latencies);
    pollSummary = summary(measured.pollMs);

    rps = await measureRps(client, ctx, opts);
    dns = await measureDns(ctx, opts, dnsPacket, services);
  } finally {
    if (!interrupted) {
      process.stderr.write("bench-services: cleaning up\n");
      await cleanup(client, ctx);
    }
  }

  const ms = (v) => `${v.toFixed(0)} ms`;
  const ms1 = (v) => `${v.toFixed(2)} ms`;
  console.log("");
  console.log(`${"programming latency".padEnd(52)} ${"p50".padStart(9)} ${"p99".padStart(9)} ${"min".padStart(9)} ${"max".padStart(9)}`);
  console.log(
    `${`endpoint change -> DNAT on every node (${opts.changes})`.padEnd(52)} ${ms(programming.p50).padStart(9)} ${ms(programming.p99).padStart(9)} ${ms(programming.min).padStart(9)} ${ms(programming.max).padStart(9)}`,
  );
  console.log(`  (${KUBE_PROXY_ANCHOR}; one iptables-save poll took ${ms(pollSummary.p50)} p50, ${ms(pollSummary.p99)} p99: the figures' resolution)`);
  console.log("");
  const range = (side) => `${Math.min(...side.rounds).toFixed(0)}-${Math.max(...side.rounds).toFixed(0)}`;
  console.log(`${"HTTP through busybox wget, one request at a time".padEnd(52)} ${"req/s".padStart(9)} ${"rounds".padStart(11)} ${"failed".padStart(7)}`);
  console.log(`${`pod IPs ${rps.podIPs.map((ip) => `${ip}:${WEB_PORT}`).join(", ")}`.padEnd(52)} ${rps.pod.rps.toFixed(0).padStart(9)} ${range(rps.pod).padStart(11)} ${String(rps.pod.failed).padStart(7)}`);
  console.log(`${`ClusterIP ${rps.clusterIP}:${SERVICE_PORT}`.padEnd(52)} ${rps.svc.rps.toFixed(0).padStart(9)} ${range(rps.svc).padStart(11)} ${String(rps.svc.failed).padStart(7)}`);
  const rpsRatio = rps.svc.rps / rps.pod.rps;
  console.log(`ratio ClusterIP / pod IP: ${rpsRatio.toFixed(2)}  (target >= ${TARGET_RPS_RATIO}: ${rpsRatio >= TARGET_RPS_RATIO ? "met" : "NOT met"})`);
  if (rps.pod.failed + rps.svc.failed > 0) console.log(`  ${rps.pod.failed + rps.svc.failed} request(s) failed; the rates count answered requests only`);
  console.log("");
  console.log(`${`DNS A queries, UDP, ${opts.dnsConcurrency} in flight`.padEnd(52)} ${"q/s".padStart(9)} ${"p50".padStart(9)} ${"p99".padStart(9)} ${"lost".padStart(6)} ${"gen CPU".padStart(8)}`);
  for (const d of dns) {
    console.log(
      `${d.label.padEnd(52)} ${d.qps.toFixed(0).padStart(9)} ${ms1(d.latency.p50).padStart(9)} ${ms1(d.latency.p99).padStart(9)} ${String(d.lost + d.bad).padStart(6)} ${`${(d.generatorCpu * 100).toFixed(0)}%`.padStart(8)}`,
    );
  }
  console.log(`ratio node DNS / dnsmasq (q/s): ${(dns[0].qps / dns[1].qps).toFixed(2)}  (informational, no target)`);
  for (const d of dns.filter((x) => x.generatorCpu >= GENERATOR_SATURATED)) {
    console.log(`  the load generator used ${(d.generatorCpu * 100).toFixed(0)}% of a core against ${d.label.split(" (")[0]}: it, not the server, may have set that rate (a lower bound)`);
  }
}

main().catch((err) => {
  if (interrupted) return;
  console.error(`bench-services: error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
