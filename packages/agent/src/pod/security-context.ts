// How a pod's and its containers' security contexts become Docker's create options,
// as the kubelet's kuberuntime (security_context.go, kuberuntime_container_linux.go)
// and dockershim's security-context mapping did: pure functions, so that the mapping
// is tested without a Docker engine. The container's context overrides the pod's for
// the user, group, SELinux label and profiles (DetermineEffectiveSecurityContext); the
// deprecated seccomp and AppArmor annotations count where no field is set, as the
// apiserver's version-skew handling copies them into the fields.
import {
  dottedSysctlName,
  sysctlNamespace,
  type AppArmorProfile,
  type Container,
  type Pod,
  type SeccompProfile,
  type SELinuxOptions,
} from "@bosun/api";
import type { ContainerCreateSpec } from "../runtime/runtime.js";
import { formatPod, podIdentity } from "./identity.js";

/** The settings that apply to one container: its own, else the pod's. */
export interface EffectiveSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  seLinuxOptions?: SELinuxOptions;
  seccompProfile?: SeccompProfile;
  appArmorProfile?: AppArmorProfile;
}

const seccompPodAnnotation = "seccomp.security.alpha.kubernetes.io/pod";
const seccompContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/";
const appArmorContainerAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

/** A deprecated seccomp annotation's value as a profile ("runtime/default", "docker/default", "unconfined", "localhost/<path>"). */
export function seccompFromAnnotation(value: string, key: string): SeccompProfile {
  if (value === "runtime/default" || value === "docker/default") return { type: "RuntimeDefault" };
  if (value === "unconfined") return { type: "Unconfined" };
  if (value.startsWith("localhost/") && value.length > "localhost/".length) return { type: "Localhost", localhostProfile: value.slice("localhost/".length) };
  throw new Error(`annotation ${key}: invalid seccomp profile ${JSON.stringify(value)}: must be runtime/default, unconfined or localhost/<path>; better, set securityContext.seccompProfile`);
}

/** A deprecated AppArmor annotation's value as a profile ("runtime/default", "unconfined", "localhost/<name>"). */
export function appArmorFromAnnotation(value: string, key: string): AppArmorProfile {
  if (value === "runtime/default") return { type: "RuntimeDefault" };
  if (value === "unconfined") return { type: "Unconfined" };
  if (value.startsWith("localhost/") && value.length > "localhost/".length) return { type: "Localhost", localhostProfile: value.slice("localhost/".length) };
  throw new Error(`annotation ${key}: invalid AppArmor profile name: ${JSON.stringify(value)}: must be runtime/default, unconfined or localhost/<name>; better, set securityContext.appArmorProfile`);
}

function annotation(pod: Pod, key: string): string | undefined {
  return pod.metadata.annotations?.[key];
}

/** As DetermineEffectiveSecurityContext; throws on a malformed deprecated annotation. */
export function effectiveSecurityContext(pod: Pod, container: Container): EffectiveSecurityContext {
  const podSc = pod.spec.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const seccompKey = `${seccompContainerAnnotationPrefix}${container.name}`;
  const appArmorKey = `${appArmorContainerAnnotationPrefix}${container.name}`;
  const containerSeccomp = annotation(pod, seccompKey);
  const podSeccomp = annotation(pod, seccompPodAnnotation);
  const containerAppArmor = annotation(pod, appArmorKey);
  const effective: EffectiveSecurityContext = {
    runAsUser: sc.runAsUser ?? podSc.runAsUser,
    runAsGroup: sc.runAsGroup ?? podSc.runAsGroup,
    runAsNonRoot: sc.runAsNonRoot ?? podSc.runAsNonRoot,
    seLinuxOptions: sc.seLinuxOptions ?? podSc.seLinuxOptions,
    seccompProfile:
      sc.seccompProfile ??
      (containerSeccomp !== undefined ? seccompFromAnnotation(containerSeccomp, seccompKey) : undefined) ??
      podSc.seccompProfile ??
      (podSeccomp !== undefined ? seccompFromAnnotation(podSeccomp, seccompPodAnnotation) : undefined),
    appArmorProfile: sc.appArmorProfile ?? (containerAppArmor !== undefined ? appArmorFromAnnotation(containerAppArmor, appArmorKey) : undefined) ?? podSc.appArmorProfile,
  };
  return effective;
}

/** An image's configured user: a numeric uid, or a name that cannot be checked without the image's /etc/passwd. */
export interface ImageUser {
  uid?: number;
  username?: string;
}

/** As dockershim's getUserFromImageUser: the part before ":"; none at all is root. */
export function parseImageUser(user: string): ImageUser {
  const name = user.split(":")[0] ?? "";
  if (name === "") return { uid: 0 };
  return /^\d+$/.test(name) ? { uid: Number(name) } : { username: name };
}

/**
 * As the kubelet's verifyRunAsNonRoot: the message a container that must not run as
 * root waits with (CreateContainerConfigError), or undefined when it may start.
 */
export function runAsNonRootViolation(pod: Pod, container: Container, imageUser: string): string | undefined {
  const sc = effectiveSecurityContext(pod, container);
  if (sc.runAsNonRoot !== true) return undefined;
  const where = `(pod: ${JSON.stringify(formatPod(podIdentity(pod)))}, container: ${container.name})`;
  if (sc.runAsUser !== undefined) return sc.runAsUser === 0 ? `container's runAsUser breaks non-root policy ${where}` : undefined;
  const image = parseImageUser(imageUser);
  if (image.uid === 0) return `container has runAsNonRoot and image will run as root ${where}`;
  if (image.uid === undefined && image.username) {
    return `container has runAsNonRoot and image has non-numeric user (${image.username}), cannot verify user is non-root ${where}`;
  }
  return undefined;
}

