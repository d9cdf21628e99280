// The pod worker's plug points, after Nomad's allocrunner hooks
// (client/allocrunner/*_hook.go): each concern that sets a pod up (its network, DNS
// configuration, volumes) is one hook, in a file of its own, and the
// worker only calls the hooks at fixed points of a pod's life. A hook keeps no
// per-sync state in the worker and must be idempotent: the worker is level-triggered,
// so any point may be called again after a crash or a retry.
import type { Container, Pod } from "@bosun/api";
import type { ContainerCreateSpec } from "../../runtime/runtime.js";
import type { ContainerEnvironment } from "../env/environment.js";
import type { PodIdentity } from "../identity.js";

/** Why a hook holds a pod's set-up back; the worker tells the pod's events and retries. */
export interface HookWait {
  /** An event reason, as the kubelet's (e.g. NetworkNotReady). */
  reason: string;
  /** Says what is missing and what would fix it. */
  message: string;
  /** When to look again at the latest; a hook may also ask for an earlier sync through PodManager.syncAll. */
  retryAfterMs: number;
}

export interface PodHook {
  /** For logs. */
  readonly name: string;
  /**
   * Before the worker creates the pod's sandbox (its infra container): the first
   * time, and whenever a dead sandbox is replaced. Makes what the sandbox needs, or
   * answers why the pod must wait; while any hook waits, nothing of the pod is
   * created. A sandbox that already runs is never touched because of a wait.
   */
  prepare?(pod: Pod): Promise<HookWait | undefined>;
  /** Adds this concern's settings to the infra container's create spec (network, DNS). */
  sandboxSpec?(pod: Pod, spec: ContainerCreateSpec): void;
  /**
   * Once the sandbox runs, before any app container starts: sets up what needs its
   * process (the network namespace's interface). A failure stops the sandbox, so that
   * the next sync replaces it.
   */
  sandboxStarted?(pod: Pod, containerId: string): Promise<void>;
  /**
   * At each sync of a pod whose sandbox runs, before its containers are brought to
   * their state: keeps what they use current (volumes set up, their contents
   * refreshed). Problems of the pod's own are kept for containerSpec, not thrown.
   * Answers within how many ms it wants the next sync (a refresh), if it does.
   */
  syncPod?(pod: Pod): Promise<number | undefined>;
  /**
   * Adds this concern's settings to an app container's create spec (mounts), given
   * the container's environment. Throws, with the message the container's status
   * shows, when the container cannot have what it needs: it then waits with
   * CreateContainerConfigError and nothing is created.
   */
  containerSpec?(pod: Pod, container: Container, spec: ContainerCreateSpec, environment: ContainerEnvironment): void | Promise<void>;
  /**
   * Once the pod is over for good while its stopped containers are kept (an evicted
   * pod): releases what only running containers use, as the kubelet tears down a
   * terminated pod's volumes. destroy still follows when the containers are removed.
   */
  podStopped?(pod: PodIdentity): Promise<void>;
  /** Once the pod's containers are all removed: releases what the hook made for it. */
  destroy?(pod: PodIdentity): Promise<void>;
  /**
   * Once the master's complete set is known, at each resync: releases what the hook
   * made for pods the agent no longer runs (gone while it was away), those for
   * which `isActive` answers false.
   */
  sweep?(isActive: (uid: string) => boolean): Promise<void>;
}
