// The real kubectl builds shipped on this machine, each with its own HOME (so its
// discovery and OpenAPI caches stay its own) and the kubeconfig `bosun kubeconfig`
// prints for the test cluster, the file a user of `bosun up` points kubectl at.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Cluster } from "./cluster.js";
import { CommandStream, exec, expectSuccess, formatResult, type ExecResult } from "./exec.js";

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
  stream(args: readonly string[]): CommandStream {
    const child = spawn(this.binary, args, { env: this.env(), stdio: ["ignore", "pipe", "pipe"] });
    return new CommandStream(`${this.label} ${args.join(" ")}`, child);
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
