// Server-side field validation (the fieldValidation query parameter of create,
// update and patch), after k8s.io/apiserver's handlers: fields of the body the
// kind does not know, and keys a JSON body holds twice, are
//   Strict: refused, 400 BadRequest worded as Kubernetes' strict decoding error;
//   Warn:   dropped, each named in a `Warning: 299 - "unknown field \"spec.foo\""` header;
//   Ignore: dropped, as the client asked.
// Whatever the directive, the values Kubernetes warns about (deprecated node
// labels, fractional bytes, ...: objectWarnings) get Warning headers too.
// Without the parameter Kubernetes warns; Bosun refuses (422 Invalid naming each
// field, as validation always has) because it cannot tell a typo, which
// Kubernetes would drop with a warning, from a Kubernetes field Bosun does not
// implement, which Kubernetes would honour: dropping that one would change what
// the manifest means without the client noticing (principle 3 in docs/architecture.md). kubectl sends
// the parameter explicitly (Strict unless --validate says otherwise).
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  badRequest,
  duplicateJsonFields,
  fieldErrors,
  invalid,
  objectWarnings,
  statusError,
  unknownFields,
  type KubeObject,
  type ResourceInfo,
  type StatusCause,
} from "@bosun/api";
import { StatusError } from "../errors.js";
import { mediaType } from "./body.js";

type FieldValidationDirective = "Strict" | "Warn" | "Ignore";

const directives: readonly string[] = ["Strict", "Warn", "Ignore"];

/** The directive a request asks for; undefined when it names none. */
function fieldValidationDirective(query: unknown): FieldValidationDirective | undefined {
  const raw = (query as Record<string, string | string[] | undefined>).fieldValidation;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === "") return undefined;
  if (!directives.includes(value)) {
    throw new StatusError(badRequest(`invalid fieldValidation "${value}": use Strict, Warn or Ignore`));
  }
  return value as FieldValidationDirective;
}

/** RFC 7234 Warning header value with Kubernetes' code and agent: 299 - "text". */
export function warningHeader(text: string): string {
  return `299 - "${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The field checks of one write request: built from the request, applied to each object it decodes. */
export class FieldValidation {
  private constructor(
    private readonly reply: FastifyReply,
    private readonly directive: FieldValidationDirective | undefined,
    /** Keys the JSON body holds twice; the request's own, whatever object is checked. */
    private readonly duplicates: string[],
    /** A write of the status subresource, which Kubernetes does not warn about. */
    private readonly statusWrite: boolean,
  ) {}

  /** The Warning header values this check set, replaced when a retried patch is reviewed again. */
  private warned: string[] = [];

  static of(req: FastifyRequest, reply: FastifyReply): FieldValidation {
    const directive = fieldValidationDirective(req.query);
    const type = mediaType(req.headers["content-type"]);
    // YAML bodies need no scan: the YAML parser already refuses a repeated key.
    const isJson = type === "" || type.endsWith("json");
    const raw = req.body;
    const text = Buffer.isBuffer(raw) ? raw.toString("utf8") : typeof raw === "string" ? raw : "";
    const duplicates = directive === "Ignore" || !isJson ? [] : duplicateJsonFields(text);
    return new FieldValidation(reply, directive, duplicates, req.url.split("?")[0].endsWith("/status"));
  }

  /**
   * Applies the directive to `object`, decoded from the body (or patched with it)
   * as `info`'s kind: throws the refusal, or drops unknown fields from `object`;
   * then sets the Warning headers, with the warnings Kubernetes gives for the
   * object's values (objectWarnings). May be called again for a retried patch;
   * the headers then describe the last object.
   */
  review(info: ResourceInfo, object: KubeObject): void {
    const prune = this.directive === "Warn" || this.directive === "Ignore";
    // Unrequested, unknown fields stay for validation to refuse with the others.
    const unknown = this.directive === undefined ? [] : unknownFields(info.schema, object, prune);
    const problems = [...unknown.map((f) => `unknown field "${f}"`), ...this.duplicates.map((f) => `duplicate field "${f}"`)];
    if (problems.length > 0 && this.directive === "Strict") {
      throw new StatusError(
        statusError(400, "BadRequest", `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: strict decoding error: ${problems.join(", ")}`, {
          kind: info.kind,
          group: info.group,
          name: object.metadata.name,
          causes: this.causes(unknown),
        }),
      );
    }
    if (problems.length > 0 && this.directive === undefined) {
      throw new StatusError(invalid(info, object.metadata.name ?? "", this.causes(unknown)));
    }
    const warnings = [...(this.directive === "Warn" ? problems : []), ...(this.statusWrite ? [] : objectWarnings(info.kind, object))];
    this.setWarnings(warnings.map(warningHeader));
  }

  /** Keeps Warning headers other code set on the reply; replaces the ones this check set before. */
  private setWarnings(values: string[]): void {
    const current = this.reply.getHeader("warning");
    const others = (Array.isArray(current) ? current : current === undefined ? [] : [String(current)]).filter((v) => !this.warned.includes(v));
    this.warned = values;
    const all = [...others, ...values];
    if (all.length > 0) this.reply.header("warning", all);
    else this.reply.removeHeader("warning");
  }

  private causes(unknown: string[]): StatusCause[] {
    return [
      ...unknown.map((f) => fieldErrors.unknownField(f)),
      ...this.duplicates.map((f) => ({ reason: "FieldValueDuplicate", message: `duplicate field "${f}"`, field: f })),
    ];
  }
}
