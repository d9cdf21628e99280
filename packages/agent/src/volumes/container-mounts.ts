// An app container's volume mounts as Docker binds: each mount's volume (set up by
// the manager before the container is made), the mount's subPath, or its
// subPathExpr expanded from the container's environment as the kubelet's
// ExpandContainerVolumeMounts does (a variable that is unset or empty is an error),
// and read-only where the mount or the volume says; a subPath is pinned
// (subpath.ts) and Docker binds the pin. A mount that cannot be made throws with
// the kubelet's words; the container then waits with CreateContainerConfigError.
import type { Container } from "@bosun/api";
import type { ContainerMount } from "../runtime/runtime.js";
import { expand } from "../pod/env/expansion.js";
import type { VolumeState } from "./manager.js";
import { resolveSubPath, type ResolvedSubPath } from "./subpath.js";

/** Pins a resolved subPath of the container's mount (by index) for Docker to bind; answers where. */
export type SubPathPinner = (volume: string, mountIndex: number, subPath: string, resolved: ResolvedSubPath) => Promise<string>;

/** NAME=value lines as a map (the value may hold "="). */
function envMap(env: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of env) {
    const eq = line.indexOf("=");
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

/** A subPathExpr with its $(VAR)s from the environment; throws naming the variables that have no value. */
export function expandSubPathExpr(expr: string, env: readonly string[]): string {
  const vars = envMap(env);
  const missing = new Set<string>();
  const expanded = expand(expr, (name) => {
    const value = vars.get(name) ?? "";
    if (value === "") missing.add(name);
    return value;
  });
  if (missing.size > 0) throw new Error(`missing value for ${[...missing].sort().join(", ")}`);
  return expanded;
}

/** The sub-path of a mount, checked as the kubelet checks it once expanded. */
function subPathOf(mountSubPath: string, expr: string, env: readonly string[]): string {
  const subPath = expr !== "" ? expandSubPathExpr(expr, env) : mountSubPath;
  if (subPath.startsWith("/")) throw new Error(`error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split("/").includes("..")) throw new Error(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  return subPath;
}

export async function containerMounts(container: Container, env: readonly string[], stateOf: (volume: string) => VolumeState | undefined, pin: SubPathPinner): Promise<ContainerMount[]> {
  const out: ContainerMount[] = [];
  for (const [i, m] of (container.volumeMounts ?? []).entries()) {
    const state = stateOf(m.name);
    if (state === undefined) throw new Error(`cannot find volume "${m.name}" to mount into container "${container.name}"`);
    if (!state.ok) throw new Error(state.message);
    const subPath = subPathOf(m.subPath ?? "", m.subPathExpr ?? "", env);
    let source = state.volume.hostPath;
    if (subPath !== "") {
      try {
        source = await pin(m.name, i, subPath, await resolveSubPath(source, subPath));
      } catch (err) {
        throw new Error(`failed to prepare subPath for volumeMount "${m.name}" of container "${container.name}": ${(err as Error).message}`);
      }
    }
    out.push({ source, target: m.mountPath, readOnly: (m.readOnly ?? false) || state.volume.readOnly });
  }
  return out;
}
