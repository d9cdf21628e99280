// Where the bosun-master and bosun-agent entry points are: read from their
// packages' "bin" fields, so `bosun up` runs the same files npm would link, with
// the Node flags a package asks its launchers for ("bosun": {"nodeFlags": [...]}).
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

export interface NodeCommand {
  /** The entry point's file. */
  path: string;
  /** Node's flags, before the file. */
  nodeFlags: string[];
}

export function binaryPath(packageName: string, binName: string): string {
  return binaryCommand(packageName, binName).path;
}

/** The entry point and the Node flags to run `binName` of `packageName` with. */
export function binaryCommand(packageName: string, binName: string): NodeCommand {
  let manifestPath: string;
  try {
    manifestPath = require.resolve(`${packageName}/package.json`);
  } catch {
    throw new Error(`cannot find the ${packageName} package; run 'npm ci' in the Bosun checkout`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { bin?: Record<string, string>; bosun?: { nodeFlags?: string[] } };
  const relative = manifest.bin?.[binName];
  if (!relative) throw new Error(`${packageName} declares no "${binName}" binary in its package.json`);
  const path = join(dirname(manifestPath), relative);
  if (!existsSync(path)) throw new Error(`${path} does not exist; build first with 'npm run build'`);
  return { path, nodeFlags: manifest.bosun?.nodeFlags ?? [] };
}

export function etcdBinary(explicit: string | undefined): string {
  return systemBinary("etcd", "etcd-server", explicit);
}

/** etcdctl, which saves, checks and restores etcd snapshots (`bosun etcd snapshot`). */
export function etcdctlBinary(explicit?: string): string {
  return systemBinary("etcdctl", "etcd-client", explicit);
}

function systemBinary(name: string, debianPackage: string, explicit: string | undefined): string {
  const candidates = explicit ? [explicit] : [`/usr/bin/${name}`, `/usr/local/bin/${name}`];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`${name} not found at ${candidates.join(" or ")}; install it with 'apt-get install ${debianPackage}' (scripts/bootstrap.sh does)`);
  return found;
}
