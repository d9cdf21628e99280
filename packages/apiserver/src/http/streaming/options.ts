// The query of pods/{name}/exec, /attach and /portforward, checked against the pod
// before anything starts, with the messages the Kubernetes apiserver gives.
import { badRequest, type Pod } from "@bosun/api";
import { StatusError } from "../../errors.js";
import type { PodExecRequest } from "./source.js";

export type Query = URLSearchParams;

function flag(query: Query, name: string): boolean {
  const v = query.get(name);
  return v === "true" || v === "1";
}

function podName(pod: Pod): string {
  return pod.metadata.name ?? "";
}

/** A pod that can run processes: on a node and not finished. */
export function checkPodRunning(pod: Pod): void {
  if (!pod.spec.nodeName) {
    throw new StatusError(badRequest(`pod ${podName(pod)} does not have a host assigned; wait until it is scheduled and running`));
  }
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") {
    throw new StatusError(badRequest(`cannot exec into or attach to a container in a completed pod; current phase is ${phase}`));
  }
}

function containerOf(pod: Pod, query: Query): string {
  const names = pod.spec.containers.map((c) => c.name);
  // An init or ephemeral container may be named too (a sidecar's exec, kubectl debug's attach), though never picked by default.
  const allNames = [...names, ...[...(pod.spec.initContainers ?? []), ...(pod.spec.ephemeralContainers ?? [])].map((c) => c.name)];
  const container = query.get("container") ?? "";
  if (!container) {
    if (names.length !== 1) {
      throw new StatusError(badRequest(`a container name must be specified for pod ${podName(pod)}, choose one of: [${names.join(" ")}]`));
    }
    return names[0] ?? "";
  }
  if (!allNames.includes(container)) {
    throw new StatusError(badRequest(`container ${container} is not valid for pod ${podName(pod)}, choose one of: [${allNames.join(" ")}]`));
  }
  return container;
}

export function execRequest(pod: Pod, query: Query, attach: boolean): PodExecRequest {
  checkPodRunning(pod);
  const req: PodExecRequest = {
    container: containerOf(pod, query),
    command: attach ? [] : query.getAll("command"),
    attach,
    stdin: flag(query, "stdin"),
    stdout: flag(query, "stdout"),
    stderr: flag(query, "stderr"),
    tty: flag(query, "tty"),
  };
  if (!attach && req.command.length === 0) {
    throw new StatusError(badRequest("you must specify at least one command for the container (the command query parameter)"));
  }
  if (!req.stdin && !req.stdout && !req.stderr) {
    throw new StatusError(badRequest("you must specify at least 1 of stdin, stdout, stderr"));
  }
  // A terminal has one output stream: stderr goes where stdout goes.
  if (req.tty) req.stderr = false;
  return req;
}

export function parsePort(text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StatusError(badRequest(`port "${text}" must be a number between 1 and 65535`));
  }
  return port;
}
