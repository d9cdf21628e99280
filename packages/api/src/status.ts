// Builders for the Kubernetes Status objects the API returns on failure. Messages,
// reasons, codes and details follow k8s.io/apimachinery/pkg/api/errors, so kubectl
// and client libraries recognise them (kubectl prints `message`, client-go switches
// on `reason`).
import type { ResourceInfo } from "./resources.js";
import type { Status, StatusCause } from "./types/meta.js";

export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "MethodNotAllowed"
  | "Expired"
  | "Gone"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "InternalError"
  | "ServiceUnavailable"
  | "Timeout";

export type StatusDetails = NonNullable<Status["details"]>;

export function statusError(code: number, reason: StatusReason | string, message: string, details?: StatusDetails): Status {
  const status: Status = { apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", message, reason, code };
  if (details !== undefined) status.details = details;
  return status;
}

export function isStatus(value: unknown): value is Status {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "Status" &&
    typeof (value as { code?: unknown }).code === "number"
  );
}

/** "pods" or "deployments.apps", as Kubernetes names a resource in messages. */
export function qualifiedResource(info: ResourceInfo): string {
  return info.group === "" ? info.resource : `${info.resource}.${info.group}`;
}

/** "Pod" or "Deployment.apps", as Kubernetes names a kind in messages. */
export function qualifiedKind(info: ResourceInfo): string {
  return info.group === "" ? info.kind : `${info.kind}.${info.group}`;
}

function resourceDetails(info: ResourceInfo, name: string): StatusDetails {
  // Kubernetes puts the plural resource, not the kind, in details.kind here.
  return { name, group: info.group, kind: info.resource };
}

export function notFound(info: ResourceInfo, name: string): Status {
  return statusError(404, "NotFound", `${qualifiedResource(info)} "${name}" not found`, resourceDetails(info, name));
}

/** 404 for a path that names no resource the server knows. */
export function routeNotFound(): Status {
  return statusError(404, "NotFound", "the server could not find the requested resource", {
    causes: [{ reason: "UnexpectedServerResponse", message: "404 page not found" }],
  });
}

export function alreadyExists(info: ResourceInfo, name: string): Status {
  return statusError(409, "AlreadyExists", `${qualifiedResource(info)} "${name}" already exists`, resourceDetails(info, name));
}

export function conflict(info: ResourceInfo, name: string, message: string): Status {
  return statusError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(info)} "${name}": ${message}`,
    resourceDetails(info, name),
  );
}

/** One cause as field.Error.Error() prints it: "spec.containers[0].image: Required value". */
export function causeToString(cause: StatusCause): string {
  if (cause.field === undefined || cause.field === "" || cause.reason === "FieldValueUnknown") return cause.message ?? "";
  return `${cause.field}: ${cause.message ?? ""}`;
}

/** Joins causes as utilerrors.Aggregate does: one alone, several in brackets. */
export function causesMessage(causes: readonly StatusCause[]): string {
  const parts = causes.map(causeToString);
  return parts.length === 1 ? parts[0]! : `[${parts.join(", ")}]`;
}

export function invalid(info: ResourceInfo, name: string, causes: StatusCause[]): Status {
  const head = `${qualifiedKind(info)} "${name}" is invalid`;
  return statusError(422, "Invalid", causes.length === 0 ? head : `${head}: ${causesMessage(causes)}`, {
    name,
    group: info.group,
    kind: info.kind,
    causes,
  });
}

/** 401: no credentials, or credentials the server does not accept. */
export function unauthorized(message = "Unauthorized"): Status {
  return statusError(401, "Unauthorized", message);
}

/** 403 in Kubernetes' wording: `pods "web" is forbidden: User "u" cannot get resource "pods" ...: why`. */
export function forbidden(opts: { user: string; verb: string; info?: ResourceInfo; resource?: string; name?: string; namespace?: string; reason: string }): Status {
  const resource = opts.info ? (opts.info.group ? `${opts.info.resource}.${opts.info.group}` : opts.info.resource) : (opts.resource ?? "");
  const what = opts.name ? `${resource} "${opts.name}"` : resource;
  const scope = opts.namespace ? ` in the namespace "${opts.namespace}"` : opts.info && !opts.info.namespaced ? " at the cluster scope" : "";
  const message =
    `${what} is forbidden: User "${opts.user}" cannot ${opts.verb} resource "${opts.info?.resource ?? resource}"` +
    (opts.info ? ` in API group "${opts.info.group}"` : "") +
    `${scope}: ${opts.reason}`;
  return statusError(403, "Forbidden", message, { name: opts.name, group: opts.info?.group, kind: opts.info?.resource ?? resource });
}

export function badRequest(message: string): Status {
  return statusError(400, "BadRequest", message);
}

export function methodNotAllowed(info: ResourceInfo, action: string): Status {
  return statusError(405, "MethodNotAllowed", `${action} is not supported on resources of kind "${qualifiedResource(info)}"`, {
    group: info.group,
    kind: info.resource,
  });
}

/** 410 for a watch or list from a resourceVersion etcd has compacted away. */
export function expired(message: string): Status {
  return statusError(410, "Expired", message);
}

export function gone(message: string): Status {
  return statusError(410, "Gone", message);
}

export function requestEntityTooLarge(message: string): Status {
  return statusError(413, "RequestEntityTooLarge", `Request entity too large: ${message}`);
}

export function unsupportedMediaType(contentType: string, accepted: readonly string[] = ["application/json", "application/yaml", "application/merge-patch+json", "application/json-patch+json", "application/strategic-merge-patch+json"]): Status {
  return statusError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format (${contentType || "no Content-Type"}) - accepted media types include: ${accepted.join(", ")}`,
  );
}

export function internalError(err: unknown): Status {
  const text = err instanceof Error ? err.message : String(err);
  return statusError(500, "InternalError", `Internal error occurred: ${text}`, { causes: [{ message: text }] });
}

export function serviceUnavailable(message: string, retryAfterSeconds?: number): Status {
  return statusError(
    503,
    "ServiceUnavailable",
    message,
    retryAfterSeconds === undefined ? undefined : { retryAfterSeconds },
  );
}
