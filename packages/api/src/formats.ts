// String formats the schemas use. TypeBox refuses any value whose format is not
// registered, so this runs when @bosun/api is first imported, before any check.
import { FormatRegistry } from "@sinclair/typebox";
import { isBase64 } from "./base64.js";

const rfc3339Pattern = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** metav1.Time: an RFC 3339 timestamp such as "2024-05-01T12:00:00Z". */
export function isRfc3339(value: string): boolean {
  return rfc3339Pattern.test(value) && !Number.isNaN(Date.parse(value));
}

if (!FormatRegistry.Has("date-time")) FormatRegistry.Set("date-time", isRfc3339);

/** RFC 3339 with second precision, as Kubernetes serialises metav1.Time. */
export function rfc3339(date: Date | number = new Date()): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, "Z");
}

// []byte fields (Secret.data), as Kubernetes' OpenAPI names their format.
if (!FormatRegistry.Has("byte")) FormatRegistry.Set("byte", isBase64);
