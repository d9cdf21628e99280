// A container's env and envFrom as Kubernetes' ValidateEnv and ValidateEnvFrom
// (pkg/apis/core/validation) check them: names as Kubernetes 1.33 allows them,
// exactly one source per variable, pod fields and container resources the
// downward API knows, divisors that make sense for the resource, and ConfigMap
// and Secret names and keys that could exist.
import { containerResourceFieldPaths, convertDownwardApiFieldLabel, envFieldPaths, splitSubscriptedPath } from "./downward-api.js";
import { child, index, invalidValue, notSupported, required } from "./field-errors.js";
import { isConfigMapKey, isEnvVarName, isQualifiedName, nameProblems } from "./naming.js";
import { isValidQuantity, parseQuantity, quantityFormatMessage } from "./quantity.js";
import type { ConfigMapKeySelector, EnvFromSource, EnvVar, ObjectFieldSelector, ResourceFieldSelector, SecretKeySelector } from "./types/env.js";
import type { Quantity, StatusCause } from "./types/meta.js";

const cpuDivisors = ["1m", "1"];
const byteDivisors = ["1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"];

/** The divisors each resource accepts, and how Kubernetes words a refusal. */
const divisorRules: Record<string, { allowed: string[]; message: string }> = {
  cpu: { allowed: cpuDivisors, message: "only divisor's values 1m and 1 are supported with the cpu resource" },
  memory: { allowed: byteDivisors, message: `only divisor's values ${byteDivisors.join(", ")} are supported with the memory resource` },
  "ephemeral-storage": {
    allowed: byteDivisors,
    message: `only divisor's values ${byteDivisors.join(", ")} are supported with the local ephemeral storage resource`,
  },
};

export function validateEnv(vars: EnvVar[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (vars ?? []).forEach((ev, i) => {
    const p = index(path, i);
    if (ev.name === "") causes.push(required(child(p, "name")));
    else for (const msg of isEnvVarName(ev.name)) causes.push(invalidValue(child(p, "name"), ev.name, msg));
    causes.push(...validateEnvVarValueFrom(ev, child(p, "valueFrom")));
  });
  return causes;
}

function validateEnvVarValueFrom(ev: EnvVar, path: string): StatusCause[] {
  const from = ev.valueFrom;
  if (from === undefined) return [];
  // One entry per source that is set, each with its own problems.
  const sources = [
    from.fieldRef && validateObjectFieldSelector(from.fieldRef, child(path, "fieldRef")),
    from.resourceFieldRef && validateResourceFieldSelector(from.resourceFieldRef, child(path, "resourceFieldRef")),
    from.configMapKeyRef && validateKeySelector(from.configMapKeyRef, child(path, "configMapKeyRef")),
    from.secretKeyRef && validateKeySelector(from.secretKeyRef, child(path, "secretKeyRef")),
  ].filter((s) => s !== undefined);
  const causes = sources.flat();
  if (sources.length === 0) {
    causes.push(invalidValue(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"));
  } else if ((ev.value ?? "") !== "") {
    causes.push(invalidValue(path, "", "may not be specified when `value` is not empty"));
  } else if (sources.length > 1) {
    causes.push(invalidValue(path, "", "may not have more than one field specified at a time"));
  }
  return causes;
}

/** A pod field: one the downward API knows and `allowed` lists (an environment variable's by default; a volume file's are others). */
export function validateObjectFieldSelector(fs: ObjectFieldSelector, path: string, allowed: readonly string[] = envFieldPaths): StatusCause[] {
  if (!fs.apiVersion) return [required(child(path, "apiVersion"))];
  if (fs.fieldPath === "") return [required(child(path, "fieldPath"))];
  const converted = convertDownwardApiFieldLabel(fs.apiVersion, fs.fieldPath);
  if (!converted.ok) return [invalidValue(child(path, "fieldPath"), fs.fieldPath, `error converting fieldPath: ${converted.error}`)];
  const { path: field, subscript } = splitSubscriptedPath(converted.fieldPath);
  if (subscript !== undefined) {
    // Annotation keys are matched case-insensitively, so their subscript is checked in lower case.
    const key = field === "metadata.annotations" ? subscript.toLowerCase() : subscript;
    return isQualifiedName(key).map((msg) => invalidValue(path, key, msg));
  }
  if (!allowed.includes(field)) return [notSupported(child(path, "fieldPath"), field, allowed)];
  return [];
}

/** A container resource; a volume's file must name its container (`forVolume`), a variable's may leave out its own. */
export function validateResourceFieldSelector(fs: ResourceFieldSelector, path: string, forVolume = false): StatusCause[] {
  const causes: StatusCause[] = [];
  if (forVolume && (fs.containerName ?? "") === "") causes.push(required(child(path, "containerName")));
  if (fs.resource === "") causes.push(required(child(path, "resource")));
  else if (!containerResourceFieldPaths.includes(fs.resource)) {
    causes.push(notSupported(child(path, "resource"), fs.resource, containerResourceFieldPaths));
  }
  causes.push(...validateDivisor(fs.resource, fs.divisor, path));
  return causes;
}

function validateDivisor(resource: string, divisor: Quantity | undefined, path: string): StatusCause[] {
  if (divisor === undefined) return [];
  if (!isValidQuantity(divisor)) return [invalidValue(child(path, "divisor"), divisor, quantityFormatMessage)];
  const value = parseQuantity(divisor);
  // A zero divisor is Go's zero Quantity: unset, so 1.
  if (value === 0) return [];
  const rule = divisorRules[resource.slice(resource.indexOf(".") + 1)];
  if (rule === undefined || rule.allowed.some((d) => parseQuantity(d) === value)) return [];
  return [invalidValue(child(path, "divisor"), resource, rule.message)];
}

function validateKeySelector(s: ConfigMapKeySelector | SecretKeySelector, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = s.name ?? "";
  for (const msg of nameProblems("Secret", name)) causes.push(invalidValue(child(path, "name"), name, msg));
  if (s.key === "") causes.push(required(child(path, "key")));
  else for (const msg of isConfigMapKey(s.key)) causes.push(invalidValue(child(path, "key"), s.key, msg));
  return causes;
}

export function validateEnvFrom(sources: EnvFromSource[] | undefined, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  (sources ?? []).forEach((ev, i) => {
    const p = index(path, i);
    if (ev.prefix !== undefined && ev.prefix !== "") {
      for (const msg of isEnvVarName(ev.prefix)) causes.push(invalidValue(child(p, "prefix"), ev.prefix, msg));
    }
    const refs = [
      ["configMapRef", ev.configMapRef],
      ["secretRef", ev.secretRef],
    ] as const;
    let count = 0;
    for (const [field, ref] of refs) {
      if (ref === undefined) continue;
      count++;
      const name = ref.name ?? "";
      const namePath = child(child(p, field), "name");
      if (name === "") causes.push(required(namePath));
      // As Kubernetes: the name is checked as a generateName prefix would be (a trailing "-" passes).
      else for (const msg of nameProblems(field === "configMapRef" ? "ConfigMap" : "Secret", name, true)) causes.push(invalidValue(namePath, name, msg));
    }
    // Kubernetes names the whole list, not the item, in these two.
    if (count === 0) causes.push(invalidValue(path, "", "must specify one of: `configMapRef` or `secretRef`"));
    else if (count > 1) causes.push(invalidValue(path, "", "may not have more than one field specified at a time"));
  });
  return causes;
}
