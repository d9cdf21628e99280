// `--append-hash`: the name suffix kubectl appends to a ConfigMap or Secret it creates
// (k8s.io/kubectl/pkg/util/hash), so a Bosun-made and a kubectl-made object from the
// same sources get the same name. The hash is sha256 over Go's json.Marshal of a map
// of kind, name, data (and type or binaryData); its first 10 hex characters, with
// 0 1 3 a e spelled g h k m t so that no words form.
import { createHash } from "node:crypto";
import { canonicalJson, type ConfigMap, type Secret } from "@bosun/api";

// Go's encoder escapes these inside strings (HTML safety); JSON.stringify does not.
// They can only occur inside strings, so escaping them in the whole text is exact.
const goEscaped = /[<>&\u2028\u2029]/g;

/** Go's json.Marshal of a map: keys sorted, strings with Go's escapes. */
function goJson(value: Record<string, unknown>): string {
  return canonicalJson(value).replace(goEscaped, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const consonantFor: Record<string, string> = { "0": "g", "1": "h", "3": "k", a: "m", e: "t" };

function encodedHash(text: string): string {
  const hex = createHash("sha256").update(text, "utf8").digest("hex");
  return hex.slice(0, 10).replace(/[013ae]/g, (c) => consonantFor[c]!);
}

/** kubectl's ConfigMapHash: over kind, name, data (an empty map when none), binaryData when any, immutable when set. */
export function configMapHash(cm: ConfigMap): string {
  const binary = cm.binaryData && Object.keys(cm.binaryData).length > 0 ? { binaryData: cm.binaryData } : {};
  const immutable = cm.immutable !== undefined ? { immutable: cm.immutable } : {};
  return encodedHash(goJson({ kind: "ConfigMap", name: cm.metadata.name ?? "", data: cm.data ?? {}, ...binary, ...immutable }));
}

/** kubectl's SecretHash: over kind, name, type ("" when not given), data (base64 values), immutable when set. */
export function secretHash(secret: Secret): string {
  const immutable = secret.immutable !== undefined ? { immutable: secret.immutable } : {};
  return encodedHash(goJson({ kind: "Secret", name: secret.metadata.name ?? "", type: secret.type ?? "", data: secret.data ?? {}, ...immutable }));
}

/** The object renamed `<name>-<hash>`, as `kubectl create ... --append-hash` names it. */
export function withHashSuffix<T extends ConfigMap | Secret>(object: T): T {
  const hash = object.kind === "ConfigMap" ? configMapHash(object as ConfigMap) : secretHash(object as Secret);
  return { ...object, metadata: { ...object.metadata, name: `${object.metadata.name ?? ""}-${hash}` } };
}
