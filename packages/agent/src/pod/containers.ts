// One spec container of a pod (an app container, or an init container when its turn
// came) brought to its desired state inside a running sandbox: kept, replaced when
// its spec changed, killed when a probe failed, restarted per its restart policy with
// the kubelet's crash-loop back-off; its postStart hook run once it started.
import type { Container, Pod, RestartPolicy } from "@bosun/api";
import { createLogger } from "@bosun/client";
import type { ContainerCreateSpec, ContainerDetails, ContainerSummary } from "../runtime/runtime.js";
import { LABEL_SPEC_HASH, restartCountOf } from "../labels.js";
import { crashLoopMessage } from "./backoff.js";
import { appContainerSpec, specHash } from "./container-config.js";
import { RETRY_AFTER_ERROR_MS, timeOf, type PodContext } from "./context.js";
import { makeEnvironment, type ContainerEnvironment } from "./env/environment.js";
import { DEFAULT_GRACE_SECONDS, graceSeconds } from "./grace.js";
import { formatPod, podIdentity, podKey } from "./identity.js";
import { killContainer } from "./kill-container.js";
import { NO_DEADLINE_MS, runLifecycleHandler } from "./lifecycle-hooks.js";
import type { ImagePuller } from "./images.js";
import { effectiveExitCode, isExited, willRestart, type Waiting } from "./status.js";

const log = createLogger("agent/pod-containers");

export interface ContainerSyncInput {
  pod: Pod;
  spec: Container;
  /** The restart policy that applies to this container (backoff.ts restartPolicyOf). */
  policy: RestartPolicy;
  /** The container's instances, newest first. */
  instances: ContainerSummary[];
  detailOf: (c: ContainerSummary | undefined) => ContainerDetails | undefined;
  infraId: string;
  /** Whether an exited instance must run again at once, without back-off (its sandbox was replaced). */
  restartNow: (c: ContainerSummary, exitCode: number) => boolean;
  /** Settles once the infra container runs; a container starts only after it. */
  infraStarted: Promise<void>;
  /** The sandbox's addresses, for environment variables that name them. */
  podIPs: () => Promise<string[]>;
  /** Settings of this container's own that go over the pod's (an ephemeral container's target PID namespace), applied last. */
  finishSpec?: (create: ContainerCreateSpec) => void;
}

export class ContainerSync {
  /** Container IDs whose crash-loop back-off was already told in an event. */
  private readonly backoffEventSent = new Set<string>();
  /** How many containers this worker started: a start that the next init container waits for asks for another sync. */
  starts = 0;

  constructor(
    private readonly ctx: PodContext,
    private readonly images: ImagePuller,
  ) {}

  /** Brings one spec container to its desired state; returns why it waits, if it does. */
  async sync(input: ContainerSyncInput): Promise<Waiting | undefined> {
    const { ctx } = this;
    const { pod, spec, policy, instances, detailOf, infraId, restartNow, infraStarted } = input;
    const { runtime } = ctx.deps;
    const id = podIdentity(pod);
    const key = `${ctx.uid}/${spec.name}`;
    const hash = specHash(spec);
    const current = instances[0];
    let cur = detailOf(current);
    // Keep the newest instance and the one before it (for lastState and logs --previous).
    for (const old of instances.slice(2)) await runtime.removeContainer(old.id);

    const hashChanged = current !== undefined && current.labels[LABEL_SPEC_HASH] !== hash;
    if (current && current.state === "running" && !hashChanged) {
      const failed = ctx.deps.probes.health(spec, current.id).failed;
      if (!failed) return undefined;
      await this.killUnhealthy(pod, spec, policy, current.id, failed);
      cur = await runtime.inspectContainer(current.id);
      if (cur) ctx.inspectCache.set(current.id, cur);
      current.state = cur?.state ?? "exited";
    }
    if (current && current.state === "running" && hashChanged) {
      ctx.event(id, "Normal", "Killing", `Container ${spec.name} definition changed, will be restarted`, spec.name);
      await killContainer(ctx, { pod, spec, containerId: current.id, graceSeconds: graceSeconds(pod) });
    }

    let restartCount = 0;
    if (current) {
      if (current.state === "created" && cur && !isExited(cur)) {
        // Created but never started (the agent stopped in between): start it now.
        return this.startCreated(pod, spec, current.id, infraStarted, input.podIPs);
      }
      const exitCode = cur ? effectiveExitCode(cur) : 0;
      // A new spec or a new sandbox restarts the container at once, without back-off.
      const forced = hashChanged || restartNow(current, exitCode);
      if (!forced && !willRestart(policy, { killedByProbe: ctx.probeKilled.has(current.id) }, exitCode)) return undefined;
      if (!forced) {
        const finishedAt = timeOf(cur?.finishedAt, ctx.now());
        const remaining = ctx.deps.backoff.remaining(key, finishedAt);
        if (remaining > 0) {
          const message = crashLoopMessage(ctx.deps.backoff.delay(key), spec.name, id);
          if (!this.backoffEventSent.has(current.id)) {
            this.backoffEventSent.add(current.id);
            ctx.event(id, "Warning", "BackOff", `Back-off restarting failed container ${spec.name} in pod ${formatPod(id)}`, spec.name);
          }
          ctx.wakeIn(remaining);
          return { reason: "CrashLoopBackOff", message };
        }
        ctx.deps.backoff.next(key, finishedAt);
      }
      restartCount = restartCountOf(current.labels) + 1;
    }

    const imageWait = await this.images.ensure(pod, spec);
    if (imageWait) return imageWait;

    // As the kubelet, the environment is made after the image is there and before anything is removed.
    let environment: ContainerEnvironment;
    try {
      environment = await makeEnvironment({
        pod,
        container: spec,
        objects: ctx.deps.envObjects,
        services: ctx.deps.services,
        nodeAllocatable: ctx.deps.nodeAllocatable?.() ?? {},
        hostIPs: [ctx.deps.hostIP()],
        podIPs: input.podIPs,
      });
    } catch (err) {
      return this.failedToCreate(pod, spec, "CreateContainerConfigError", err);
    }
    for (const w of environment.warnings) ctx.event(id, "Warning", w.reason, w.message);
    const create = appContainerSpec(ctx.deps.nodeName, pod, spec, infraId, restartCount, environment);
    try {
      // What the hooks add (the volumes' mounts) may fail as the environment may.
      for (const hook of ctx.deps.hooks) await hook.containerSpec?.(pod, spec, create, environment);
      input.finishSpec?.(create);
    } catch (err) {
      return this.failedToCreate(pod, spec, "CreateContainerConfigError", err);
    }

    // The instance before `current` is no longer needed once a new one exists.
    for (const old of instances.slice(1)) await runtime.removeContainer(old.id);
    let cid: string;
    try {
      cid = await runtime.createContainer(create);
    } catch (err) {
      return this.failedToCreate(pod, spec, "CreateContainerError", err);
    }
    if (current) ctx.probeKilled.delete(current.id);
    ctx.event(id, "Normal", "Created", `Created container ${spec.name}`, spec.name);
    return this.startCreated(pod, spec, cid, infraStarted, input.podIPs);
  }

