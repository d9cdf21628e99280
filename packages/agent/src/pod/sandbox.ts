// A pod's sandbox: the infra container that owns the pod's network namespace (and
// so its IP), which app containers join. The hooks prepare what it needs first and
// may hold it back; a dead sandbox is replaced together with the containers joined
// to it, as the kubelet does.
import type { Pod } from "@bosun/api";
import { createLogger } from "@bosun/client";
import type { ContainerRuntime, ContainerSummary } from "../runtime/runtime.js";
import { LABEL_POD_IP, restartCountOf, sandboxIP } from "../labels.js";
import { graceSeconds } from "./grace.js";
import type { PodContext } from "./context.js";
import { infraContainerSpec } from "./container-config.js";
import type { HookWait } from "./hooks/hook.js";
import { podIdentity, podKey } from "./identity.js";
import { killContainer } from "./kill-container.js";

const log = createLogger("agent/pod-sandbox");

export type SandboxStart =
  /** Created; `started` settles when it runs (or fails to). */
  | { infra: ContainerSummary; started: Promise<void> }
  /** Held back (a hook waits, or the infra image is missing); nothing was changed. */
  | undefined;

export class Sandbox {
  /** The last wait reported in the pod's events, so that a long wait is told once. */
  private lastWait = "";

  constructor(private readonly ctx: PodContext) {}

  /**
   * Creates a new infra container and starts it without waiting, replacing a dead one
   * and stopping the containers joined to it (their IDs go into `killed`).
   */
  async start(pod: Pod, dead: ContainerSummary | undefined, byName: Map<string, ContainerSummary[]>, killed: Set<string>): Promise<SandboxStart> {
    const { ctx } = this;
    const { runtime, infraImage, nodeName, hooks } = ctx.deps;
    const id = podIdentity(pod);
    // Everything that can hold the sandbox back is asked first, so that a pod that
    // cannot get a new sandbox keeps what it has.
    for (const hook of hooks) {
      const wait = await hook.prepare?.(pod);
      if (wait) {
        this.tellWait(pod, wait);
        return undefined;
      }
    }
    if (!(await runtime.imageId(infraImage))) {
      try {
        await runtime.pullImage(infraImage);
      } catch (err) {
        ctx.event(id, "Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: infra image ${infraImage} is missing and could not be pulled (${(err as Error).message}); build it with scripts/build-images.sh`);
        ctx.wakeIn(10_000);
        return undefined;
      }
    }
    this.lastWait = "";
    if (dead) {
      log.info({ pod: podKey(id) }, "the pod's infra container is not running; recreating the pod's sandbox");
      for (const spec of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
        for (const c of byName.get(spec.name) ?? []) {
          if (c.state !== "running") continue;
          ctx.event(id, "Normal", "Killing", `Stopping container ${spec.name}: its pod sandbox changed`, spec.name);
          await killContainer(ctx, { pod, spec, containerId: c.id, graceSeconds: graceSeconds(pod) });
          c.state = "exited";
          killed.add(c.id);
        }
      }
      await runtime.removeContainer(dead.id);
    }
    const restartCount = dead ? restartCountOf(dead.labels) + 1 : 0;
    const spec = infraContainerSpec(nodeName, pod, infraImage, restartCount);
    for (const hook of hooks) hook.sandboxSpec?.(pod, spec);
    const cid = await runtime.createContainer(spec);
    // Awaited by the app containers' starts; a failure surfaces there and in the next sync.
    const started = this.startAndSetUp(pod, cid);
    started.catch((err: unknown) => log.warn({ pod: podKey(id), err: String(err) }, "the pod's infra container failed to start"));
    return { infra: { id: cid, labels: spec.labels, state: "running", created: Math.floor(ctx.now() / 1000) }, started };
  }

  /** Starts the sandbox and lets the hooks set it up; a sandbox they could not set up is stopped, to be replaced. */
  private async startAndSetUp(pod: Pod, cid: string): Promise<void> {
    const { runtime, hooks } = this.ctx.deps;
    await runtime.startContainer(cid);
    try {
      for (const hook of hooks) await hook.sandboxStarted?.(pod, cid);
    } catch (err) {
      this.ctx.event(podIdentity(pod), "Warning", "FailedCreatePodSandBox", `Failed to set up the pod sandbox: ${(err as Error).message}; it is replaced`);
      await runtime.killContainer(cid).catch(() => undefined);
      this.ctx.trigger();
      throw err;
    }
  }

  private tellWait(pod: Pod, wait: HookWait): void {
    const key = `${wait.reason}\n${wait.message}`;
    if (key !== this.lastWait) {
      this.lastWait = key;
      this.ctx.event(podIdentity(pod), "Warning", wait.reason, wait.message);
      log.info({ pod: podKey(podIdentity(pod)), reason: wait.reason }, wait.message);
    }
    this.ctx.wakeIn(wait.retryAfterMs);
  }
}

/**
 * The sandbox's addresses, looked up once and only when asked: the pod network's
 * address on its label, else the one Docker gave it on its bridge, known once it runs.
 */
export function sandboxAddresses(runtime: ContainerRuntime, infra: ContainerSummary, started: Promise<void>): () => Promise<string[]> {
  let ips: Promise<string[]> | undefined;
  const lookUp = async (): Promise<string[]> => {
    const labelled = infra.labels[LABEL_POD_IP];
    if (labelled) return [labelled];
    await started.catch(() => undefined);
    const details = await runtime.inspectContainer(infra.id);
    const ip = details ? sandboxIP(details) : "";
    return ip ? [ip] : [];
  };
  return () => (ips ??= lookUp());
}
