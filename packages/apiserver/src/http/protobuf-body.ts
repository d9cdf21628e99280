// Kubernetes protobuf request bodies (application/vnd.kubernetes.protobuf), which
// kubectl 1.32 and later send from `kubectl create namespace|configmap|secret|
// serviceaccount|service|deployment|job|cronjob|poddisruptionbudget|priorityclass|
// ingress|token`. The envelope (k8s.io/apimachinery's
// protobuf serializer: the magic "k8s\0", then a runtime.Unknown naming the kind)
// and the object's message are decoded with the messages of proto/k8s, and the
// message becomes the JSON object kubectl would have sent for the same object, so
// that field validation, defaults and storage see exactly what a JSON body gives
// them. How a message reads as JSON follows the conventions of
// proto/k8s/meta/v1/meta.proto.
import { apiVersionOf, badRequest, rfc3339, unsupportedMediaType, type ResourceInfo } from "@bosun/api";
import { apps, authentication, batch, BinaryReader, core, messageTypeRegistry, networking, policy, runtime, scheduling, type MessageType, type UnknownMessage } from "@bosun/proto/k8s";
import { StatusError } from "../errors.js";

export const protobufMediaType = "application/vnd.kubernetes.protobuf";

/** What client-go's protobuf serializer writes before the envelope. */
const magic = Buffer.from("k8s\0", "latin1");

/** The kinds whose messages Bosun decodes, by apiVersion and kind. */
const decoders = new Map<string, MessageType>([
  ["v1/Namespace", core.Namespace],
  ["v1/ConfigMap", core.ConfigMap],
  ["v1/Secret", core.Secret],
  ["v1/Service", core.Service],
  ["v1/ServiceAccount", core.ServiceAccount],
  ["authentication.k8s.io/v1/TokenRequest", authentication.TokenRequest],
  ["apps/v1/Deployment", apps.Deployment],
  ["batch/v1/Job", batch.Job],
  ["batch/v1/CronJob", batch.CronJob],
  ["policy/v1/PodDisruptionBudget", policy.PodDisruptionBudget],
  ["scheduling.k8s.io/v1/PriorityClass", scheduling.PriorityClass],
  ["networking.k8s.io/v1/Ingress", networking.Ingress],
]);

const decodedKinds = [...decoders.keys()].map((key) => key.slice(key.lastIndexOf("/") + 1));

/** The kinds Bosun decodes, for messages: "Namespace, ConfigMap, ... and Ingress". */
export const protobufKinds = `${decodedKinds.slice(0, -1).join(", ")} and ${decodedKinds.at(-1)}`;

/** How to send what Bosun does not decode: the same object as YAML. */
export const protobufWorkaround =
  "Write the object as YAML and create it from the file ('kubectl create -f <file>'), or pipe it:" +
  " 'kubectl create deployment x --image=y --dry-run=client -o yaml | kubectl apply -f -' (or '| bosun apply -f -')";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/**
 * The object a protobuf body holds, for a create or update of `info`'s kind, as
 * its JSON object (apiVersion and kind included). Throws a 400 Status for a body
 * that is not Kubernetes protobuf, is cut short, holds another kind or sets a
 * field Bosun does not know; a 415 for a kind Bosun does not decode.
 */
