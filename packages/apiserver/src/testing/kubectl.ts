// Real kubectl against a test apiserver, as the test PKI's admin, with nothing from
// the user's home: no kubeconfig (KUBECONFIG names a file that does not exist) and a discovery cache in
// the test's own directory.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { startedTestPki } from "./pki.js";

const execFileAsync = promisify(execFile);

export interface KubectlTarget {
  /** The apiserver's URL. */
  server: string;
  /** A temp directory the test owns; the cache goes below it. */
  dir: string;
  /** A kubectl minor version such as "1.27"; without it /usr/bin/kubectl picks one by the server's /version. */
  version?: string;
  /** The cache directory's name inside `dir`; separate caches keep versions from reading each other's discovery. */
  cache?: string;
}

/** The binary, arguments and environment that run kubectl with `args` against the target. */
export function kubectlCommand(target: KubectlTarget, args: string[]): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  const pki = startedTestPki();
  return {
    file: target.version ? `/usr/lib/google-cloud-sdk/bin/kubectl.${target.version}` : "/usr/bin/kubectl",
    args: [
      "--server", target.server,
      "--certificate-authority", pki.files.ca,
      "--client-certificate", pki.files.cert,
      "--client-key", pki.files.key,
      "--cache-dir", join(target.dir, target.cache ?? "cache"),
      ...args,
    ],
    env: { ...process.env, KUBECONFIG: join(target.dir, "none") },
  };
}

/** Runs kubectl to completion; rejects (with stdout and stderr on the error) when it exits non-zero. */
export async function runKubectl(target: KubectlTarget, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const cmd = kubectlCommand(target, args);
  return execFileAsync(cmd.file, cmd.args, { env: cmd.env });
}
