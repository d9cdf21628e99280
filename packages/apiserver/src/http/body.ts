// Request bodies: media type, size and syntax are checked here, so a handler only
// ever sees a parsed JSON value (an object sent as protobuf is decoded to the JSON
// it would have been) or answers with the Status that explains why not.
import { parse as parseYaml } from "yaml";
import { badRequest, unsupportedMediaType, type ResourceInfo, type Status } from "@bosun/api";
import { StatusError } from "../errors.js";
import { decodeProtobufObject, protobufKinds, protobufMediaType, protobufWorkaround } from "./protobuf-body.js";

/** The largest request body Kubernetes accepts (3 MiB). */
export const maxBodyBytes = 3 * 1024 * 1024;

export const objectMediaTypes = ["application/json", "application/yaml"];
export const patchMediaTypes = [
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/json-patch+json",
  "application/apply-patch+yaml",
];

/**
 * What a create or update takes: JSON, YAML, and Kubernetes protobuf (which
 * kubectl 1.32 and later send from `kubectl create namespace|secret|deployment|...`)
 * for the kinds protobuf-body.ts decodes.
 */
export const objectWriteMediaTypes = [...objectMediaTypes, protobufMediaType];

/** 415 for a protobuf body where Bosun takes none (patches, bindings, evictions). */
function protobufRefused(accepted: readonly string[]): Status {
  const status = unsupportedMediaType(protobufMediaType, accepted);
  status.message += `. Bosun decodes Kubernetes protobuf only in the body of a create or update of ${protobufKinds}. ${protobufWorkaround}`;
  return status;
}

export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

/** Parses the body of a create or update of `info`'s kind: the object, decoded from JSON, YAML or protobuf. */
export function parseObjectBody(raw: unknown, contentType: string | undefined, info: ResourceInfo): unknown {
  if (mediaType(contentType) !== protobufMediaType) return parseBody(raw, contentType, objectWriteMediaTypes);
  return decodeProtobufObject(Buffer.isBuffer(raw) ? raw : Buffer.alloc(0), info);
}

/** Parses a request body of one of the accepted media types. */
export function parseBody(raw: unknown, contentType: string | undefined, accepted: readonly string[]): unknown {
  // As Kubernetes: an object body without a Content-Type is JSON (client-go's scale
  // client sends one so); a patch must say which kind of patch it is.
  const declared = mediaType(contentType);
  const type = declared === "" && accepted.includes("application/json") ? "application/json" : declared;
  if (!accepted.includes(type)) {
    throw new StatusError(type === protobufMediaType ? protobufRefused(accepted) : unsupportedMediaType(type, accepted));
  }
  const text = Buffer.isBuffer(raw) ? raw.toString("utf8") : typeof raw === "string" ? raw : "";
  if (text.trim() === "") throw new StatusError(badRequest("the request body is empty: send the object as JSON"));
  try {
    return type.endsWith("yaml") ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new StatusError(badRequest(`the request body is not valid ${type.endsWith("yaml") ? "YAML" : "JSON"}: ${(err as Error).message}`));
  }
}

