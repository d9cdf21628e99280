// The semantic rules of a Secret, as Kubernetes' ValidateSecret and
// ValidateSecretUpdate (pkg/apis/core/validation): config-key names, the total
// size, what each well-known type must hold, and what may not change. The
// schema has already checked that data values are base64. stringData is not
// looked at: the apiserver has merged it into data before validating, as
// Kubernetes has by then. No cause ever quotes a secret value.
import { base64DecodedLength } from "./base64.js";
import { invalidValue, key, required, tooLong } from "./field-errors.js";
import { isConfigMapKey } from "./naming.js";
import { immutableDataCauses } from "./validation-immutable-data.js";
import type { Secret } from "./types/core.js";
import type { StatusCause } from "./types/meta.js";

/** Kubernetes' MaxSecretSize: the decoded values of data together. */
export const maxSecretSizeBytes = 1024 * 1024;

const redacted = "<secret contents redacted>";

const dataPath = "data";

/** What a well-known type (core.SecretType*) needs besides the common rules. */
type TypeRule = (secret: Secret, data: Record<string, string>) => StatusCause[];

function missingKeys(data: Record<string, string>, keys: readonly string[]): StatusCause[] {
  return keys.filter((k) => !(k in data)).map((k) => required(key(dataPath, k)));
}

/** A docker config key that must be there and hold a JSON object, as json.Unmarshal into a map checks. */
function dockerConfig(configKey: string): TypeRule {
  return (_secret, data) => {
    const value = data[configKey];
    if (value === undefined) return [required(key(dataPath, configKey))];
    const problem = jsonObjectProblem(Buffer.from(value, "base64").toString("utf8"));
    return problem === undefined ? [] : [invalidValue(key(dataPath, configKey), redacted, problem)];
  };
}

function jsonObjectProblem(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return `invalid JSON: ${(err as Error).message}`;
  }
  if (parsed === null || (typeof parsed === "object" && !Array.isArray(parsed))) return undefined;
  const type = Array.isArray(parsed) ? "array" : typeof parsed;
  return `json: cannot unmarshal ${type} into Go value of type map[string]interface {}`;
}

const typeRules: Record<string, TypeRule> = {
  // A controller adds the token and the uid later; only the account's name is needed up front.
  "kubernetes.io/service-account-token": (secret) => {
    const name = "kubernetes.io/service-account.name";
    return secret.metadata.annotations?.[name] ? [] : [required(key("metadata.annotations", name))];
  },
  "kubernetes.io/dockercfg": dockerConfig(".dockercfg"),
  "kubernetes.io/dockerconfigjson": dockerConfig(".dockerconfigjson"),
  // Either may be empty, but one of them must be there.
  "kubernetes.io/basic-auth": (_secret, data) =>
    "username" in data || "password" in data ? [] : missingKeys(data, ["username", "password"]),
  "kubernetes.io/ssh-auth": (_secret, data) =>
    base64DecodedLength(data["ssh-privatekey"] ?? "") > 0 ? [] : [required(key(dataPath, "ssh-privatekey"))],
  "kubernetes.io/tls": (_secret, data) => missingKeys(data, ["tls.crt", "tls.key"]),
};

/** All problems with `secret` (its data already merged from stringData); with `old`, also those of an update. */
export function validateSecret(secret: Secret, old?: Secret): StatusCause[] {
  const causes: StatusCause[] = [];
  if (old !== undefined) causes.push(...validateSecretUpdate(secret, old));
  const data = secret.data ?? {};
  let totalSize = 0;
  for (const [k, value] of Object.entries(data)) {
    for (const msg of isConfigMapKey(k)) causes.push(invalidValue(key(dataPath, k), k, msg));
    totalSize += base64DecodedLength(value);
  }
  if (totalSize > maxSecretSizeBytes) causes.push(tooLong(dataPath, maxSecretSizeBytes));
  causes.push(...(typeRules[secret.type ?? ""]?.(secret, data) ?? []));
  return causes;
}

function validateSecretUpdate(secret: Secret, old: Secret): StatusCause[] {
  const causes: StatusCause[] = [];
  if ((secret.type ?? "") !== (old.type ?? "")) causes.push(invalidValue("type", secret.type ?? "", "field is immutable"));
  causes.push(...immutableDataCauses(secret.immutable, old.immutable, { [dataPath]: [secret.data, old.data] }));
  return causes;
}
