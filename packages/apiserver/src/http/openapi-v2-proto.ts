// The OpenAPI v2 document in the protobuf form kubectl asks for at /openapi/v2
// (google/gnostic openapiv2/OpenAPIv2.proto, package openapi.v2): kubectl 1.27
// reads only that form, for `explain` and for the merge keys of `apply`. Only
// the messages and fields Bosun's document uses are written; vendor extensions
// travel as YAML text (JSON is YAML), as gnostic stores them.
import type { OpenApiSchema } from "@bosun/api";

export interface SwaggerDocument {
  swagger: string;
  info: { title: string; version: string };
  paths: Record<string, never>;
  definitions: Record<string, OpenApiSchema>;
}

/** Protobuf wire format: fields appended in order, nested messages length-delimited. */
class Writer {
  private readonly parts: Uint8Array[] = [];

  private varint(n: number): void {
    const bytes: number[] = [];
    while (n > 0x7f) {
      bytes.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    bytes.push(n);
    this.parts.push(Uint8Array.from(bytes));
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string | undefined): this {
    return value === undefined ? this : this.bytes(field, Buffer.from(value, "utf8"));
  }

  bool(field: number, value: boolean): this {
    this.tag(field, 0);
    this.varint(value ? 1 : 0);
    return this;
  }

  double(field: number, value: number): this {
    this.tag(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    this.parts.push(b);
    return this;
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts);
  }
}

/** Any { string yaml = 2 }. */
function any(value: unknown): Uint8Array {
  return new Writer().string(2, JSON.stringify(value)).finish();
}

/** NamedAny { string name = 1; Any value = 2 }. */
function namedAny(name: string, value: unknown): Uint8Array {
  return new Writer().string(1, name).bytes(2, any(value)).finish();
}

/** NamedSchema { string name = 1; Schema value = 2 }. */
function namedSchema(name: string, schema: OpenApiSchema): Uint8Array {
  return new Writer().string(1, name).bytes(2, encodeSchema(schema)).finish();
}

/** Schema, field numbers as in OpenAPIv2.proto. */
function encodeSchema(schema: OpenApiSchema): Uint8Array {
  const w = new Writer();
  const s = schema as {
    $ref?: string;
    format?: string;
    description?: string;
    maximum?: number;
    minimum?: number;
    required?: string[];
    enum?: unknown[];
    additionalProperties?: OpenApiSchema | boolean;
    type?: string | string[];
    items?: OpenApiSchema;
    properties?: Record<string, OpenApiSchema>;
  };
  w.string(1, s.$ref).string(2, s.format).string(4, s.description);
  if (s.maximum !== undefined) w.double(7, s.maximum);
  if (s.minimum !== undefined) w.double(9, s.minimum);
  for (const name of s.required ?? []) w.string(19, name);
  for (const value of s.enum ?? []) w.bytes(20, any(value));
  if (typeof s.additionalProperties === "boolean") {
    w.bytes(21, new Writer().bool(2, s.additionalProperties).finish());
  } else if (s.additionalProperties !== undefined) {
    w.bytes(21, new Writer().bytes(1, encodeSchema(s.additionalProperties)).finish());
  }
  if (s.type !== undefined) {
    const types = new Writer();
    for (const t of Array.isArray(s.type) ? s.type : [s.type]) types.string(1, t);
    w.bytes(22, types.finish());
  }
  if (s.items !== undefined) w.bytes(23, new Writer().bytes(1, encodeSchema(s.items)).finish());
  if (s.properties !== undefined) {
    const props = new Writer();
    for (const [name, prop] of Object.entries(s.properties)) props.bytes(1, namedSchema(name, prop));
    w.bytes(25, props.finish());
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith("x-")) w.bytes(31, namedAny(key, value));
  }
  return w.finish();
}

/** Document { swagger = 1; Info info = 2; Paths paths = 8; Definitions definitions = 9 }. */
export function encodeSwaggerDocument(doc: SwaggerDocument): Uint8Array {
  const info = new Writer().string(1, doc.info.title).string(2, doc.info.version).finish();
  const definitions = new Writer();
  for (const [name, schema] of Object.entries(doc.definitions)) definitions.bytes(1, namedSchema(name, schema));
  return new Writer()
    .string(1, doc.swagger)
    .bytes(2, info)
    .bytes(8, new Uint8Array())
    .bytes(9, definitions.finish())
    .finish();
}
