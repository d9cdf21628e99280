// A pod's security settings as Kubernetes' validatePodSpecSecurityContext and
// ValidateSecurityContext check them (pkg/apis/core/validation): user and group IDs in
// range, sysctl names well formed, unique and not in a namespace the pod shares with
// the node, seccomp and AppArmor profiles of a known type, no privilege escalation
// forbidden to a privileged container. Beyond Kubernetes, what a Bosun node cannot do
// is refused here by name, with why: a sysctl outside Kubernetes' safe set (an agent
// has no --allowed-unsafe-sysctls), Windows options, an unmasked /proc (it needs a
// user namespace), the Strict supplemental-groups policy and SELinux relabelling by
// mount option (Docker offers neither).
import { child, duplicate, forbidden, index, invalidValue, notSupported, required, tooLong } from "./field-errors.js";
import { dottedSysctlName, isSafeSysctl, isValidSysctlName, safeSysctls, sysctlMaxLength, sysctlNamePattern, sysctlNamespace } from "./sysctls.js";
import type { PodSpec } from "./types/core.js";
import type { StatusCause } from "./types/meta.js";
import type { AppArmorProfile, PodSecurityContext, SeccompProfile, SecurityContext } from "./types/security-context.js";

const maxId = 2147483647;
const profileTypes = ["Localhost", "RuntimeDefault", "Unconfined"];
const fsGroupChangePolicies = ["OnRootMismatch", "Always"];
const supplementalGroupsPolicies = ["Merge", "Strict"];
const seLinuxChangePolicies = ["MountOption", "Recursive"];
const procMountTypes = ["Default", "Unmasked"];
const maxAppArmorProfileLength = 4095;

/** As IsValidUserID and IsValidGroupID. */
function validateId(value: number | undefined, path: string): StatusCause[] {
  if (value === undefined || (value >= 0 && value <= maxId)) return [];
  return [invalidValue(path, value, `must be between 0 and ${maxId}, inclusive`)];
}

/** As validateLocalDescendingPath: a path under the node's seccomp directory. */
function validateDescendingPath(value: string, path: string): StatusCause[] {
  if (value.startsWith("/")) return [invalidValue(path, value, "must be a relative path")];
  if (value.split("/").includes("..")) return [invalidValue(path, value, "must not contain '..'")];
  return [];
}

function validateSeccompProfile(profile: SeccompProfile | undefined, path: string): StatusCause[] {
  if (profile === undefined) return [];
  const causes: StatusCause[] = [];
  const localhost = child(path, "localhostProfile");
  if (!profileTypes.includes(profile.type)) causes.push(notSupported(child(path, "type"), profile.type, profileTypes));
  if (profile.type === "Localhost") {
    if (profile.localhostProfile === undefined) causes.push(required(localhost, "must be set when seccomp type is Localhost"));
    else causes.push(...validateDescendingPath(profile.localhostProfile, localhost));
  } else if (profile.localhostProfile !== undefined) {
    causes.push(invalidValue(localhost, profile, "can only be set when seccomp type is Localhost"));
  }
  return causes;
}

function validateAppArmorProfile(profile: AppArmorProfile | undefined, path: string): StatusCause[] {
  if (profile === undefined) return [];
  const causes: StatusCause[] = [];
  const localhost = child(path, "localhostProfile");
  if (!profileTypes.includes(profile.type)) causes.push(notSupported(child(path, "type"), profile.type, profileTypes));
  if (profile.type === "Localhost") {
    const name = profile.localhostProfile;
    if (name === undefined || name === "") causes.push(required(localhost, "must be set when AppArmor type is Localhost"));
    else if (name.trim() !== name) causes.push(invalidValue(localhost, name, "must not be padded with whitespace"));
    else if (name.length > maxAppArmorProfileLength) causes.push(tooLong(localhost, maxAppArmorProfileLength));
  } else if (profile.localhostProfile !== undefined) {
    causes.push(invalidValue(localhost, profile, "can only be set when AppArmor type is Localhost"));
  }
  return causes;
}

/** What the pod's and the containers' contexts share: users, profiles, Windows options. */
function validateCommon(sc: PodSecurityContext | SecurityContext, path: string): StatusCause[] {
  const causes = [
    ...validateId(sc.runAsUser, child(path, "runAsUser")),
    ...validateId(sc.runAsGroup, child(path, "runAsGroup")),
    ...validateSeccompProfile(sc.seccompProfile, child(path, "seccompProfile")),
    ...validateAppArmorProfile(sc.appArmorProfile, child(path, "appArmorProfile")),
  ];
  if (sc.windowsOptions !== undefined) {
    causes.push(forbidden(child(path, "windowsOptions"), "Bosun runs Linux containers only; remove windowsOptions (a Linux node ignores them on Kubernetes)"));
  }
  return causes;
}