export function decodeProtobufObject(raw: Buffer, info: ResourceInfo): JsonObject {
  if (raw.length < magic.length || !raw.subarray(0, magic.length).equals(magic)) {
    throw bad(
      `the request body is not Kubernetes protobuf: it does not begin with the bytes "k8s\\0" that client-go writes before the object.` +
        ` Send the object as client-go encodes it, or as JSON or YAML`,
    );
  }
  if (raw.length === magic.length) throw bad(`the protobuf request body ends after its "k8s\\0" prefix: send the object after it`);
  const envelope = decodeWhole(runtime.Unknown, raw.subarray(magic.length), "its envelope (runtime.Unknown)");
  if (envelope.contentEncoding !== "") {
    throw bad(`the protobuf request body says its object is encoded as "${envelope.contentEncoding}", which Bosun does not decode: send it without a content encoding`);
  }
  // As Kubernetes: what the envelope leaves out is taken from the request.
  const expected = apiVersionOf(info);
  const apiVersion = envelope.typeMeta?.apiVersion || expected;
  const kind = envelope.typeMeta?.kind || info.kind;
  if (apiVersion !== expected || kind !== info.kind) {
    throw bad(`the protobuf request body holds a ${kind} (${apiVersion}), but ${info.resource} are ${info.kind} (${expected}): send a ${info.kind}, or send the ${kind} to its own resource`);
  }
  const type = decoders.get(`${apiVersion}/${kind}`);
  if (!type) {
    const status = unsupportedMediaType(protobufMediaType, ["application/json", "application/yaml"]);
    status.message += `. Bosun decodes Kubernetes protobuf for ${protobufKinds}, not for ${kind}. ${protobufWorkaround}`;
    throw new StatusError(status);
  }
  const message = decodeWhole(type, envelope.raw, `its ${kind}`);
  return { apiVersion, kind, ...objectJson(message, "") };
}

function bad(message: string): StatusError {
  return new StatusError(badRequest(message));
}

/** Decodes `bytes` as one `type` message, every byte of it. */
function decodeWhole<T extends UnknownMessage>(type: MessageType<T>, bytes: Uint8Array, what: string): T {
  const reader = new BinaryReader(bytes);
  let message: T;
  try {
    message = type.decode(reader);
  } catch (err) {
    throw bad(`the protobuf request body is malformed: ${what} cannot be decoded (${(err as Error).message}); the body is cut short or is not what it says it is`);
  }
  // The generated decoders stop, without an error, at a zero tag or a group's end.
  if (reader.pos < bytes.length) {
    throw bad(`the protobuf request body is malformed: ${what} stops at byte ${reader.pos} of ${bytes.length}; the rest is not protobuf`);
  }
  return message;
}

/** The zero values of a message type's fields: what a field holds when the body leaves it out. */
const zeroes = new Map<string, Record<string, unknown>>();

function zeroOf(typeName: string): Record<string, unknown> {
  let zero = zeroes.get(typeName);
  if (!zero) {
    const type = messageTypeRegistry.get(typeName);
    if (!type) throw new Error(`no generated message type ${typeName}: @bosun/proto/k8s is out of date, run npm run build`);
    zero = type.fromPartial({}) as unknown as Record<string, unknown>;
    zeroes.set(typeName, zero);
  }
  return zero;
}

function isMessage(value: unknown): value is UnknownMessage {
  return typeof value === "object" && value !== null && typeof (value as { $type?: unknown }).$type === "string";
}

function shortName(typeName: string): string {
  return typeName.slice(typeName.lastIndexOf(".") + 1);
}

function at(path: string): string {
  return path === "" ? "the object" : path;
}

/** The types of meta/v1 whose JSON is not an object of their fields. */
const specialJson: Record<string, (fields: Record<string, unknown>, path: string) => Json | undefined> = {
  "bosun.k8s.meta.v1.Time": (f, path) => timeJson(f.seconds as number, path),
  "bosun.k8s.meta.v1.IntOrString": (f, path) => intOrStringJson(f.type as number, f.intVal as number, f.strVal as string, path),
  // Kubernetes writes a zero Quantity as "0"; an empty message is one too.
  "bosun.k8s.meta.v1.Quantity": (f) => (f.string as string) || "0",
  "bosun.k8s.meta.v1.FieldsV1": (f, path) => fieldsV1Json(f.raw as Buffer, path),
};

/** A message as JSON; undefined for a zero Time, which JSON leaves out. */
function messageJson(message: UnknownMessage, path: string): Json | undefined {
  const special = specialJson[message.$type];
  if (!special) return objectJson(message, path);
  refuseUnknownFields(message, path);
  return special(message as unknown as Record<string, unknown>, path);
}

