// The security-context hook: the pod's and containers' security settings go into
// Docker's create options (pod/security-context.ts maps them). What needs the node
// is looked up here: the image's configured user, for runAsNonRoot (a container that
// would run as root waits with CreateContainerConfigError and the kubelet's message)
// and for a runAsGroup without runAsUser; Localhost seccomp profiles, read from the
// agent's seccomp directory as the kubelet reads <root-dir>/seccomp; and whether the
// node has AppArmor.
import { readFile } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import type { Container, Pod } from "@bosun/api";
import type { ContainerCreateSpec, ContainerRuntime } from "../../runtime/runtime.js";
import { containerSecurityOptions, effectiveSecurityContext, runAsNonRootViolation, sandboxSecurityOptions } from "../security-context.js";
import type { PodHook } from "./hook.js";

const appArmorEnabledPath = "/sys/module/apparmor/parameters/enabled";

export interface SecurityContextHookOptions {
  runtime: Pick<ContainerRuntime, "inspectImage">;
  /** Where Localhost seccomp profiles are (<data-dir>/seccomp); a profile's localhostProfile is relative to it. */
  seccompDir: string;
  /** Whether the node has AppArmor; by default read from the kernel once. */
  appArmorEnabled?: () => Promise<boolean>;
}

async function kernelAppArmorEnabled(): Promise<boolean> {
  try {
    return (await readFile(appArmorEnabledPath, "utf8")).trim().startsWith("Y");
  } catch {
    return false;
  }
}

export class SecurityContextHook implements PodHook {
  readonly name = "security-context";
  private appArmor: Promise<boolean> | undefined;

  constructor(private readonly opts: SecurityContextHookOptions) {}

  sandboxSpec(pod: Pod, spec: ContainerCreateSpec): void {
    Object.assign(spec, sandboxSecurityOptions(pod));
  }

  async containerSpec(pod: Pod, container: Container, spec: ContainerCreateSpec): Promise<void> {
    const effective = effectiveSecurityContext(pod, container);
    const imageUser = await this.imageUser(container, effective.runAsNonRoot === true || (effective.runAsGroup !== undefined && effective.runAsUser === undefined));
    const violation = runAsNonRootViolation(pod, container, imageUser);
    if (violation !== undefined) throw new Error(violation);
    const profile = effective.seccompProfile;
    const seccompLocalhostJson =
      profile?.type === "Localhost" && container.securityContext?.privileged !== true ? await this.seccompProfile(profile.localhostProfile ?? "") : undefined;
    const infraId = spec.networkMode.startsWith("container:") ? spec.networkMode.slice("container:".length) : "";
    this.appArmor ??= (this.opts.appArmorEnabled ?? kernelAppArmorEnabled)();
    Object.assign(spec, containerSecurityOptions(pod, container, infraId, imageUser, { appArmorEnabled: await this.appArmor, ...(seccompLocalhostJson !== undefined ? { seccompLocalhostJson } : {}) }));
  }

  /** The image's configured user, looked up only when a setting depends on it. */
  private async imageUser(container: Container, needed: boolean): Promise<string> {
    if (!needed) return "";
    const image = await this.opts.runtime.inspectImage(container.image);
    // The image puller made it present just before; gone meanwhile, the next sync pulls it again.
    if (image === undefined) throw new Error(`image ${JSON.stringify(container.image)} is not present on the node; it is pulled again at the next sync`);
    return image.user;
  }

  /** A Localhost profile's JSON, compacted as Docker's CLI passes it. */
  private async seccompProfile(localhostProfile: string): Promise<string> {
    const path = join(this.opts.seccompDir, localhostProfile);
    const rel = relative(this.opts.seccompDir, path);
    if (rel.startsWith("..") || isAbsolute(rel)) throw new Error(`seccomp profile ${JSON.stringify(localhostProfile)} is outside ${this.opts.seccompDir}; name a profile relative to the agent's seccomp directory, without ".."`);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      throw new Error(`cannot load seccomp profile ${JSON.stringify(path)}: ${(err as Error).message}; put the profile in the agent's seccomp directory ${this.opts.seccompDir} on this node`);
    }
    try {
      return JSON.stringify(JSON.parse(text));
    } catch (err) {
      throw new Error(`seccomp profile ${JSON.stringify(path)} is not valid JSON (${(err as Error).message}); fix the file on this node`);
    }
  }
}
