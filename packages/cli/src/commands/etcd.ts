// bosun etcd snapshot save|restore: the cluster's whole state to a file and back
// (see etcd/snapshot.ts).
import { Option, type Command } from "commander";
import { etcdctlBinary } from "../cluster/binaries.js";
import { Etcdctl, restoreSnapshot, saveSnapshot, startCommand, type RestoreOptions, type SnapshotStatus } from "../etcd/snapshot.js";
import { io } from "../io.js";
import { duration, formatDuration } from "./options.js";

interface SaveFlags {
  etcdServers: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  timeout: number;
}

interface RestoreFlags {
  dataDir: string;
  name: string;
  initialCluster?: string;
  initialAdvertisePeerUrls: string;
  initialClusterToken: string;
}

const defaultTimeoutMs = 5 * 60_000;

export function registerEtcd(program: Command): void {
  const snapshot = program
    .command("etcd")
    .description("operate the cluster's etcd")
    .command("snapshot")
    .description("save the cluster's state (all of etcd) to a file, or restore a new etcd data directory from one");

  snapshot
    .command("save <file>")
    .description("save a snapshot of etcd to FILE (etcdctl's .db format), checked before it is kept")
    .option("--etcd-servers <urls>", "comma-separated etcd client URLs; the first that answers gives the snapshot", "http://127.0.0.1:2379")
    .option("--etcd-cafile <file>", "CA certificate that signed etcd's serving certificate (TLS etcd)")
    .option("--etcd-certfile <file>", "client certificate for etcd (TLS etcd with client authentication)")
    .option("--etcd-keyfile <file>", "key of --etcd-certfile")
    .addOption(new Option("--timeout <duration>", "give up when the transfer takes longer, e.g. 30s or 10m").argParser(duration).default(defaultTimeoutMs, formatDuration(defaultTimeoutMs)))
    .action(async (file: string, o: SaveFlags) => {
      // The master's parser, loaded only here: the master package is large and other commands need none of it.
      const { parseEtcdServers } = await import("@bosun/master");
      const endpoints = parseEtcdServers(o.etcdServers);
      const tls = { caFile: o.etcdCafile, certFile: o.etcdCertfile, keyFile: o.etcdKeyfile };
      const saved = await saveSnapshot(new Etcdctl(etcdctlBinary()), { file, endpoints, tls, timeoutMs: o.timeout });
      io.line(`Snapshot saved to ${saved.file} from ${saved.endpoint}: ${describeStatus(saved.status)}`);
    });

  snapshot
    .command("restore <file>")
    .description("restore a snapshot into a new etcd data directory for one member, and print how to start etcd on it")
    .requiredOption("--data-dir <dir>", "the new member's data directory; it must be missing or empty")
    .option("--name <name>", "the member's name, as etcd's --name", "default")
    .option("--initial-cluster <members>", "every member of the restored cluster, NAME=PEER-URL,... (default: this member alone)")
    .option("--initial-advertise-peer-urls <urls>", "this member's peer URLs", "http://localhost:2380")
    .option("--initial-cluster-token <token>", "the restored cluster's token; the same for every member", "etcd-cluster")
    .action(async (file: string, o: RestoreFlags) => {
      const opts: RestoreOptions = {
        file,
        dataDir: o.dataDir,
        name: o.name,
        initialCluster: o.initialCluster ?? `${o.name}=${o.initialAdvertisePeerUrls}`,
        initialAdvertisePeerUrls: o.initialAdvertisePeerUrls,
        initialClusterToken: o.initialClusterToken,
      };
      const restored = await restoreSnapshot(new Etcdctl(etcdctlBinary()), opts);
      io.line(`Restored ${file} (${describeStatus(restored.status)}) into ${restored.dataDir} as member ${opts.name} of ${opts.initialCluster}.`);
      io.line("");
      io.line("Start etcd on it with this member's client and TLS flags, for example:");
      io.line(`    ${startCommand(opts, restored.dataDir)}`);
      io.line("");
      io.line(
        "Restore every member of the cluster from the same snapshot (each with its own --name and --initial-advertise-peer-urls, " +
          "all with the same --initial-cluster), start them, then start the masters with --etcd-servers naming them.",
      );
    });
}

function describeStatus(s: SnapshotStatus): string {
  return `revision ${s.revision}, ${s.totalKey} keys, ${s.totalSize} bytes, hash ${s.hash}; integrity checked`;
}
