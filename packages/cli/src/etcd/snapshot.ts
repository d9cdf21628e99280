// etcd snapshots, through etcdctl (Debian's etcd-client, the same 3.4 release as
// etcd-server): `save` streams a member's backend into the .db file etcdctl
// makes, `restore` turns one into a new member's data directory. Both check the
// file first: its sha256 trailer (etcd appends the hash of the database to every
// snapshot it sends) and `etcdctl snapshot status`, which opens the database.
// Nothing is left behind on failure: a snapshot is written under a temporary
// name and linked into place once checked; a data directory is restored beside
// its final place and renamed into it.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { access, link, open, readdir, rename, rm, rmdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { CliError } from "../context.js";

/** TLS towards etcd, as kube-apiserver's --etcd-cafile, --etcd-certfile and --etcd-keyfile. */
export interface EtcdTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** What `etcdctl snapshot status` reports of a snapshot. */
export interface SnapshotStatus {
  /** etcd's hash of the database's contents. */
  hash: number;
  revision: number;
  /** Keys in the database, etcd's internal ones included. */
  totalKey: number;
  totalSize: number;
}

/** etcd's snapshots are bbolt databases (a whole number of pages) followed by a sha256 of them. */
const hashBytes = 32;
const pageAlignment = 512;

/** A failed etcdctl run: its own message (the last line of stderr), and what it printed on stdout. */
export class EtcdctlError extends Error {
  override readonly name = "EtcdctlError";
  constructor(
    message: string,
    readonly stdout: string,
  ) {
    super(message);
  }
}

export class Etcdctl {
  constructor(readonly binary: string) {}

  /** Runs etcdctl, killing it after timeoutMs (0: no limit); rejects with an EtcdctlError when it fails. */
  async run(args: readonly string[], timeoutMs = 0): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      execFile(
        this.binary,
        args,
        { env: { ...process.env, ETCDCTL_API: "3" }, maxBuffer: 16 * 1024 * 1024, timeout: timeoutMs, killSignal: "SIGKILL" },
        (err, stdout, stderr) => {
          if (!err) return resolvePromise(stdout);
          const timedOut = (err as { killed?: boolean }).killed === true;
          // etcdctl logs JSON lines on stderr too; its own message is the last plain one.
          const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("{"));
          const message = timedOut ? `etcdctl did not finish within ${timeoutMs}ms` : (lines.at(-1) ?? err.message).replace(/^Error: /, "");
          reject(new EtcdctlError(message, stdout));
        },
      );
    });
  }
}

/**
 * Checks a snapshot file: it exists, its sha256 trailer matches its contents, and
 * etcdctl can open it; answers what etcdctl reports of it.
 */
export async function checkSnapshot(etcdctl: Etcdctl, file: string): Promise<SnapshotStatus> {
  const info = await stat(file).catch(() => undefined);
  if (!info) throw new CliError(`snapshot ${file} does not exist`);
  if (!info.isFile()) throw new CliError(`snapshot ${file} is not a file`);
  if (info.size <= hashBytes || (info.size - hashBytes) % pageAlignment !== 0) {
    throw new CliError(
      `${file} is not an etcd snapshot: ${info.size} bytes is no database with its integrity hash after it ` +
        `(a snapshot from 'bosun etcd snapshot save' or 'etcdctl snapshot save' has one; a database file copied out of a data directory does not)`,
    );
  }
  const expected = await readTail(file, info.size);
  const actual = await sha256(file, info.size - hashBytes);
  if (!actual.equals(expected)) {
    throw new CliError(`${file} is corrupt: the sha256 of its database does not match the one etcd recorded in the snapshot; use another copy`);
  }
  let out: string;
  try {
    out = await etcdctl.run(["snapshot", "status", file, "--write-out=json"]);
  } catch (err) {
    throw new CliError(`${file} is not a usable etcd snapshot: etcdctl snapshot status says: ${(err as Error).message}`);
  }
  return JSON.parse(out) as SnapshotStatus;
}

