// Runs one probe of one container with the right handler, after the kubelet's
// prober.runProbe: httpGet and tcpSocket go to the pod IP (or the probe's host) and a
// numbered or named container port; exec runs in the container itself.
import type { Container, IntOrString, Probe } from "@bosun/api";
import type { ExecRunner } from "../exec/exec-runner.js";
import { execProbe, type ExecTurn } from "./exec.js";
import { httpProbe, probeURL } from "./http.js";
import { tcpProbe } from "./tcp.js";
import type { ProbeOutcome } from "./outcome.js";

/** The probe settings with Kubernetes' defaults filled in. */
export interface ProbeTiming {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

/** Kubernetes' defaults; 0 means unset for the fields whose minimum is 1. */
export function probeTiming(p: Probe): ProbeTiming {
  const atLeastOne = (v: number | undefined, dflt: number) => (v && v > 0 ? v : dflt);
  return {
    initialDelaySeconds: Math.max(0, p.initialDelaySeconds ?? 0),
    periodSeconds: atLeastOne(p.periodSeconds, 10),
    timeoutSeconds: atLeastOne(p.timeoutSeconds, 1),
    successThreshold: atLeastOne(p.successThreshold, 1),
    failureThreshold: atLeastOne(p.failureThreshold, 3),
  };
}

/** A probe port: a number, or the name of one of the container's ports (or a number in a string). */
export function resolvePort(port: IntOrString, container: Container): number {
  let n: number;
  if (typeof port === "number") n = port;
  else {
    const named = container.ports?.find((p) => p.name === port);
    n = named ? named.containerPort : /^\d+$/.test(port) ? Number(port) : NaN;
    if (Number.isNaN(n)) {
      throw new Error(
        `port ${JSON.stringify(port)} is not a number and container ${container.name} has no port of that name; name it in ports[] or use the port number`,
      );
    }
  }
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`invalid port number: ${n}; use 1-65535`);
  return n;
}

export interface ProbeTarget {
  container: Container;
  containerId: string;
  /** The pod IP; empty while the pod has none. */
  podIP: string;
}

function hostOf(explicit: string | undefined, target: ProbeTarget): string {
  if (explicit) return explicit;
  if (!target.podIP) throw new Error("the pod has no IP address yet; the probe runs again at its next period");
  return target.podIP;
}

/**
 * Runs the probe once; throws when it could not be run at all (an unknown result).
 * `turn.onStart` is called when the probe really starts: an exec may wait its turn first.
 */
export async function runProbe(execs: ExecRunner, probe: Probe, target: ProbeTarget, timeoutMs: number, turn: ExecTurn = {}): Promise<ProbeOutcome> {
  if (probe.exec) return execProbe(execs, target.containerId, probe.exec.command, timeoutMs, turn);
  turn.onStart?.();
  if (probe.httpGet) {
    const g = probe.httpGet;
    const url = probeURL(g.scheme ?? "HTTP", hostOf(g.host, target), resolvePort(g.port, target.container), g.path);
    return httpProbe({ url, headers: g.httpHeaders ?? [], timeoutMs });
  }
  if (probe.tcpSocket) {
    const t = probe.tcpSocket;
    return tcpProbe(hostOf(t.host, target), resolvePort(t.port, target.container), timeoutMs);
  }
  throw new Error("the probe has no handler; set one of exec, httpGet or tcpSocket");
}
