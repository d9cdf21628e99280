// labelSelector and fieldSelector query parameters as a watch-cache filter.
import {
  badRequest,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  validateFieldSelector,
  type KubeObject,
  type ResourceInfo,
} from "@bosun/api";
import { StatusError } from "../errors.js";
import type { WatchFilter } from "../storage/cacher/watch-cache.js";

export function buildFilter(
  info: ResourceInfo,
  namespace: string | undefined,
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
): WatchFilter {
  try {
    const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
    const fields = fieldSelector ? parseFieldSelector(fieldSelector) : undefined;
    if (fields) {
      const problem = validateFieldSelector(info.kind, fields);
      if (problem) throw new StatusError(badRequest(problem));
    }
    return {
      namespace: info.namespaced ? namespace : undefined,
      selective: labels !== undefined || fields !== undefined,
      predicate: (object: KubeObject) =>
        (!labels || matchesLabels(labels, object.metadata.labels)) && (!fields || matchesFields(fields, object)),
    };
  } catch (err) {
    if (err instanceof StatusError) throw err;
    throw new StatusError(badRequest(`unable to parse requirement: ${(err as Error).message}`));
  }
}