async function readTail(file: string, size: number): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const tail = Buffer.alloc(hashBytes);
    await handle.read(tail, 0, hashBytes, size - hashBytes);
    return tail;
  } finally {
    await handle.close();
  }
}

async function sha256(file: string, length: number): Promise<Buffer> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { start: 0, end: length - 1 })) hash.update(chunk as Buffer);
  return hash.digest();
}

/** etcdctl's flags that reach one endpoint, with TLS when asked for. */
function connection(endpoint: string, tls: EtcdTlsFiles, timeoutMs: number): string[] {
  return [
    `--endpoints=${endpoint}`,
    ...(tls.caFile ? [`--cacert=${tls.caFile}`] : []),
    ...(tls.certFile ? [`--cert=${tls.certFile}`] : []),
    ...(tls.keyFile ? [`--key=${tls.keyFile}`] : []),
    "--dial-timeout=5s",
    `--command-timeout=${timeoutMs}ms`,
  ];
}

const healthTimeoutMs = 5000;

/** The member at endpoint answers etcdctl's health check (a read that needs a leader) in time. */
async function checkHealth(etcdctl: Etcdctl, endpoint: string, tls: EtcdTlsFiles): Promise<void> {
  try {
    await etcdctl.run([...connection(endpoint, tls, healthTimeoutMs), "endpoint", "health", "--write-out=json"], healthTimeoutMs + 10_000);
  } catch (err) {
    const reported = err instanceof EtcdctlError ? healthError(err.stdout) : undefined;
    throw new Error(`not healthy: ${reported ?? (err as Error).message}`);
  }
}

function healthError(stdout: string): string | undefined {
  try {
    const [first] = JSON.parse(stdout) as { error?: string }[];
    return first?.error;
  } catch {
    return undefined;
  }
}

/** The TLS files must be readable, and a client certificate comes with its key. */
export async function checkTlsFiles(tls: EtcdTlsFiles): Promise<void> {
  if (!!tls.certFile !== !!tls.keyFile) {
    throw new CliError("--etcd-certfile and --etcd-keyfile go together: give both (the client certificate and its key) or neither");
  }
  for (const [flag, file] of [["--etcd-cafile", tls.caFile], ["--etcd-certfile", tls.certFile], ["--etcd-keyfile", tls.keyFile]] as const) {
    if (file === undefined) continue;
    try {
      await access(file, constants.R_OK);
    } catch {
      throw new CliError(`${flag} ${file} cannot be read; check the path and its permissions`);
    }
  }
}

export interface SaveOptions {
  file: string;
  /** Members to ask, in order; the first that answers gives the snapshot. */
  endpoints: string[];
  tls: EtcdTlsFiles;
  timeoutMs: number;
}

export interface SavedSnapshot {
  file: string;
  endpoint: string;
  status: SnapshotStatus;
}

