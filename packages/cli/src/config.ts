// Where the CLI finds the cluster and its credentials, as kubectl does: a
// kubeconfig (--kubeconfig, else $KUBECONFIG, else the one `bosun up` writes into
// the state directory); --server or $BOSUN_SERVER, when given, replace its server.
import { existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { kubeconfigYaml, readKubeconfig, type ClusterAccess, type KubeconfigSpec } from "@bosun/client";
import { writeFileAtomic } from "@bosun/pki";

export const defaultServer = "https://127.0.0.1:6443";

export type ServerSource = "flag" | "env" | "kubeconfig" | "default";

/** The state directory of the local cluster: $BOSUN_HOME, default ~/.bosun. */
export function bosunHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.BOSUN_HOME || join(homedir(), ".bosun");
}

export function kubeconfigPath(home: string): string {
  return join(home, "kubeconfig");
}

/** The kubeconfig to read: the flag's, else the first of $KUBECONFIG's that exists, else bosun up's if it exists. */
export function kubeconfigFile(opts: { flag?: string | undefined; env?: NodeJS.ProcessEnv }): string | undefined {
  const env = opts.env ?? process.env;
  if (opts.flag) return opts.flag;
  if (env.KUBECONFIG) return env.KUBECONFIG.split(":").find((p) => p !== "" && existsSync(p));
  const local = kubeconfigPath(bosunHome(env));
  return existsSync(local) ? local : undefined;
}

export interface AccessFlags {
  server?: string | undefined;
  kubeconfig?: string | undefined;
  context?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export function resolveAccess(flags: AccessFlags): ClusterAccess & { serverSource: ServerSource } {
  const env = flags.env ?? process.env;
  const file = kubeconfigFile({ flag: flags.kubeconfig, env });
  const fromFile = file ? readKubeconfig(file, flags.context) : undefined;
  const [server, serverSource]: [string, ServerSource] = flags.server
    ? [flags.server, "flag"]
    : env.BOSUN_SERVER
      ? [env.BOSUN_SERVER, "env"]
      : fromFile
        ? [fromFile.server, "kubeconfig"]
        : [defaultServer, "default"];
  return {
    server: normalizeServer(server),
    credentials: fromFile?.credentials ?? {},
    ...(fromFile?.namespace ? { namespace: fromFile.namespace } : {}),
    source: fromFile?.source ?? "(no kubeconfig)",
    serverSource,
  };
}

/** Accepts "127.0.0.1:6443" as kubectl does, meaning HTTPS. */
export function normalizeServer(server: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `https://${server}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`"${server}" is not a valid server URL; use the form https://127.0.0.1:6443`);
  }
  return url.toString().replace(/\/+$/, "");
}

/** Writes the admin kubeconfig of the local cluster, so `bosun` and `kubectl --kubeconfig` find it. */
export function writeClientConfig(home: string, spec: KubeconfigSpec): void {
  mkdirSync(home, { recursive: true });
  // It carries the admin's private key: readable by its owner only.
  writeFileAtomic(kubeconfigPath(home), kubeconfigYaml(spec), 0o600);
}
