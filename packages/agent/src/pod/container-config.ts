// How a pod spec becomes Docker containers: pure functions, so the mapping is tested
// without a Docker engine.
import { createHash } from "node:crypto";
import { canonicalJson, cpuToMillis, defaultPullPolicy, memoryToBytes, type Container, type Pod, type PullPolicy } from "@bosun/api";
import type { ContainerCreateSpec } from "../runtime/runtime.js";
import type { ContainerEnvironment } from "./env/environment.js";
import { containerLabels, dockerContainerName, INFRA_CONTAINER_NAME, LABEL_TERMINATION_GRACE } from "../labels.js";
import { podIdentity } from "./identity.js";

/** Hashes by spec object: every sync of every pod asks, and the pods the master sends are never changed in place. */
const specHashes = new WeakMap<Container, string>();

/**
 * The hash of a container's spec. A running container whose hash differs from the
 * desired spec's is replaced, as the kubelet does; key order does not matter.
 */
export function specHash(container: Container): string {
  let hash = specHashes.get(container);
  if (hash === undefined) {
    hash = createHash("sha256").update(canonicalJson(container)).digest("hex").slice(0, 16);
    specHashes.set(container, hash);
  }
  return hash;
}

/** The pod's policy; the apiserver defaults it, but a pod from an old master may lack it. */
export function pullPolicyOf(container: Container): PullPolicy {
  return container.imagePullPolicy ?? defaultPullPolicy(container.image);
}

export function infraContainerSpec(
  nodeName: string,
  pod: Pod,
  infraImage: string,
  restartCount: number,
): ContainerCreateSpec {
  const id = podIdentity(pod);
  return {
    name: dockerContainerName(nodeName, id, INFRA_CONTAINER_NAME, restartCount),
    image: infraImage,
    labels: containerLabels(nodeName, id, INFRA_CONTAINER_NAME, infraHash(infraImage), restartCount),
    env: [],
    // Docker gives the containers joined to this one its hostname too.
    hostname: podHostname(pod),
    networkMode: "bridge",
  };
}

/**
 * The pod's hostname as the kubelet sets it: spec.hostname (StatefulSet pods set it),
 * else the pod name, cut to 63 characters without a trailing "-" or ".".
 */
export function podHostname(pod: Pod): string {
  if (pod.spec.hostname) return pod.spec.hostname;
  const name = pod.metadata.name ?? "";
  return name.length <= 63 ? name : name.slice(0, 63).replace(/[-.]+$/, "");
}

export function infraHash(infraImage: string): string {
  return createHash("sha256").update(infraImage).digest("hex").slice(0, 16);
}

/** `environment` is the container's resolved env and its expanded command and args (env/environment.ts). */
export function appContainerSpec(
  nodeName: string,
  pod: Pod,
  container: Container,
  infraContainerId: string,
  restartCount: number,
  environment: Pick<ContainerEnvironment, "env" | "command" | "args">,
): ContainerCreateSpec {
  const id = podIdentity(pod);
  const limits = container.resources?.limits ?? {};
  const cpu = limits.cpu;
  const memory = limits.memory;
  return {
    name: dockerContainerName(nodeName, id, container.name, restartCount),
    image: container.image,
    labels: {
      ...containerLabels(nodeName, id, container.name, specHash(container), restartCount),
      ...(pod.spec.terminationGracePeriodSeconds !== undefined
        ? { [LABEL_TERMINATION_GRACE]: String(pod.spec.terminationGracePeriodSeconds) }
        : {}),
    },
    env: environment.env,
    // Kubernetes semantics: command replaces ENTRYPOINT, args replace CMD.
    entrypoint: environment.command,
    cmd: environment.args,
    workingDir: container.workingDir,
    networkMode: `container:${infraContainerId}`,
    nanoCpus: cpu === undefined ? undefined : cpuToMillis(cpu) * 1_000_000,
    memoryBytes: memory === undefined ? undefined : memoryToBytes(memory),
    ...interactiveOptions(container),
  };
}

/** stdin, stdinOnce and tty as Docker takes them (dockershim's mapping: OpenStdin, StdinOnce, Tty). */
export function interactiveOptions(container: Pick<Container, "stdin" | "stdinOnce" | "tty">): Pick<ContainerCreateSpec, "openStdin" | "stdinOnce" | "tty"> {
  return {
    ...(container.stdin === true ? { openStdin: true } : {}),
    // Docker's StdinOnce means nothing without an open stdin, as in Kubernetes.
    ...(container.stdin === true && container.stdinOnce === true ? { stdinOnce: true } : {}),
    ...(container.tty === true ? { tty: true } : {}),
  };
}