  /** The container could not be made: told in an event, and tried again at a later sync. */
  private failedToCreate(pod: Pod, spec: Container, reason: string, err: unknown): Waiting {
    const message = (err as Error).message;
    this.ctx.event(podIdentity(pod), "Warning", "Failed", `Error: ${message}`, spec.name);
    this.ctx.wakeIn(RETRY_AFTER_ERROR_MS * 5);
    return { reason, message };
  }

  private async startCreated(pod: Pod, spec: Container, cid: string, infraStarted: Promise<void>, podIPs: () => Promise<string[]>): Promise<Waiting | undefined> {
    const id = podIdentity(pod);
    try {
      await infraStarted;
      await this.ctx.deps.runtime.startContainer(cid);
    } catch (err) {
      const message = (err as Error).message;
      this.ctx.event(id, "Warning", "Failed", `Error: ${message}`, spec.name);
      // The failed instance counts as an exit, so the next sync restarts it with back-off.
      this.ctx.trigger();
      return undefined;
    }
    this.starts++;
    this.ctx.event(id, "Normal", "Started", `Started container ${spec.name}`, spec.name);
    await this.runPostStart(pod, spec, cid, podIPs);
    return undefined;
  }

  /**
   * The postStart hook, as the kubelet runs it: the container counts as started only
   * once it returns; a hook that fails is told (without its output, which may hold
   * secrets) and the container is killed, so its restart policy decides what follows.
   */
  private async runPostStart(pod: Pod, spec: Container, cid: string, podIPs: () => Promise<string[]>): Promise<void> {
    const hook = spec.lifecycle?.postStart;
    if (!hook) return;
    const { ctx } = this;
    const id = podIdentity(pod);
    const target = { pod, container: spec, containerId: cid, podIP: ctx.podIP || ((await podIPs())[0] ?? "") };
    const result = await runLifecycleHandler(ctx.deps.execs, hook, target, NO_DEADLINE_MS);
    if (result.ok) return;
    log.warn({ pod: podKey(id), container: spec.name, message: result.message }, "the postStart hook failed; killing the container");
    ctx.event(id, "Warning", "FailedPostStartHook", "PostStartHook failed", spec.name);
    await killContainer(ctx, { pod, spec, containerId: cid, graceSeconds: graceSeconds(pod) });
    ctx.trigger();
  }

  /** Stops a container whose liveness or startup probe failed, as the kubelet does, so that the restart logic runs it again. */
  private async killUnhealthy(pod: Pod, spec: Container, policy: RestartPolicy, containerId: string, failed: "liveness" | "startup"): Promise<void> {
    const probe = failed === "liveness" ? spec.livenessProbe : spec.startupProbe;
    const restart = policy !== "Never";
    this.ctx.event(
      podIdentity(pod),
      "Normal",
      "Killing",
      `Container ${spec.name} failed ${failed} probe${restart ? ", will be restarted" : ""}`,
      spec.name,
    );
    this.ctx.probeKilled.add(containerId);
    const grace = probe?.terminationGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    await killContainer(this.ctx, { pod, spec, containerId, graceSeconds: grace });
  }
}
