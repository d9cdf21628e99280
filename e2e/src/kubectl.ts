// The real kubectl builds shipped on this machine, each with its own HOME (so its
// discovery and OpenAPI caches stay its own) and the kubeconfig `bosun kubeconfig`
// prints for the test cluster, the file a user of `bosun up` points kubectl at.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "@bosun/client";
import type { Cluster } from "./cluster.js";
import { exec, expectSuccess, formatResult, type ExecResult } from "./exec.js";

/** The newest and the oldest kubectl the issue asks for; every kubectl scenario runs with both. */
export const KUBECTL_VERSIONS = ["1.33", "1.27"] as const;
export type KubectlVersion = (typeof KUBECTL_VERSIONS)[number];

const kubectlDir = "/usr/lib/google-cloud-sdk/bin";

// Variables of the user's shell that would change what kubectl does under test.
const inheritedKubectlVariables = /^(KUBECONFIG|KUBE_EDITOR|EDITOR|KUBECTL_.*|HTTPS?_PROXY|NO_PROXY)$/i;

export interface KubectlRunOptions {
  input?: string;
  /** Added to kubectl's environment (EDITOR for `edit`, for example). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export class Kubectl {
  constructor(
    readonly version: KubectlVersion,
    readonly binary: string,
    /** HOME of this kubectl: its caches live in .kube/cache there. */
    readonly home: string,
    readonly kubeconfig: string,
  ) {}

  /** "kubectl 1.33": how failure messages name this build. */
  get label(): string {
    return `kubectl ${this.version}`;
  }

  /** A name suffix unique to this version, so both versions' objects coexist in one cluster. */
  get suffix(): string {
    return this.version.replace(".", "");
  }

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!inheritedKubectlVariables.test(k)) env[k] = v;
    return { ...env, HOME: this.home, KUBECONFIG: this.kubeconfig, ...extra };
  }

  /** Runs kubectl to completion; a non-zero exit is part of the result, not an error. */
  run(args: readonly string[], opts: KubectlRunOptions = {}): Promise<ExecResult> {
    return exec(this.binary, args, { input: opts.input, env: this.env(opts.env), timeoutMs: opts.timeoutMs ?? 90_000 });
  }

  /** Runs kubectl and answers its stdout; fails with the whole output unless it exited 0. */
  async ok(args: readonly string[], opts: KubectlRunOptions = {}): Promise<string> {
    return expectSuccess(`${this.label} ${args.join(" ")}`, await this.run(args, opts)).stdout;
  }

  /** Runs kubectl and fails, with its output, unless it exits with `code`. */
  async expectExit(code: number, args: readonly string[], opts: KubectlRunOptions = {}): Promise<ExecResult> {
    const r = await this.run(args, opts);
    if (r.code !== code) throw new Error(`expected exit code ${code}; ${formatResult(`${this.label} ${args.join(" ")}`, r)}`);
    return r;
  }

  /** Starts a kubectl that keeps running (`get -w`, `logs -f`): read its output as it comes, then stop it. */
  stream(args: readonly string[]): KubectlStream {
    const child = spawn(this.binary, args, { env: this.env(), stdio: ["ignore", "pipe", "pipe"] });
    return new KubectlStream(`${this.label} ${args.join(" ")}`, child);
  }

  /**
   * Writes an executable EDITOR for `kubectl edit`: a shell script that runs `sed`
   * with the given expressions on the file kubectl hands it.
   */
  editorScript(name: string, sedExpressions: readonly string[]): string {
    const path = join(this.home, `${name}.sh`);
    const quoted = sedExpressions.map((e) => `-e '${e.replace(/'/g, `'\\''`)}'`).join(" ");
    writeFileSync(path, `#!/bin/sh\nset -e\nsed -i ${quoted} "$1"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /** Writes a manifest into this kubectl's home and answers its path, for `-f FILE`. */
  manifestFile(name: string, content: string): string {
    const path = join(this.home, name);
    writeFileSync(path, content);
    return path;
  }
}

export class KubectlStream {
  private out = "";
  private err = "";
  private exit: ExecResult | undefined;
  private readonly done: Promise<ExecResult>;

  constructor(
    readonly what: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout!.on("data", (b: Buffer) => (this.out += b.toString("utf8")));
    child.stderr!.on("data", (b: Buffer) => (this.err += b.toString("utf8")));
    this.done = new Promise((resolve, reject) => {
      child.once("error", (e) => reject(new Error(`cannot run ${what}: ${e.message}`)));
      child.once("close", (code, signal) => {
        this.exit = { code: code ?? (signal ? 128 : 1), stdout: this.out, stderr: this.err };
        resolve(this.exit);
      });
    });
  }

  /**
   * Waits until `ok(stdout)` holds; fails at once (with the output) if kubectl exits
   * before, and after timeoutMs otherwise.
   */
  async waitForOutput(ok: (stdout: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (ok(this.out)) return this.out;
      // An exit is final: say so at once rather than poll out the timeout.
      if (this.exit) throw new Error(`${this.what} exited before it printed ${what}\n${formatResult(this.what, this.exit)}`);
      if (Date.now() >= deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${this.what} to print ${what}\n--- stdout ---\n${this.out}\n--- stderr ---\n${this.err}`);
      }
      await sleep(100);
    }
  }

  /** Stops kubectl (SIGTERM) and answers everything it printed. */
  async stop(): Promise<ExecResult> {
    if (!this.exit) this.child.kill("SIGTERM");
    return this.done;
  }
}

/**
 * A kubectl of the given version configured as a user of `bosun up` would be: the
 * kubeconfig is what `bosun kubeconfig` prints for the cluster's server.
 */
export async function kubectlFor(cluster: Cluster, version: KubectlVersion): Promise<Kubectl> {
  const home = join(cluster.logDir, `kubectl-${version}`);
  mkdirSync(home, { recursive: true });
  const printed = expectSuccess("bosun kubeconfig", await cluster.bosun(["kubeconfig"])).stdout;
  const kubeconfig = join(home, "kubeconfig");
  writeFileSync(kubeconfig, printed);
  return new Kubectl(version, `${kubectlDir}/kubectl.${version}`, home, kubeconfig);
}

/**
 * One kubectl per version for a suite, made on first use (the cluster starts in the
 * suite's before hook, after the tests are declared).
 */
export function useKubectls(cluster: () => Cluster): (version: KubectlVersion) => Promise<Kubectl> {
  const made = new Map<KubectlVersion, Promise<Kubectl>>();
  return (version) => {
    let k = made.get(version);
    if (!k) {
      k = kubectlFor(cluster(), version);
      made.set(version, k);
    }
    return k;
  };
}
