// PATCH in its four kinds. JSON merge patch (RFC 7386) is applied by
// json-merge-patch, JSON patch (RFC 6902) and strategic merge patch by
// ../patch/, each to the stored object; server-side apply (apply-patch+yaml)
// merges an applied configuration and records who owns which fields. Also here:
// the field manager a write is recorded under, and the options only apply takes.
import type { FastifyReply } from "fastify";
import mergePatch from "json-merge-patch";
import {
  apiVersionOf,
  badRequest,
  fieldErrors,
  isPlainObject,
  statusError,
  unsupportedMediaType,
  type KubeObject,
  type ResourceInfo,
  type StatusCause,
} from "@bosun/api";
import { serverSideApply } from "../apply/server-side-apply.js";
import { StatusError } from "../errors.js";
import { applyJsonPatch } from "../patch/json-patch.js";
import type { Schema } from "../patch/schema-lookup.js";
import { strategicMergePatch } from "../patch/strategic-merge.js";
import type { Registry } from "../registry/registry.js";
import { first, type Query } from "./logs.js";
import type { ResourceRoute } from "./paths.js";

export const applyPatchMediaType = "application/apply-patch+yaml";
const mergePatchMediaType = "application/merge-patch+json";
const strategicPatchMediaType = "application/strategic-merge-patch+json";
const jsonPatchMediaType = "application/json-patch+json";

/** The result of a merge, strategic merge or JSON patch of `target`, an object described by `schema`. */
export function applyPatch(target: KubeObject, patch: unknown, mediaType: string, schema: Schema): unknown {
  switch (mediaType) {
    case jsonPatchMediaType:
      return applyJsonPatch(target, patch);
    case mergePatchMediaType:
      return mergePatch.apply(structuredClone(target), requireObject(patch, "a merge patch"));
    case strategicPatchMediaType:
      return strategicMergePatch(target as unknown as Record<string, unknown>, requireObject(patch, "a strategic merge patch"), schema);
  }
  throw new StatusError(unsupportedMediaType(mediaType, [mergePatchMediaType, strategicPatchMediaType, jsonPatchMediaType]));
}

function requireObject(patch: unknown, what: string): Record<string, unknown> {
  if (!isPlainObject(patch)) throw new StatusError(badRequest(`${what} must be a JSON object`));
  return patch;
}

/** Kubernetes' limit on the length of a field manager's name. */
const maxFieldManagerLength = 128;

function optionsInvalid(kind: string, causes: StatusCause[]): StatusError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  return new StatusError(
    statusError(422, "Invalid", `${kind}.meta.k8s.io "" is invalid: ${causes.length === 1 ? text : `[${text}]`}`, {
      group: "meta.k8s.io",
      kind,
      causes,
    }),
  );
}

function fieldManagerProblems(manager: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (manager.length > maxFieldManagerLength) causes.push(fieldErrors.tooLong("fieldManager", maxFieldManagerLength));
  if ([...manager].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) causes.push(fieldErrors.invalidValue("fieldManager", manager, "invalid characters"));
  return causes;
}

/**
 * The manager a create, update or patch is recorded under: ?fieldManager=, or
 * else the User-Agent up to its first "/" ("kubectl", "node"), as Kubernetes
 * derives it. `kind` names the options in errors (CreateOptions, UpdateOptions).
 */
export function writeFieldManager(query: Query, userAgent: string | undefined, kind: string): string {
  const explicit = first(query, "fieldManager") ?? "";
  const causes = fieldManagerProblems(explicit);
  if (causes.length > 0) throw optionsInvalid(kind, causes);
  if (explicit !== "") return explicit;
  return (userAgent ?? "").split("/")[0]!.slice(0, maxFieldManagerLength);
}

export interface PatchOptions {
  manager: string;
  force: boolean;
}

