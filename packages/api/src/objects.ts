// Shape checks on decoded JSON, shared by defaulting, request parsing and the CLI.

/** A JSON object: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * holder[field], created empty when unset; undefined when it holds something other
 * than an object, which defaulting leaves alone for validation to report.
 */
export function objectField<T extends object>(holder: object, field: string): T | undefined {
  const h = holder as Record<string, unknown>;
  if (h[field] === undefined) h[field] = {};
  return isPlainObject(h[field]) ? (h[field] as T) : undefined;
}

/**
 * Whether a value is more than empty objects and lists (Go's zero value of a
 * struct, which Kubernetes' validation treats as unset).
 */
export function hasContent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.values(value).some(hasContent);
  return true;
}