function validateSysctls(spec: PodSpec, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  (spec.securityContext?.sysctls ?? []).forEach((s, i) => {
    const p = child(index(path, i), "name");
    if (s.name === "") {
      causes.push(required(p));
      return;
    }
    if (!isValidSysctlName(s.name)) {
      causes.push(invalidValue(p, s.name, `must have at most ${sysctlMaxLength} characters and match regex ${sysctlNamePattern}`));
      return;
    }
    const dotted = dottedSysctlName(s.name);
    if (seen.has(dotted)) causes.push(duplicate(p, s.name));
    seen.add(dotted);
    const ns = sysctlNamespace(s.name);
    if (spec.hostNetwork === true && ns === "net") causes.push(invalidValue(p, s.name, "may not be specified when 'hostNetwork' is true"));
    else if (spec.hostIPC === true && ns === "ipc") causes.push(invalidValue(p, s.name, "may not be specified when 'hostIPC' is true"));
    else if (!isSafeSysctl(s.name)) {
      causes.push(forbidden(p, `forbidden sysctl: "${s.name}" not allowlisted; Bosun nodes allow only Kubernetes' safe sysctls (${safeSysctls.join(", ")})`));
    }
  });
  return causes;
}

function validatePodSecurityContext(spec: PodSpec, path: string): StatusCause[] {
  const sc = spec.securityContext;
  const causes: StatusCause[] = [];
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    causes.push(invalidValue(child(path, "shareProcessNamespace"), true, "ShareProcessNamespace and HostPID cannot both be enabled"));
  }
  if (sc === undefined) return causes;
  causes.push(...validateCommon(sc, path), ...validateId(sc.fsGroup, child(path, "fsGroup")));
  (sc.supplementalGroups ?? []).forEach((g, i) => causes.push(...validateId(g, index(child(path, "supplementalGroups"), i))));
  if (sc.fsGroupChangePolicy !== undefined && !fsGroupChangePolicies.includes(sc.fsGroupChangePolicy)) {
    causes.push(notSupported(child(path, "fsGroupChangePolicy"), sc.fsGroupChangePolicy, fsGroupChangePolicies));
  }
  const groupsPolicy = sc.supplementalGroupsPolicy;
  if (groupsPolicy !== undefined && !supplementalGroupsPolicies.includes(groupsPolicy)) {
    causes.push(notSupported(child(path, "supplementalGroupsPolicy"), groupsPolicy, supplementalGroupsPolicies));
  } else if (groupsPolicy === "Strict") {
    causes.push(forbidden(child(path, "supplementalGroupsPolicy"), "Strict is not supported: Docker always adds the groups the image's /etc/group gives the user; use Merge (the default)"));
  }
  const relabel = sc.seLinuxChangePolicy;
  if (relabel !== undefined && !seLinuxChangePolicies.includes(relabel)) {
    causes.push(notSupported(child(path, "seLinuxChangePolicy"), relabel, seLinuxChangePolicies));
  } else if (relabel === "MountOption") {
    causes.push(forbidden(child(path, "seLinuxChangePolicy"), "MountOption is not supported: Docker cannot relabel volumes by mount option; use Recursive (the default)"));
  }
  causes.push(...validateSysctls(spec, child(path, "sysctls")));
  return causes;
}

function validateContainerSecurityContext(sc: SecurityContext | undefined, path: string): StatusCause[] {
  if (sc === undefined) return [];
  const causes = validateCommon(sc, path);
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) causes.push(invalidValue(path, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"));
    const added = sc.capabilities?.add ?? [];
    if (added.includes("SYS_ADMIN") || added.includes("CAP_SYS_ADMIN")) {
      causes.push(invalidValue(path, sc, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"));
    }
  }
  if (sc.procMount !== undefined && !procMountTypes.includes(sc.procMount)) {
    causes.push(notSupported(child(path, "procMount"), sc.procMount, procMountTypes));
  } else if (sc.procMount === "Unmasked") {
    causes.push(forbidden(child(path, "procMount"), "`spec.hostUsers` must be false to use `Unmasked`, and Bosun does not run pods in user namespaces; use Default"));
  }
  return causes;
}

/** The pod's and every container's security settings. */
export function validateSecurityContexts(spec: PodSpec, path: string): StatusCause[] {
  const causes = validatePodSecurityContext(spec, child(path, "securityContext"));
  for (const [field, list] of [["initContainers", spec.initContainers ?? []], ["containers", spec.containers], ["ephemeralContainers", spec.ephemeralContainers ?? []]] as const) {
    list.forEach((c, i) => causes.push(...validateContainerSecurityContext(c.securityContext, child(index(child(path, field), i), "securityContext"))));
  }
  return causes;
}
