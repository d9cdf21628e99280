// Kubernetes' integer fields are int32 or int64 in its Go types, and its decoder
// refuses a number that does not fit (a replicas of 3000000000, say) before anything
// else looks at it. The schemas say which each field is; an int64 is bounded by what
// a JavaScript number holds exactly (2^53 - 1), far beyond any real value of one.
import { Type, type IntegerOptions } from "@sinclair/typebox";

export const int32Min = -2147483648;
export const int32Max = 2147483647;
export const int64Min = Number.MIN_SAFE_INTEGER;
export const int64Max = Number.MAX_SAFE_INTEGER;

/** The range of each integer format, for the schemas and their error messages. */
export const integerRanges = { int32: [int32Min, int32Max], int64: [int64Min, int64Max] } as const;

/** A field Kubernetes declares int32. */
export function Int32(options: IntegerOptions = {}) {
  return Type.Integer({ format: "int32", minimum: int32Min, maximum: int32Max, ...options });
}

/** A field Kubernetes declares int64. */
export function Int64(options: IntegerOptions = {}) {
  return Type.Integer({ format: "int64", minimum: int64Min, maximum: int64Max, ...options });
}
