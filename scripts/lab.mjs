// The node-side steps of scripts/lab.sh: the lab's kubeconfig, and waiting until the
// lab's API answers and its nodes are Ready (through that kubeconfig, so the wait
// also proves it works).
//
//   node scripts/lab.mjs kubeconfig --out FILE --pki-dir DIR --server NAME=URL [--server ...]
//     One context per master, the first current; the CA and the admin's client
//     certificate (DIR/{ca,admin}.{crt,key}, as a master writes them) inline.
//   node scripts/lab.mjs wait --kubeconfig FILE [--nodes 3] [--timeout 300]
import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse, stringify } from "yaml";
import { ApiClient, kubeconfigYaml, readKubeconfig } from "@bosun/client";
import { nodeReadyCondition, resourceByKind } from "@bosun/api";

function fail(message) {
  console.error(`lab: error: ${message}`);
  process.exit(1);
}

function writeKubeconfig(args) {
  const { values } = parseArgs({ args, options: { out: { type: "string" }, "pki-dir": { type: "string" }, server: { type: "string", multiple: true } } });
  if (!values.out || !values["pki-dir"] || !values.server?.length) fail("kubeconfig needs --out, --pki-dir and at least one --server NAME=URL");
  const read = (name) => readFileSync(join(values["pki-dir"], name), "utf8");
  const [ca, cert, key] = [read("ca.crt"), read("admin.crt"), read("admin.key")];
  // kubeconfigYaml writes one cluster, user and context; the lab has one per master.
  const merged = { apiVersion: "v1", kind: "Config", clusters: [], contexts: [], users: [], preferences: {} };
  for (const [i, spec] of values.server.entries()) {
    const eq = spec.indexOf("=");
    if (eq <= 0) fail(`--server ${spec}: expected NAME=URL`);
    const one = parse(kubeconfigYaml({ server: spec.slice(eq + 1), ca, cert, key, clusterName: spec.slice(0, eq), userName: "bosun-lab-admin" }));
    merged.clusters.push(...one.clusters);
    merged.contexts.push(...one.contexts);
    if (i === 0) {
      merged.users.push(...one.users);
      merged["current-context"] = one["current-context"];
    }
  }
  const tmp = `${values.out}.tmp-${process.pid}`;
  writeFileSync(tmp, stringify(merged), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, values.out);
}

async function waitReady(args) {
  const { values } = parseArgs({ args, options: { kubeconfig: { type: "string" }, nodes: { type: "string", default: "3" }, timeout: { type: "string", default: "300" } } });
  if (!values.kubeconfig) fail("wait needs --kubeconfig FILE");
  const wanted = Number(values.nodes);
  const deadline = Date.now() + Number(values.timeout) * 1000;
  const access = readKubeconfig(values.kubeconfig);
  const client = new ApiClient({ server: access.server, credentials: access.credentials, userAgent: "bosun-lab" });
  const nodes = resourceByKind("v1", "Node");
  let last = "";
  for (;;) {
    let state;
    try {
      const list = await client.list(nodes);
      const ready = list.items.filter((n) => nodeReadyCondition(n)?.status === "True").map((n) => n.metadata.name).sort();
      state = `${ready.length}/${wanted} nodes Ready${ready.length ? ` (${ready.join(", ")})` : ""}`;
      if (ready.length >= wanted) {
        if (wanted > 0) console.error(`lab: ${state}`);
        return;
      }
    } catch (err) {
      state = `the API at ${access.server} does not answer yet: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (state !== last) console.error(`lab: ${state}`);
    last = state;
    if (Date.now() > deadline) fail(`gave up after ${values.timeout}s: ${state}; see 'docker-compose -p bosun-lab -f deploy/lab/docker-compose.yml logs'`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const [command, ...rest] = process.argv.slice(2);
if (command === "kubeconfig") writeKubeconfig(rest);
else if (command === "wait") await waitReady(rest);
else fail("usage: lab.mjs kubeconfig|wait ...");
