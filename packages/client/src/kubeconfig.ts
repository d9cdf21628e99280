// Kubeconfig files, the one client configuration of Bosun as of kubectl: read
// (current context, or a named one; inline -data fields or file paths, relative
// to the file) and written (what `bosun up` and the lab hand out).
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse, stringify } from "yaml";
import type { ClientCredentials } from "./credentials.js";

export interface ClusterAccess {
  server: string;
  credentials: ClientCredentials;
  namespace?: string;
  /** Where it was read from, for messages. */
  source: string;
}

type Named<T> = { name?: string } & T;
interface RawKubeconfig {
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string; namespace?: string } }>[];
  "current-context"?: string;
}

function str(obj: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = obj?.[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** A PEM field: `<key>-data` (base64) wins over `<key>` (a file path). */
function pemField(obj: Record<string, unknown> | undefined, key: string, baseDir: string, source: string): string | undefined {
  const data = str(obj, `${key}-data`);
  if (data) return Buffer.from(data, "base64").toString("utf8");
  const file = str(obj, key);
  if (!file) return undefined;
  const path = isAbsolute(file) ? file : resolve(baseDir, file);
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${source}: cannot read ${key} ${path}: ${(err as Error).message}`);
  }
}

export function parseKubeconfig(text: string, source: string, contextName?: string): ClusterAccess {
  let raw: RawKubeconfig;
  try {
    raw = (parse(text) ?? {}) as RawKubeconfig;
  } catch (err) {
    throw new Error(`${source} is not valid YAML (${(err as Error).message}); fix it or point --kubeconfig elsewhere`);
  }
  const name = contextName ?? raw["current-context"];
  if (!name) throw new Error(`${source} has no current-context; set one with 'kubectl config use-context' or pass --context`);
  const context = raw.contexts?.find((c) => c.name === name)?.context;
  if (!context) throw new Error(`${source} has no context "${name}"`);
  const cluster = raw.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster) throw new Error(`${source}: context "${name}" names cluster "${context.cluster ?? ""}", which the file does not define`);
  const server = str(cluster, "server");
  if (!server) throw new Error(`${source}: cluster "${context.cluster}" has no server URL`);
  const user = context.user ? raw.users?.find((u) => u.name === context.user)?.user : undefined;
  if (context.user && !user) throw new Error(`${source}: context "${name}" names user "${context.user}", which the file does not define`);
  const baseDir = dirname(source);
  const credentials: ClientCredentials = {};
  const ca = pemField(cluster, "certificate-authority", baseDir, source);
  if (ca) credentials.ca = ca;
  if (cluster["insecure-skip-tls-verify"] === true) credentials.insecureSkipTlsVerify = true;
  const cert = pemField(user, "client-certificate", baseDir, source);
  const key = pemField(user, "client-key", baseDir, source);
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error(`${source}: user "${context.user}" has a client certificate without its key, or a key without its certificate`);
  }
  if (cert && key) Object.assign(credentials, { cert, key });
  const token = str(user, "token");
  if (token) credentials.token = token;
  return { server: server.replace(/\/+$/, ""), credentials, ...(context.namespace ? { namespace: context.namespace } : {}), source };
}

export function readKubeconfig(path: string, contextName?: string): ClusterAccess {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read the kubeconfig ${path}: ${(err as Error).message}`);
  }
  return parseKubeconfig(text, path, contextName);
}

export interface KubeconfigSpec {
  server: string;
  /** PEM of the cluster CA. */
  ca: string;
  /** PEM client certificate and key. */
  cert: string;
  key: string;
  clusterName?: string;
  userName?: string;
  namespace?: string;
}

const b64 = (pem: string) => Buffer.from(pem).toString("base64");

/** A kubeconfig with everything inline, as kubeadm's admin.conf: no file it points to can go missing. */
export function kubeconfigYaml(spec: KubeconfigSpec): string {
  const cluster = spec.clusterName ?? "bosun";
  const user = spec.userName ?? "bosun-admin";
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster, cluster: { server: spec.server, "certificate-authority-data": b64(spec.ca) } }],
    contexts: [{ name: cluster, context: { cluster, user, namespace: spec.namespace ?? "default" } }],
    "current-context": cluster,
    preferences: {},
    users: [{ name: user, user: { "client-certificate-data": b64(spec.cert), "client-key-data": b64(spec.key) } }],
  });
}
