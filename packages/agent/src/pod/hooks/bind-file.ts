// A file of the pod's that the agent writes (its /etc/hosts, its /etc/resolv.conf),
// bound into a container as the kubelet's makeMounts binds them: not over anything
// the container mounts at that path itself, and not at all when the file is missing
// (a sandbox an older agent made keeps what Docker gave it).
import { access } from "node:fs/promises";
import type { Container } from "@bosun/api";
import type { ContainerCreateSpec } from "../../runtime/runtime.js";

export async function bindPodFile(container: Container, spec: ContainerCreateSpec, file: string, target: string): Promise<void> {
  if ((container.volumeMounts ?? []).some((m) => m.mountPath === target)) return;
  if (!(await access(file).then(() => true, () => false))) return;
  spec.mounts = [...(spec.mounts ?? []), { source: file, target, readOnly: false }];
}
