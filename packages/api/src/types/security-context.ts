// core/v1 security contexts: the pod's (PodSecurityContext: the user, groups, volume
// ownership, sysctls and profiles of all its containers) and each container's
// (SecurityContext: which overrides the pod's user, groups and profiles, and adds
// privileges, capabilities and a read-only root). Fields follow k8s.io/api/core/v1;
// those Docker cannot honour (windowsOptions, procMount Unmasked, ...) are kept here so
// that validation-security-context.ts refuses them by name, with why, rather than the
// decoder's bare "unknown field".
import { Type, type Static } from "@sinclair/typebox";
import { Int64 } from "./integers.js";
import { strict } from "./meta.js";

/** POSIX capabilities, named without the CAP_ prefix (NET_RAW, SYS_ADMIN, or ALL). */
export const Capabilities = Type.Object(
  {
    add: Type.Optional(Type.Array(Type.String())),
    drop: Type.Optional(Type.Array(Type.String())),
  },
  strict,
);
export type Capabilities = Static<typeof Capabilities>;

/** The SELinux label of a container; on a host without SELinux the runtime ignores it, as on Kubernetes. */
export const SELinuxOptions = Type.Object(
  {
    user: Type.Optional(Type.String()),
    role: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    level: Type.Optional(Type.String()),
  },
  strict,
);
export type SELinuxOptions = Static<typeof SELinuxOptions>;

/** Windows containers' options: accepted in the schema only to be refused by name (Bosun runs Linux containers). */
export const WindowsSecurityContextOptions = Type.Object(
  {
    gmsaCredentialSpecName: Type.Optional(Type.String()),
    gmsaCredentialSpec: Type.Optional(Type.String()),
    runAsUserName: Type.Optional(Type.String()),
    hostProcess: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type WindowsSecurityContextOptions = Static<typeof WindowsSecurityContextOptions>;

/** type: RuntimeDefault, Unconfined or Localhost (then localhostProfile, a path under the node's seccomp directory). */
export const SeccompProfile = Type.Object(
  {
    type: Type.String(),
    localhostProfile: Type.Optional(Type.String()),
  },
  strict,
);
export type SeccompProfile = Static<typeof SeccompProfile>;

/** type: RuntimeDefault, Unconfined or Localhost (then localhostProfile, the name of a profile loaded on the node). */
export const AppArmorProfile = Type.Object(
  {
    type: Type.String(),
    localhostProfile: Type.Optional(Type.String()),
  },
  strict,
);
export type AppArmorProfile = Static<typeof AppArmorProfile>;

/** A namespaced kernel parameter set for the pod; only Kubernetes' safe set is allowed. */
export const Sysctl = Type.Object({ name: Type.String(), value: Type.String() }, strict);
export type Sysctl = Static<typeof Sysctl>;

export const SecurityContext = Type.Object(
  {
    capabilities: Type.Optional(Capabilities),
    privileged: Type.Optional(Type.Boolean()),
    seLinuxOptions: Type.Optional(SELinuxOptions),
    windowsOptions: Type.Optional(WindowsSecurityContextOptions),
    runAsUser: Type.Optional(Int64()),
    runAsGroup: Type.Optional(Int64()),
    runAsNonRoot: Type.Optional(Type.Boolean()),
    readOnlyRootFilesystem: Type.Optional(Type.Boolean()),
    allowPrivilegeEscalation: Type.Optional(Type.Boolean()),
    /** Default, or Unmasked (refused: it needs a user namespace, spec.hostUsers false). */
    procMount: Type.Optional(Type.String()),
    seccompProfile: Type.Optional(SeccompProfile),
    appArmorProfile: Type.Optional(AppArmorProfile),
  },
  strict,
);
export type SecurityContext = Static<typeof SecurityContext>;

export const PodSecurityContext = Type.Object(
  {
    seLinuxOptions: Type.Optional(SELinuxOptions),
    windowsOptions: Type.Optional(WindowsSecurityContextOptions),
    runAsUser: Type.Optional(Int64()),
    runAsGroup: Type.Optional(Int64()),
    runAsNonRoot: Type.Optional(Type.Boolean()),
    supplementalGroups: Type.Optional(Type.Array(Int64())),
    /** Merge (the image's /etc/group memberships are kept), or Strict (refused: Docker always merges). */
    supplementalGroupsPolicy: Type.Optional(Type.String()),
    /** The group of the pod's writable volumes, and a supplemental group of every container. */
    fsGroup: Type.Optional(Int64()),
    /** Always, or OnRootMismatch: skip a volume whose root already has the group and mode. */
    fsGroupChangePolicy: Type.Optional(Type.String()),
    sysctls: Type.Optional(Type.Array(Sysctl)),
    seccompProfile: Type.Optional(SeccompProfile),
    appArmorProfile: Type.Optional(AppArmorProfile),
    /** Recursive, or MountOption (refused: Docker relabels recursively or not at all). */
    seLinuxChangePolicy: Type.Optional(Type.String()),
  },
  strict,
);
export type PodSecurityContext = Static<typeof PodSecurityContext>;
