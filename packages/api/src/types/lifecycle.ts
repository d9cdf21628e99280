// core/v1 handler actions and container lifecycle hooks: the exec and httpGet
// actions probes and hooks share (as in k8s.io/api/core/v1, where Probe and
// LifecycleHandler embed the same ExecAction and HTTPGetAction), the sleep action
// only hooks have, and a container's postStart and preStop. They live apart from
// core.ts, which imports them, so that neither file imports the other.
import { Type, type Static } from "@sinclair/typebox";
import { Int64 } from "./integers.js";
import { IntOrString, strict } from "./meta.js";

export const ExecAction = Type.Object({ command: Type.Optional(Type.Array(Type.String())) }, strict);
export type ExecAction = Static<typeof ExecAction>;

export const HTTPHeader = Type.Object({ name: Type.String(), value: Type.String() }, strict);
export type HTTPHeader = Static<typeof HTTPHeader>;

export const HTTPGetAction = Type.Object(
  {
    path: Type.Optional(Type.String()),
    port: IntOrString,
    host: Type.Optional(Type.String()),
    scheme: Type.Optional(Type.Union([Type.Literal("HTTP"), Type.Literal("HTTPS")])),
    httpHeaders: Type.Optional(Type.Array(HTTPHeader)),
  },
  strict,
);
export type HTTPGetAction = Static<typeof HTTPGetAction>;

/** A hook that waits: the container gets that many seconds before SIGTERM (preStop), or after it started (postStart). */
export const SleepAction = Type.Object({ seconds: Int64() }, strict);
export type SleepAction = Static<typeof SleepAction>;

/**
 * One hook's action. Kubernetes also keeps a deprecated tcpSocket here that the
 * kubelet never runs; Bosun refuses it by path rather than accept and ignore it.
 */
export const LifecycleHandler = Type.Object(
  {
    exec: Type.Optional(ExecAction),
    httpGet: Type.Optional(HTTPGetAction),
    sleep: Type.Optional(SleepAction),
  },
  strict,
);
export type LifecycleHandler = Static<typeof LifecycleHandler>;

export const Lifecycle = Type.Object(
  {
    /** Runs right after the container started; the container is killed when it fails. */
    postStart: Type.Optional(LifecycleHandler),
    /** Runs before the container gets SIGTERM, within its termination grace period. */
    preStop: Type.Optional(LifecycleHandler),
  },
  strict,
);
export type Lifecycle = Static<typeof Lifecycle>;

/** The one container-level restart policy Kubernetes 1.33 knows: an init container that is a sidecar. */
export const containerRestartPolicyAlways = "Always";
