// Where the CLI finds the API server: --server, else $BOSUN_SERVER, else the
// config file `bosun up` writes into the state directory, else the address
// `bosun up` listens on by default.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export const defaultServer = "http://127.0.0.1:6443";

export interface CliConfig {
  server?: string;
}

export type ServerSource = "flag" | "env" | "config" | "default";

/** The state directory of the local cluster: $BOSUN_HOME, default ~/.bosun. */
export function bosunHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.BOSUN_HOME || join(homedir(), ".bosun");
}

export function configPath(home: string): string {
  return join(home, "config.json");
}

export function kubeconfigPath(home: string): string {
  return join(home, "kubeconfig");
}

export function readConfig(home: string): CliConfig | undefined {
  const path = configPath(home);
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}); fix or delete it`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${path} must hold a JSON object like {"server": "${defaultServer}"}`);
  }
  const server = (parsed as Record<string, unknown>).server;
  if (server !== undefined && typeof server !== "string") {
    throw new Error(`"server" in ${path} must be a string URL`);
  }
  return server === undefined ? {} : { server };
}

export function resolveServer(opts: { flag?: string | undefined; env?: NodeJS.ProcessEnv }): { server: string; source: ServerSource } {
  const env = opts.env ?? process.env;
  let server: string;
  let source: ServerSource;
  if (opts.flag) {
    [server, source] = [opts.flag, "flag"];
  } else if (env.BOSUN_SERVER) {
    [server, source] = [env.BOSUN_SERVER, "env"];
  } else {
    const fromFile = readConfig(bosunHome(env))?.server;
    [server, source] = fromFile ? [fromFile, "config"] : [defaultServer, "default"];
  }
  return { server: normalizeServer(server), source };
}

/** Accepts "127.0.0.1:6443" as kubectl does, meaning plain HTTP. */
export function normalizeServer(server: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `http://${server}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`"${server}" is not a valid server URL; use the form http://127.0.0.1:6443`);
  }
  return url.toString().replace(/\/+$/, "");
}

export function kubeconfig(server: string): string {
  // @kubernetes/client-node refuses a plain-http server unless the cluster entry says
  // insecure-skip-tls-verify; kubectl accepts it either way.
  const cluster = server.startsWith("http:") ? { server, "insecure-skip-tls-verify": true } : { server };
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "bosun", cluster }],
    contexts: [{ name: "bosun", context: { cluster: "bosun", user: "bosun", namespace: "default" } }],
    "current-context": "bosun",
    preferences: {},
    users: [{ name: "bosun", user: {} }],
  });
}

/** Writes config.json and kubeconfig, so `bosun` and `kubectl --kubeconfig` find the cluster. */
export function writeClientConfig(home: string, server: string): void {
  mkdirSync(home, { recursive: true });
  writeFileSync(configPath(home), JSON.stringify({ server } satisfies CliConfig, null, 2) + "\n");
  writeFileSync(kubeconfigPath(home), kubeconfig(server));
}
