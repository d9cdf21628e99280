// Request bodies: media type, size and syntax are checked here, so a handler only
// ever sees a parsed JSON value or answers with the Status that explains why not.
import { parse as parseYaml } from "yaml";
import { badRequest, unsupportedMediaType, type Status } from "@bosun/api";
import { StatusError } from "../errors.js";

/** The largest request body Kubernetes accepts (3 MiB). */
export const maxBodyBytes = 3 * 1024 * 1024;

export const objectMediaTypes = ["application/json", "application/yaml"];
export const patchMediaTypes = [
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/json-patch+json",
  "application/apply-patch+yaml",
];

/** What kubectl 1.32 and later send for the objects its typed clients build. */
const protobufMediaType = "application/vnd.kubernetes.protobuf";

/**
 * 415 for a protobuf body. Bosun speaks JSON and YAML only; kubectl's generators
 * (`kubectl create deployment|namespace|job|cronjob|secret|service`) send protobuf since 1.32, so
 * the message says how to get the same object to the server as YAML.
 */
function protobufRefused(accepted: readonly string[]): Status {
  const status = unsupportedMediaType(protobufMediaType, accepted);
  status.message +=
    ". Bosun does not decode Kubernetes protobuf, which kubectl 1.32 and later send from 'kubectl create deployment|namespace|job|cronjob|secret|service'." +
    " Write the object as YAML and create it from the file ('kubectl create -f <file>'), or pipe it:" +
    " 'kubectl create deployment x --image=y --dry-run=client -o yaml | kubectl apply -f -' (or '| bosun apply -f -')";
  return status;
}

export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
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

