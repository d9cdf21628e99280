// Image pulls of one pod's containers, per imagePullPolicy, with the kubelet's
// back-off after a failed pull (ErrImagePull, then ImagePullBackOff), and the
// credentials of the pod's imagePullSecrets for the image's registry, each tried in
// turn as the kubelet does (anonymously when none applies).
import type { Container, Pod, Secret } from "@bosun/api";
import { aggregateError } from "../aggregate-error.js";
import type { RegistryAuth } from "../runtime/runtime.js";
import type { PodContext } from "./context.js";
import { pullPolicyOf } from "./container-config.js";
import { podIdentity } from "./identity.js";
import { credentialsFor } from "./pull-credentials.js";
import type { Waiting } from "./status.js";

export class ImagePuller {
  constructor(private readonly ctx: PodContext) {}

  /** Makes the container's image present per its imagePullPolicy; returns why it waits, if it does. */
  async ensure(pod: Pod, spec: Container): Promise<Waiting | undefined> {
    const { ctx } = this;
    const { runtime, backoff } = ctx.deps;
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
    // Counted from the last failed pull, as the kubelet's image back-off (IsInBackOffSinceUpdate).
    const remaining = backoff.remainingSinceUpdate(key);
    if (remaining > 0) {
      ctx.wakeIn(remaining);
      return { reason: "ImagePullBackOff", message: `Back-off pulling image "${spec.image}"` };
    }
    ctx.event(id, "Normal", "Pulling", `Pulling image "${spec.image}"`, spec.name);
    const started = ctx.now();
    try {
      await this.pull(spec.image, await this.credentials(pod, spec));
    } catch (err) {
      const message = `Failed to pull image "${spec.image}": ${(err as Error).message}`;
      const delay = backoff.next(key);
      ctx.event(id, "Warning", "Failed", message, spec.name);
      ctx.event(id, "Warning", "Failed", "Error: ErrImagePull", spec.name);
      ctx.wakeIn(delay);
      return { reason: "ErrImagePull", message };
    }
    backoff.forget(key);
    const seconds = ((ctx.now() - started) / 1000).toFixed(3);
    ctx.event(id, "Normal", "Pulled", `Successfully pulled image "${spec.image}" in ${seconds}s`, spec.name);
    return undefined;
  }

  /** Each credential in turn until one pulls; without any, an anonymous pull. */
  private async pull(image: string, credentials: readonly RegistryAuth[]): Promise<void> {
    const { runtime } = this.ctx.deps;
    if (credentials.length === 0) return runtime.pullImage(image);
    const failures: string[] = [];
    for (const auth of credentials) {
      try {
        return await runtime.pullImage(image, auth);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
    throw aggregateError(failures);
  }

  /** The credentials the pod's imagePullSecrets hold for the image; Secrets that cannot be read are told and left out, as the kubelet does. */
  private async credentials(pod: Pod, spec: Container): Promise<RegistryAuth[]> {
    const names = (pod.spec.imagePullSecrets ?? []).map((r) => r.name ?? "").filter((n) => n !== "");
    if (names.length === 0) return [];
    const namespace = pod.metadata.namespace ?? "";
    const secrets: Secret[] = [];
    const unreadable: string[] = [];
    for (const name of names) {
      const secret = await this.ctx.deps.envObjects?.secret(namespace, name).catch(() => undefined);
      if (secret) secrets.push(secret);
      else unreadable.push(name);
    }
    const id = podIdentity(pod);
    if (unreadable.length > 0) {
      this.ctx.event(id, "Warning", "FailedToRetrieveImagePullSecret", `Unable to retrieve some image pull secrets (${unreadable.join(", ")}); attempting to pull the image may not succeed.`, spec.name);
    }
    try {
      return credentialsFor(spec.image, secrets);
    } catch (err) {
      this.ctx.event(id, "Warning", "FailedToRetrieveImagePullSecret", `The image pull secrets of the pod hold no valid registry credentials (${(err as Error).message}); attempting to pull the image may not succeed.`, spec.name);
      return [];
    }
  }
}
