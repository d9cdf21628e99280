// Runs a container's postStart or preStop hook, after the kubelet's lifecycle
// handler runner (pkg/kubelet/lifecycle/handlers.go), with the probes' exec and
// httpGet runners: one way to run a command in a container or to GET a container's
// port. Exec hooks share the node's ExecRunner with the probes: they wait for a slot
// ahead of the probes, stop waiting when `signal` aborts (a preStop hook's grace
// period is over), and are killed when they outlive their time. As the kubelet: an
// exec hook fails on a non-zero exit; an httpGet hook only when no response comes
// (its status code is not judged); a sleep hook waits, cut short when the hook's
// time is up.
import type { Container, LifecycleHandler, Pod } from "@bosun/api";
import { sleep } from "@bosun/client";
import type { ExecRunner } from "../exec/exec-runner.js";
import { execProbe } from "../probe/exec.js";
import { httpGet, probeURL } from "../probe/http.js";
import { resolvePort } from "../probe/prober.js";
import { formatPod, podIdentity } from "./identity.js";

/** The User-Agent of HTTP hooks, the kubelet's, with the Kubernetes minor Bosun serves. */
export const LIFECYCLE_USER_AGENT = "kube-lifecycle/1.33";

/** setTimeout's longest delay: a postStart hook has no deadline of its own, as in the kubelet. */
export const NO_DEADLINE_MS = 2 ** 31 - 1;

export interface HookTarget {
  pod: Pod;
  container: Container;
  containerId: string;
  /** The pod IP, for httpGet hooks without a host; empty while the pod has none. */
  podIP: string;
}

/** What a hook run tells: nothing when it succeeded, else the kubelet's message. */
export type HookResult = { ok: true } | { ok: false; message: string };

/**
 * Runs one hook handler against the container, for at most `timeoutMs`; `signal`
 * ends a sleep early and stops an exec hook's wait for its turn (the pod is going
 * away, or the grace period is over). Never throws: a hook that cannot run
 * is a failed hook.
 */
export async function runLifecycleHandler(
  execs: ExecRunner,
  handler: LifecycleHandler,
  target: HookTarget,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<HookResult> {
  const { pod, container } = target;
  const who = `for Container ${JSON.stringify(container.name)} in Pod ${JSON.stringify(formatPod(podIdentity(pod)))}`;
  if (handler.exec) {
    const command = handler.exec.command ?? [];
    try {
      const out = await execProbe(execs, target.containerId, command, timeoutMs, { signal, urgent: true });
      if (out.result === "success") return { ok: true };
      return { ok: false, message: `Exec lifecycle hook ([${command.join(" ")}]) ${who} failed - error: command failed, message: ${JSON.stringify(out.output)}` };
    } catch (err) {
      return { ok: false, message: `Exec lifecycle hook ([${command.join(" ")}]) ${who} failed - error: ${(err as Error).message}, message: ""` };
    }
  }
  if (handler.httpGet) {
    const g = handler.httpGet;
    try {
      const host = g.host || target.podIP;
      if (!host) throw new Error("the pod has no IP address yet");
      const url = probeURL(g.scheme ?? "HTTP", host, resolvePort(g.port, container), g.path);
      const headers = g.httpHeaders ?? [];
      const ua = headers.some((h) => h.name.toLowerCase() === "user-agent") ? [] : [{ name: "User-Agent", value: LIFECYCLE_USER_AGENT }];
      const got = await httpGet({ url, headers: [...headers, ...ua], timeoutMs });
      if ("response" in got) return { ok: true };
      throw new Error(got.error);
    } catch (err) {
      return { ok: false, message: `HTTP lifecycle hook (${g.path ?? ""}) ${who} failed - error: ${(err as Error).message}` };
    }
  }
  if (handler.sleep) {
    await sleep(Math.min(handler.sleep.seconds * 1000, timeoutMs), signal);
    return { ok: true };
  }
  return { ok: false, message: `Cannot run handler: invalid handler: the hook has none of exec, httpGet or sleep` };
}