/** The fields of a message that are set (see proto/k8s/meta/v1/meta.proto), `inline…` ones merged in. */
function objectJson(message: UnknownMessage, path: string): JsonObject {
  refuseUnknownFields(message, path);
  const zero = zeroOf(message.$type);
  const json: JsonObject = {};
  for (const [key, value] of Object.entries(message as unknown as Record<string, unknown>)) {
    if (key === "$type" || key === "_unknownFields") continue;
    const inline = key.startsWith("inline");
    const converted = fieldJson(value, zero[key], inline ? path : join(path, key));
    if (converted === undefined) continue;
    if (inline) Object.assign(json, converted);
    else json[key] = converted;
  }
  return json;
}

/** A field's value as JSON; undefined when the field is unset. */
function fieldJson(value: unknown, zero: unknown, path: string): Json | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    return value.map((item: unknown, i) => elementJson(item, `${path}[${i}]`));
  }
  if (value instanceof Map) {
    if (value.size === 0) return undefined;
    // fromEntries makes every key an own property, "__proto__" too, as JSON.parse does.
    return Object.fromEntries([...value].map(([k, v]: [string, unknown]) => [k, elementJson(v, `${path}[${JSON.stringify(k)}]`)]));
  }
  if (value instanceof Uint8Array) {
    // A bytes field with no presence is unset when empty.
    return zero instanceof Uint8Array && value.length === 0 ? undefined : Buffer.from(value).toString("base64");
  }
  if (isMessage(value)) return messageJson(value, path);
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    // `optional` fields (zero undefined) keep what was sent; the others are unset at their zero value.
    return zero !== undefined && value === zero ? undefined : value;
  }
  throw new Error(`unexpected value of type ${typeof value} at ${at(path)} in a decoded protobuf message`);
}

/** An element of a repeated field or a value of a map: always kept, a zero Time as null. */
function elementJson(value: unknown, path: string): Json {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (isMessage(value)) return messageJson(value, path) ?? null;
  return value as Json;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/**
 * Fields the body sets that Bosun's messages do not have (a Kubernetes newer
 * than the one proto/k8s follows): refused, naming them, rather than dropped
 * without a word. A zero value (0, "", an empty message), which Kubernetes
 * writes for every unset field Go holds as a value, is no setting and passes.
 */
function refuseUnknownFields(message: UnknownMessage, path: string): void {
  const unknown = (message as { _unknownFields?: Record<number, Uint8Array[]> })._unknownFields ?? {};
  const numbers = Object.entries(unknown)
    .filter(([, values]) => values.some((bytes) => bytes.some((b) => b !== 0)))
    .map(([tag]) => Number(tag) >>> 3);
  if (numbers.length === 0) return;
  const fields = numbers.length === 1 ? `field ${numbers[0]}` : `fields ${numbers.join(", ")}`;
  throw bad(
    `the protobuf request body sets ${fields} of ${shortName(message.$type)} at ${at(path)}, which Bosun does not know (it decodes the fields of Kubernetes 1.36):` +
      ` send the object as JSON or YAML, where Bosun names each field it does not support`,
  );
}

/** metav1.Time: RFC 3339 in whole seconds; 0 is Go's zero time, which JSON writes as null. */
function timeJson(seconds: number, path: string): Json | undefined {
  if (seconds === 0) return undefined;
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw bad(`the protobuf request body holds a time out of range at ${at(path)}: ${seconds} seconds since 1970`);
  return rfc3339(date);
}

function intOrStringJson(type: number, intVal: number, strVal: string, path: string): Json {
  if (type === 0) return intVal;
  if (type === 1) return strVal;
  throw bad(`the protobuf request body holds an IntOrString of type ${type} at ${at(path)}: 0 (a number) or 1 (a string) are the only types`);
}

/** A managed-fields set: the JSON object it holds. */
function fieldsV1Json(raw: Buffer, path: string): Json | undefined {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8")) as Json;
  } catch (err) {
    throw bad(`the protobuf request body's ${path} is not JSON: ${(err as Error).message}`);
  }
}
