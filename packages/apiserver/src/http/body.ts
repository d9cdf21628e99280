// Request bodies: media type, size and syntax are checked here, so a handler only
// ever sees a parsed JSON value or answers with the Status that explains why not.
import { parse as parseYaml } from "yaml";
import { badRequest, unsupportedMediaType } from "@bosun/api";
import { StatusError } from "../errors.js";

/** The largest request body Kubernetes accepts (3 MiB). */
export const maxBodyBytes = 3 * 1024 * 1024;

export const objectMediaTypes = ["application/json", "application/yaml"];
export const patchMediaTypes = [
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/json-patch+json",
];

export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

/** Parses a request body of one of the accepted media types. */
export function parseBody(raw: unknown, contentType: string | undefined, accepted: readonly string[]): unknown {
  // As Kubernetes: an object body without a Content-Type is JSON (client-go's scale
  // client sends one so); a patch must say which kind of patch it is.
  const declared = mediaType(contentType);
  const type = declared === "" && accepted.includes("application/json") ? "application/json" : declared;
  if (!accepted.includes(type)) throw new StatusError(unsupportedMediaType(type, accepted));
  const text = Buffer.isBuffer(raw) ? raw.toString("utf8") : typeof raw === "string" ? raw : "";
  if (text.trim() === "") throw new StatusError(badRequest("the request body is empty: send the object as JSON"));
  try {
    return type.endsWith("yaml") ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new StatusError(badRequest(`the request body is not valid ${type.endsWith("yaml") ? "YAML" : "JSON"}: ${(err as Error).message}`));
  }
}

