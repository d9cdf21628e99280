// OpenAPI as Kubernetes serves it: /openapi/v3 lists one document per
// group-version, each addressed with a hash of its content so clients cache it
// until it changes; /openapi/v3/<gv> holds the operations on that group-version's
// resources and the schemas of every kind and nested type, converted from the
// TypeBox schemas the apiserver validates with; /openapi/v2 holds the same schemas
// as Swagger definitions (protobuf for kubectl, JSON for anyone else), which
// kubectl 1.27 needs for `explain` and for the merge keys of `apply`. Documents are
// built once per process, on first request.
import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { DefinitionSet, resources, routeNotFound, toSwaggerDefinitions, type OpenApiSchema } from "@bosun/api";
import { StatusError } from "../errors.js";
import { addKind, addResourcePaths, subresourceBody } from "./openapi-paths.js";
import { encodeSwaggerDocument } from "./openapi-v2-proto.js";

// kubectl asks for "...spec.v2@v1.0+protobuf"; the answer is labelled with a dot
// instead of the "@", as kube-openapi does, because Go's mime parser (and
// Fastify's) refuses the "@".
const protobufV2 = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

/** A document ready to send: its bytes and the hash that names this version of it. */
interface Served {
  body: Buffer;
  hash: string;
  type: string;
}

interface Documents {
  /** "api/v1", "apis/apps/v1", ... -> the v3 document. */
  v3: Map<string, Served>;
  v3Root: Served;
  v2Json: Served;
  v2Proto: Served;
}

function gvPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

function served(body: Buffer, type: string): Served {
  return { body, type, hash: createHash("sha512").update(body).digest("hex").toUpperCase() };
}

function json(value: unknown): Served {
  return served(Buffer.from(JSON.stringify(value)), "application/json");
}

/** The v3 documents by group-version, as plain objects. */
function buildOpenApiV3(): Map<string, OpenApiSchema> {
  const docs = new Map<string, { paths: Record<string, OpenApiSchema>; set: DefinitionSet }>();
  const docFor = (group: string, version: string) => {
    const key = gvPath(group, version);
    let doc = docs.get(key);
    if (doc === undefined) {
      doc = { paths: {}, set: new DefinitionSet() };
      docs.set(key, doc);
    }
    return doc;
  };
  for (const info of resources) {
    const doc = docFor(info.group, info.version);
    addResourcePaths(doc.paths, doc.set, info);
    // A subresource's body kind (autoscaling/v1 Scale, policy/v1 Eviction) also
    // has its own group-version's document, as in Kubernetes.
    for (const sub of info.subresources) {
      const body = subresourceBody(sub);
      if (body !== undefined) addKind(docFor(body.gvk.group, body.gvk.version).set, body.gvk, body.schema);
    }
  }
  const out = new Map<string, OpenApiSchema>();
  for (const [key, { paths, set }] of docs) {
    out.set(key, {
      openapi: "3.0.0",
      info: { title: "Bosun", version: "unversioned" },
      paths,
      components: { schemas: sortedByName(set.definitions) },
    });
  }
  return out;
}

function sortedByName<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function buildDocuments(): Documents {
  const v3 = new Map<string, Served>();
  const definitions: Record<string, OpenApiSchema> = {};
  for (const [key, doc] of buildOpenApiV3()) {
    v3.set(key, json(doc));
    Object.assign(definitions, (doc.components as { schemas: Record<string, OpenApiSchema> }).schemas);
  }
  const root: Record<string, { serverRelativeURL: string }> = {};
  for (const [key, doc] of v3) root[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
  const swagger = {
    swagger: "2.0",
    info: { title: "Bosun", version: "unversioned" },
    paths: {},
    definitions: toSwaggerDefinitions(sortedByName(definitions)),
  };
  return {
    v3,
    v3Root: json({ paths: root }),
    v2Json: json(swagger),
    v2Proto: served(Buffer.from(encodeSwaggerDocument(swagger)), protobufV2),
  };
}

let documents: Documents | undefined;

function cached(): Documents {
  documents ??= buildDocuments();
  return documents;
}

function send(req: FastifyRequest, reply: FastifyReply, doc: Served, immutable: boolean): void {
  const headers = { etag: `"${doc.hash}"`, "cache-control": immutable ? "public, immutable" : "no-cache, private" };
  reply.headers(headers);
  if (req.headers["if-none-match"] === headers.etag) return void reply.code(304).send();
  void reply.type(doc.type).send(doc.body);
}

/** Answers a request under /openapi/; a path that names no document is a 404 Status. */
export function serveOpenApi(path: string, req: FastifyRequest, reply: FastifyReply): void {
  const docs = cached();
  if (path === "/openapi/v3") return send(req, reply, docs.v3Root, false);
  if (path === "/openapi/v2") {
    const proto = (req.headers.accept ?? "").includes("protobuf");
    return send(req, reply, proto ? docs.v2Proto : docs.v2Json, false);
  }
  if (path.startsWith("/openapi/v3/")) {
    const doc = docs.v3.get(path.slice("/openapi/v3/".length));
    // Addressed by the current hash, the document never changes: clients may keep it.
    if (doc !== undefined) return send(req, reply, doc, (req.query as Record<string, unknown>).hash === doc.hash);
  }
  throw new StatusError(routeNotFound());
}
