// Image pulls of one pod's containers, per imagePullPolicy, with the kubelet's
// back-off after a failed pull (ErrImagePull, then ImagePullBackOff).
import type { Container, Pod } from "@bosun/api";
import type { PodContext } from "./context.js";
import { pullPolicyOf } from "./container-config.js";
import { podIdentity } from "./identity.js";
import type { Waiting } from "./status.js";

export class ImagePuller {
  /** When the last pull of a container's image failed, by "<uid>/<container>/pull". */
  private readonly lastFailure = new Map<string, number>();

  constructor(private readonly ctx: PodContext) {}

  /** Makes the container's image present per its imagePullPolicy; returns why it waits, if it does. */
  async ensure(pod: Pod, spec: Container): Promise<Waiting | undefined> {
    const { ctx } = this;
    const { runtime, pullBackoff } = ctx.deps;
    const id = podIdentity(pod);
    const policy = pullPolicyOf(spec);
    const present = (await runtime.imageId(spec.image)) !== undefined;
    if (policy === "Never") {
      if (present) return undefined;
      const message = `Container image "${spec.image}" is not present with pull policy of Never`;
      ctx.event(id, "Warning", "ErrImageNeverPull", message, spec.name);
      ctx.wakeIn(10_000);
      return { reason: "ErrImageNeverPull", message };
    }
    if (policy === "IfNotPresent" && present) {
      ctx.event(id, "Normal", "Pulled", `Container image "${spec.image}" already present on machine`, spec.name);
      return undefined;
    }
    const key = `${ctx.uid}/${spec.name}/pull`;
    const failedAt = this.lastFailure.get(key);
    if (failedAt !== undefined) {
      const remaining = pullBackoff.remaining(key, failedAt);
      if (remaining > 0) {
        ctx.wakeIn(remaining);
        return { reason: "ImagePullBackOff", message: `Back-off pulling image "${spec.image}"` };
      }
    }
    ctx.event(id, "Normal", "Pulling", `Pulling image "${spec.image}"`, spec.name);
    const started = ctx.now();
    try {
      await runtime.pullImage(spec.image);
    } catch (err) {
      const message = `Failed to pull image "${spec.image}": ${(err as Error).message}`;
      const at = ctx.now();
      this.lastFailure.set(key, at);
      const delay = pullBackoff.next(key, at);
      ctx.event(id, "Warning", "Failed", message, spec.name);
      ctx.event(id, "Warning", "Failed", "Error: ErrImagePull", spec.name);
      ctx.wakeIn(delay);
      return { reason: "ErrImagePull", message };
    }
    this.lastFailure.delete(key);
    pullBackoff.forget(key);
    const seconds = ((ctx.now() - started) / 1000).toFixed(3);
    ctx.event(id, "Normal", "Pulled", `Successfully pulled image "${spec.image}" in ${seconds}s`, spec.name);
    return undefined;
  }
}
