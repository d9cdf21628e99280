// A throwaway etcd for tests: free loopback ports, a temp data dir, removed on stop.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sleep } from "@bosun/client";

export interface TestEtcd {
  endpoint: string;
  /** The etcd process, for tests that freeze it (SIGSTOP) or kill it. */
  pid: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface TestEtcdOptions {
  /**
   * A data directory to start on (a restored snapshot, say), instead of a new
   * temp one; it is removed on stop all the same.
   */
  dataDir?: string;
  /** Serve clients over TLS with these PEM files, and require client certificates signed by caFile. */
  tls?: { caFile: string; certFile: string; keyFile: string };
}

/** How often a start is tried again when a port picked free was taken before etcd bound it. */
const portAttempts = 5;

export async function startTestEtcd(binary = "/usr/bin/etcd", opts: TestEtcdOptions = {}): Promise<TestEtcd> {
  const dir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "bosun-etcd-")));
  for (let attempt = 1; ; attempt++) {
    const started = await launch(binary, opts, dir);
    if (started.ok) return started.etcd;
    // Another process may take a port between freePort() and etcd's bind: pick new ones.
    if (started.portTaken && attempt < portAttempts) continue;
    await rm(dir, { recursive: true, force: true });
    throw new Error(started.message);
  }
}

type Launch = { ok: true; etcd: TestEtcd } | { ok: false; portTaken: boolean; message: string };

async function launch(binary: string, opts: TestEtcdOptions, dir: string): Promise<Launch> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `${opts.tls ? "https" : "http"}://127.0.0.1:${clientPort}`;
  // Over TLS, /health is asked on a plain metrics listener, which answers it too.
  const healthBase = opts.tls ? `http://127.0.0.1:${await freePort()}` : endpoint;
  const tlsFlags = opts.tls
    ? ["--cert-file", opts.tls.certFile, "--key-file", opts.tls.keyFile, "--trusted-ca-file", opts.tls.caFile, "--client-cert-auth", "--listen-metrics-urls", healthBase]
    : [];
  const child: ChildProcess = spawn(
    binary,
    [
      ...tlsFlags,
      "--name", "test",
      "--data-dir", dir,
      "--listen-client-urls", endpoint,
      "--advertise-client-urls", endpoint,
      "--listen-peer-urls", `http://127.0.0.1:${peerPort}`,
      "--initial-advertise-peer-urls", `http://127.0.0.1:${peerPort}`,
      "--initial-cluster", `test=http://127.0.0.1:${peerPort}`,
      "--log-level", "error",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const kill = async (): Promise<void> => {
    if (exited) return;
    const gone = new Promise((resolve) => child.once("exit", resolve));
    const timeout = new AbortController();
    child.kill("SIGTERM");
    await Promise.race([gone, sleep(5000, timeout.signal)]);
    timeout.abort();
    if (!exited) child.kill("SIGKILL");
  };
  const stop = async (): Promise<void> => {
    await kill();
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const res = await fetch(`${healthBase}/health`);
      if (res.ok && ((await res.json()) as { health?: string }).health === "true") return { ok: true, etcd: { endpoint, pid: child.pid!, stop } };
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  await kill();
  return {
    ok: false,
    portTaken: /address already in use/.test(stderr),
    message: `etcd at ${endpoint} did not become healthy within 15s; its last output:\n${stderr}`,
  };
}
