// The semantic rules of a ConfigMap, as Kubernetes' ValidateConfigMap and
// ValidateConfigMapUpdate (pkg/apis/core/validation): config-key names, no key in
// both data and binaryData (each key becomes one file of a volume), the total
// size, and what `immutable` freezes. The schema has already checked that
// binaryData values are base64.
import { base64DecodedLength } from "./base64.js";
import { invalidValue, key, tooLong } from "./field-errors.js";
import { isConfigMapKey } from "./naming.js";
import type { ConfigMap } from "./types/core.js";
import type { StatusCause } from "./types/meta.js";
import { immutableDataCauses } from "./validation-immutable-data.js";
import { maxSecretSizeBytes } from "./validation-secrets.js";

/** Kubernetes bounds a ConfigMap by MaxSecretSize too: data (UTF-8 bytes) and binaryData (decoded) together. */
export const maxConfigMapSizeBytes = maxSecretSizeBytes;

/**
 * The path of a cause about the whole object: Kubernetes reports the size on
 * field.NewPath(""), which prints as "[]".
 */
const wholeObject = "[]";

/** All problems with `cm`; with `old`, also those of an update. */
export function validateConfigMap(cm: ConfigMap, old?: ConfigMap): StatusCause[] {
  const causes: StatusCause[] = [];
  if (old !== undefined) {
    causes.push(
      ...immutableDataCauses(cm.immutable, old.immutable, {
        data: [cm.data, old.data],
        binaryData: [cm.binaryData, old.binaryData],
      }),
    );
  }
  const data = cm.data ?? {};
  const binaryData = cm.binaryData ?? {};
  let totalSize = 0;
  for (const [k, value] of Object.entries(data)) {
    for (const msg of isConfigMapKey(k)) causes.push(invalidValue(key("data", k), k, msg));
    if (k in binaryData) causes.push(invalidValue(key("data", k), k, "duplicate of key present in binaryData"));
    totalSize += Buffer.byteLength(value, "utf8");
  }
  for (const [k, value] of Object.entries(binaryData)) {
    for (const msg of isConfigMapKey(k)) causes.push(invalidValue(key("binaryData", k), k, msg));
    totalSize += base64DecodedLength(value);
  }
  if (totalSize > maxConfigMapSizeBytes) causes.push(tooLong(wholeObject, maxConfigMapSizeBytes));
  return causes;
}