/** The manager and `force` of a PATCH: apply needs an explicit manager; only apply may force. */
export function patchOptions(query: Query, userAgent: string | undefined, mediaType: string): PatchOptions {
  const causes: StatusCause[] = [];
  const rawForce = first(query, "force");
  const apply = mediaType === applyPatchMediaType;
  if (!apply && rawForce !== undefined) causes.push(fieldErrors.forbidden("force", "may not be specified for non-apply patch"));
  // Go's strconv.ParseBool, which Kubernetes decodes query parameters with.
  const truthy = ["1", "t", "T", "TRUE", "true", "True"];
  const falsy = ["0", "f", "F", "FALSE", "false", "False"];
  if (rawForce !== undefined && !truthy.includes(rawForce) && !falsy.includes(rawForce)) {
    causes.push(fieldErrors.invalidValue("force", rawForce, "must be true or false"));
  }
  const explicit = first(query, "fieldManager") ?? "";
  if (apply && explicit === "") causes.push(fieldErrors.required("fieldManager", "is required for apply patch"));
  causes.push(...fieldManagerProblems(explicit));
  if (causes.length > 0) throw optionsInvalid("PatchOptions", causes);
  return { manager: writeFieldManager(query, userAgent, "PatchOptions"), force: rawForce !== undefined && truthy.includes(rawForce) };
}

/** Checks an applied configuration against the resource it is applied to. */
function appliedConfiguration(info: ResourceInfo, body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw new StatusError(badRequest(`the applied configuration must be an object holding a ${info.kind}, in YAML or JSON`));
  const expected = apiVersionOf(info);
  if (typeof body.kind !== "string" || body.kind === "") {
    throw new StatusError(badRequest(`Object 'Kind' is missing in the applied configuration: set "kind": "${info.kind}"`));
  }
  if (body.apiVersion !== expected) {
    throw new StatusError(
      badRequest(`Incorrect version specified in apply patch. Specified patch version: ${String(body.apiVersion ?? "")}, expected: ${expected}`),
    );
  }
  if (body.kind !== info.kind) {
    throw new StatusError(badRequest(`the kind of the applied configuration (${body.kind}) does not match the resource of the request (${info.kind})`));
  }
  if (body.metadata !== undefined && !isPlainObject(body.metadata)) throw new StatusError(badRequest("metadata of the applied configuration must be an object"));
  if (isPlainObject(body.metadata) && body.metadata.managedFields !== undefined && body.metadata.managedFields !== null) {
    throw new StatusError(badRequest("metadata.managedFields must be nil"));
  }
  return body;
}

export interface ApplyOptions extends PatchOptions {
  dryRun: boolean;
}

/**
 * Server-side apply to the object of `route` (or its status): merged into the
 * stored object, or creating it when there is none (201), as Kubernetes does.
 * `toObject` checks the result against the URL as any body is checked.
 */
export async function serveApply(
  registry: Registry,
  reply: FastifyReply,
  route: ResourceRoute,
  subresource: "status" | undefined,
  body: unknown,
  opts: ApplyOptions,
  toObject: (value: unknown) => KubeObject,
): Promise<void> {
  const { info, namespace } = route;
  const name = route.name!;
  const config = appliedConfiguration(info, body);
  const apply = (live: KubeObject | undefined) =>
    toObject(serverSideApply({ info, live, config, manager: opts.manager, force: opts.force, subresource }));
  for (let attempt = 0; ; attempt++) {
    try {
      const updated = await registry.update(
        info,
        namespace,
        name,
        (current) => {
          // As for patches: a resourceVersion in the configuration is a precondition.
          delete current.metadata.resourceVersion;
          return apply(current);
        },
        subresource,
        { dryRun: opts.dryRun },
      );
      return void reply.send(updated);
    } catch (err) {
      const missing = err instanceof StatusError && err.status.reason === "NotFound" && err.status.details?.name === name;
      if (!missing || subresource !== undefined || attempt > 0) throw err;
    }
    try {
      return void reply.code(201).send(await registry.create(info, apply(undefined), { dryRun: opts.dryRun }));
    } catch (err) {
      // Created meanwhile by someone else: apply to what they created.
      if (!(err instanceof StatusError && err.status.reason === "AlreadyExists")) throw err;
    }
  }
}
