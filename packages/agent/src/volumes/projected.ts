// projected volumes: the files of several configMap, secret, downwardAPI and
// serviceAccountToken sources in one directory, as the kubelet's projected plugin
// makes them (each source's items, or all its keys, with the volume's
// defaultMode; a token from the token manager, renewed before it expires); on a
// tmpfs when any source is a Secret or a token. Every source that fails is named
// in the error.
import { defaultVolumeFileMode, type ProjectedVolumeSource, type VolumeProjection } from "@bosun/api";
import type { Payload } from "./atomic-writer.js";
import { configMapPayload, downwardApiPayload, mergePayloads, secretPayload } from "./payloads.js";
import { aggregateError } from "../aggregate-error.js";
import { readSourceObject, type MountableVolume, type VolumeSetUpContext } from "./volume.js";
import { writeVolume } from "./written-volume.js";

async function sourcePayload(ctx: VolumeSetUpContext, source: VolumeProjection, defaultMode: number): Promise<Payload> {
  if (source.configMap) {
    const { name = "", items, optional = false } = source.configMap;
    return configMapPayload(await readSourceObject(ctx, "configMap", name, optional), items, defaultMode, optional);
  }
  if (source.secret) {
    const { name = "", items, optional = false } = source.secret;
    return secretPayload(await readSourceObject(ctx, "secret", name, optional), items, defaultMode, optional);
  }
  if (source.downwardAPI) return downwardApiPayload(ctx.pod, source.downwardAPI.items, defaultMode, ctx.nodeAllocatable);
  if (source.serviceAccountToken) {
    const projection = source.serviceAccountToken;
    if (!ctx.tokens) throw new Error(`couldn't get a token of service account ${ctx.pod.metadata.namespace ?? ""}/${ctx.pod.spec.serviceAccountName ?? ""}, no kubeClient defined`);
    const token = await ctx.tokens.token(ctx.pod, projection);
    return new Map([[projection.path, { data: Buffer.from(token, "utf8"), mode: defaultMode }]]);
  }
  // Validation refuses the others (cluster trust bundles); a pod from elsewhere gets nothing for them.
  return new Map();
}

export async function setUpProjected(ctx: VolumeSetUpContext, name: string, source: ProjectedVolumeSource): Promise<MountableVolume> {
  const defaultMode = source.defaultMode ?? defaultVolumeFileMode;
  const parts: Payload[] = [];
  const problems: string[] = [];
  for (const s of source.sources ?? []) {
    try {
      parts.push(await sourcePayload(ctx, s, defaultMode));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw aggregateError(problems);
  // A token is as secret as a Secret.
  const holdsSecrets = (source.sources ?? []).some((s) => s.secret !== undefined || s.serviceAccountToken !== undefined);
  return writeVolume(ctx, "projected", name, mergePayloads(parts), holdsSecrets);
}
