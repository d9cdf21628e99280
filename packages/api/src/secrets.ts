// What the apiserver does to a Secret before validating it, and what readers of
// one may show. Kubernetes turns stringData into data while decoding a v1 Secret
// (Convert_v1_Secret_To_core_Secret), so stringData is never stored or returned
// and validation only ever sees data; Bosun does the same in the registry's
// prepare step of creates and updates. Tolerates malformed input: a stringData
// that is not a map of strings is left for validation to report by path.
import { decodedSizes } from "./base64.js";
import { isPlainObject } from "./objects.js";
import { secretTypeOpaque, type Secret } from "./types/core.js";
import type { KubeObject } from "./types/meta.js";

/** Merges stringData into data, its keys overwriting data's, and drops stringData. */
export function mergeStringData(object: KubeObject): void {
  const secret = object as KubeObject & Record<string, unknown>;
  const stringData = secret.stringData;
  if (stringData === undefined || stringData === null) {
    delete secret.stringData;
    return;
  }
  if (!isPlainObject(stringData) || !Object.values(stringData).every((v) => typeof v === "string")) return;
  const data = secret.data ?? {};
  if (!isPlainObject(data)) return;
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(value as string, "utf8").toString("base64");
  if (Object.keys(data).length > 0) secret.data = data;
  delete secret.stringData;
}

/** As SetDefaults_Secret: a Secret without a type is Opaque. */
export function defaultSecret(secret: Secret): void {
  if (secret.type === undefined || secret.type === "") secret.type = secretTypeOpaque;
}

/** Each data key with the size of its decoded value, by key: what `describe` shows instead of values. */
export function secretDataSizes(secret: Secret): [key: string, bytes: number][] {
  return decodedSizes(secret.data);
}