/** Docker's User for the effective user and group; a group alone goes with the image's user, since Docker names the user first. */
export function dockerUser(sc: EffectiveSecurityContext, imageUser: string): string | undefined {
  if (sc.runAsUser !== undefined) return sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : String(sc.runAsUser);
  if (sc.runAsGroup === undefined) return undefined;
  const name = imageUser.split(":")[0] || "0";
  return `${name}:${sc.runAsGroup}`;
}

/** What the node offers that profiles depend on. */
export interface SecurityHost {
  /** Whether AppArmor is enabled on the node (/sys/module/apparmor/parameters/enabled). */
  appArmorEnabled: boolean;
  /** The JSON of the Localhost seccomp profile the container asks for, read by the caller. */
  seccompLocalhostJson?: string;
}

function seccompOption(profile: SeccompProfile | undefined, host: SecurityHost): string | undefined {
  // Unset: Docker's default profile, as a kubelet started with --seccomp-default.
  if (profile === undefined || profile.type === "RuntimeDefault") return undefined;
  if (profile.type === "Unconfined") return "seccomp=unconfined";
  if (host.seccompLocalhostJson === undefined) throw new Error(`the seccomp profile ${profile.localhostProfile ?? ""} was not loaded; the agent reads Localhost profiles before it creates a container, so report this as a bug in Bosun`);
  return `seccomp=${host.seccompLocalhostJson}`;
}

function appArmorOption(profile: AppArmorProfile | undefined, host: SecurityHost): string | undefined {
  if (profile === undefined) return undefined;
  if (profile.type === "Unconfined") return "apparmor=unconfined";
  // As the kubelet's AppArmor admission: any other profile asked for needs AppArmor on the node.
  if (!host.appArmorEnabled) throw new Error("Cannot enforce AppArmor: AppArmor is not enabled on the host");
  // RuntimeDefault: Docker's docker-default, which it applies itself.
  return profile.type === "Localhost" ? `apparmor=${profile.localhostProfile ?? ""}` : undefined;
}

function seLinuxOptions(options: SELinuxOptions | undefined): string[] {
  if (options === undefined) return [];
  return (["user", "role", "type", "level"] as const).filter((k) => options[k]).map((k) => `label=${k}:${options[k] ?? ""}`);
}

/** The pod's sysctls of one namespace, by dotted name. */
function sysctlsOf(pod: Pod, ns: "net" | "ipc"): Record<string, string> | undefined {
  const chosen = (pod.spec.securityContext?.sysctls ?? []).filter((s) => sysctlNamespace(s.name) === ns);
  return chosen.length === 0 ? undefined : Object.fromEntries(chosen.map((s) => [dottedSysctlName(s.name), s.value]));
}

/**
 * The infra container's share of the pod's settings: the node's PID and IPC namespaces
 * when asked for, else an IPC namespace the pod's containers join (a pod shares one,
 * as its sandbox does on Kubernetes); and the sysctls, set in the network and IPC
 * namespaces it owns and the containers join (runc refuses them on a joined one).
 */
export function sandboxSecurityOptions(pod: Pod): Partial<ContainerCreateSpec> {
  const out: Partial<ContainerCreateSpec> = {};
  if (pod.spec.hostPID === true) out.pidMode = "host";
  out.ipcMode = pod.spec.hostIPC === true ? "host" : "shareable";
  const sysctls = { ...sysctlsOf(pod, "net"), ...sysctlsOf(pod, "ipc") };
  if (Object.keys(sysctls).length > 0) out.sysctls = sysctls;
  return out;
}

/** Docker's create options for one app or init container of the pod, which joins the sandbox `infraId`. */
export function containerSecurityOptions(pod: Pod, container: Container, infraId: string, imageUser: string, host: SecurityHost): Partial<ContainerCreateSpec> {
  const sc = container.securityContext ?? {};
  const effective = effectiveSecurityContext(pod, container);
  const out: Partial<ContainerCreateSpec> = {};
  const user = dockerUser(effective, imageUser);
  if (user !== undefined) out.user = user;
  const podSc = pod.spec.securityContext ?? {};
  const groups = [...new Set([...(podSc.fsGroup !== undefined ? [podSc.fsGroup] : []), ...(podSc.supplementalGroups ?? [])])];
  if (groups.length > 0) out.groupAdd = groups.map(String);
  if (sc.privileged === true) out.privileged = true;
  if (sc.readOnlyRootFilesystem === true) out.readonlyRootfs = true;
  if ((sc.capabilities?.add ?? []).length > 0) out.capAdd = [...(sc.capabilities?.add ?? [])];
  if ((sc.capabilities?.drop ?? []).length > 0) out.capDrop = [...(sc.capabilities?.drop ?? [])];
  const securityOpt: string[] = [];
  // Only an explicit false sets no_new_privs, as the kubelet's AddNoNewPrivileges.
  if (sc.allowPrivilegeEscalation === false) securityOpt.push("no-new-privileges");
  // A privileged container runs without profiles, as on Kubernetes (Docker drops them itself).
  if (sc.privileged !== true) {
    const seccomp = seccompOption(effective.seccompProfile, host);
    if (seccomp !== undefined) securityOpt.push(seccomp);
    const appArmor = appArmorOption(effective.appArmorProfile, host);
    if (appArmor !== undefined) securityOpt.push(appArmor);
  }
  securityOpt.push(...seLinuxOptions(effective.seLinuxOptions));
  if (securityOpt.length > 0) out.securityOpt = securityOpt;
  if (pod.spec.hostPID === true) out.pidMode = "host";
  else if (pod.spec.shareProcessNamespace === true) out.pidMode = `container:${infraId}`;
  out.ipcMode = pod.spec.hostIPC === true ? "host" : `container:${infraId}`;
  return out;
}