/** Saves a snapshot of the first member of `endpoints` that answers, checked, to a file that does not exist yet. */
export async function saveSnapshot(etcdctl: Etcdctl, opts: SaveOptions): Promise<SavedSnapshot> {
  const file = resolve(opts.file);
  await checkTlsFiles(opts.tls);
  if (await exists(file)) throw new CliError(`${file} already exists; name a new file, or remove the old one first`);
  const dir = dirname(file);
  if (!(await isDirectory(dir))) throw new CliError(`cannot save to ${file}: directory ${dir} does not exist`);
  // etcdctl writes <partial>.part and renames it to <partial> when the stream is complete.
  const partial = join(dir, `.${basename(file)}.saving-${process.pid}`);
  const cleanUp = () => Promise.all([rm(partial, { force: true }), rm(`${partial}.part`, { force: true })]);
  const failures: string[] = [];
  try {
    for (const endpoint of opts.endpoints) {
      try {
        // etcdctl's snapshot stream waits for a connection until --command-timeout,
        // however short --dial-timeout is: ask for health first, which gives up in time.
        await checkHealth(etcdctl, endpoint, opts.tls);
        await etcdctl.run([...connection(endpoint, opts.tls, opts.timeoutMs), "snapshot", "save", partial], opts.timeoutMs + 10_000);
      } catch (err) {
        failures.push(`${endpoint}: ${(err as Error).message}`);
        await cleanUp();
        continue;
      }
      const status = await checkSnapshot(etcdctl, partial);
      try {
        // A link, unlike a rename, never replaces a file someone made meanwhile.
        await link(partial, file);
      } catch (err) {
        throw new CliError(`cannot save to ${file}: ${(err as Error).message}`);
      }
      return { file, endpoint, status };
    }
  } finally {
    await cleanUp();
  }
  throw new CliError(
    `no snapshot saved: etcd did not give one (${failures.join("; ")}). ` +
      "Check that etcd runs at --etcd-servers (the cluster of 'bosun up' serves it at http://127.0.0.1:2479) " +
      "and, for TLS, --etcd-cafile, --etcd-certfile and --etcd-keyfile",
  );
}

export interface RestoreOptions {
  file: string;
  dataDir: string;
  /** The member's name, as etcd's --name. */
  name: string;
  /** Every member of the restored cluster, NAME=PEER-URL,... */
  initialCluster: string;
  /** This member's peer URLs, as it announces them to the others. */
  initialAdvertisePeerUrls: string;
  initialClusterToken: string;
}

export interface RestoredSnapshot {
  dataDir: string;
  status: SnapshotStatus;
}

/** Restores a checked snapshot into a new data directory (one that is missing or empty). */
export async function restoreSnapshot(etcdctl: Etcdctl, opts: RestoreOptions): Promise<RestoredSnapshot> {
  const dataDir = resolve(opts.dataDir);
  const existing = await readdir(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw new CliError(`--data-dir ${dataDir} cannot be read as a directory: ${err.message}`);
  });
  if (existing && existing.length > 0) {
    throw new CliError(
      `--data-dir ${dataDir} is not empty; restore into a new directory, and keep the old one until the restored member runs`,
    );
  }
  const parent = dirname(dataDir);
  if (!(await isDirectory(parent))) throw new CliError(`cannot restore into ${dataDir}: directory ${parent} does not exist; create it first`);
  const status = await checkSnapshot(etcdctl, opts.file);
  // etcdctl refuses a data directory that exists, even an empty one, and leaves
  // a half-written one when it fails: restore beside it, then move it in place.
  const staging = join(parent, `.${basename(dataDir)}.restoring-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  try {
    await etcdctl.run([
      "snapshot", "restore", resolve(opts.file),
      `--data-dir=${staging}`,
      `--name=${opts.name}`,
      `--initial-cluster=${opts.initialCluster}`,
      `--initial-advertise-peer-urls=${opts.initialAdvertisePeerUrls}`,
      `--initial-cluster-token=${opts.initialClusterToken}`,
    ]);
    if (existing) await rmdir(dataDir);
    await rename(staging, dataDir);
  } catch (err) {
    throw new CliError(`restoring ${opts.file} failed, nothing was written to ${dataDir}: ${(err as Error).message}`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { dataDir, status };
}

/** The etcd command that starts the restored member. */
export function startCommand(opts: RestoreOptions, dataDir: string): string {
  const peers = opts.initialAdvertisePeerUrls;
  return [
    "etcd",
    `--name ${opts.name}`,
    `--data-dir ${dataDir}`,
    `--listen-peer-urls ${peers}`,
    `--initial-advertise-peer-urls ${peers}`,
    "--listen-client-urls http://127.0.0.1:2379",
    "--advertise-client-urls http://127.0.0.1:2379",
  ].join(" \\\n        ");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
