// One handler per verb on a resource route. Each checks what only the URL can
// tell (kind, namespace and name against the path; which verbs and subresources
// exist) and hands the rest to the registry.
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  isPlainObject,
  apiVersionOf,
  badRequest,
  DeleteOptions,
  methodNotAllowed,
  routeNotFound,
  validateObject,
  invalid,
  type KubeObject,
  type Pod,
  type ResourceInfo,
} from "@bosun/api";
import { StatusError } from "../errors.js";
import type { Registry } from "../registry/registry.js";
import { bindPod } from "../registry/binding.js";
import { evictPod } from "../registry/eviction.js";
import { requestToken, tokenRequests } from "../registry/token-request.js";
import type { ServiceAccountTokenSettings } from "../auth/service-account-tokens.js";
import { deleteOptionsConflict } from "../registry/gc.js";
import { scaleInfo, scaleOf, updateScale } from "../registry/scale.js";
import { ephemeralContainersSubresource, updateEphemeralContainers } from "../registry/ephemeral-containers.js";
import { mediaType, objectMediaTypes, parseBody, parseObjectBody, patchMediaTypes } from "./body.js";
import { FieldValidation } from "./field-validation.js";
import { first, logOptions, serveLogs, type PodLogSource, type Query } from "./logs.js";
import { streamingSubresources, upgradeRequired } from "./exec.js";
import type { PodStreamSource } from "./streaming/source.js";
import { applyPatch, applyPatchMediaType, patchOptions, serveApply, writeFieldManager } from "./patch.js";
import type { ResourceRoute } from "./paths.js";
import { listMeta, listRequest, watchOptions } from "./list-options.js";
import { buildFilter } from "./selectors.js";
import { negotiateTable, replyWithTable, tableWatchEncoder, type TableRequest } from "./table.js";
import { defaultWatchTimeoutSeconds, serveWatch } from "./watch.js";

export interface HandlerContext {
  registry: Registry;
  /** Issues the tokens of serviceaccounts/{name}/token. */
  serviceAccountTokens?: ServiceAccountTokenSettings;
  logSource?: PodLogSource;
  streamSource?: PodStreamSource;
}

export async function handleResource(ctx: HandlerContext, req: FastifyRequest, reply: FastifyReply, route: ResourceRoute): Promise<void> {
  const query = req.query as Query;
  const { info, name, subresource } = route;
  const method = req.method === "HEAD" ? "GET" : req.method;
  const table = negotiateTable(req.headers.accept, query, route);
  if (table) replyWithTable(reply, table);
  if (name === undefined) {
    if (method === "GET") return isWatch(query) ? watch(ctx, reply, route, query, table) : list(ctx, reply, route, query);
    if (method === "POST") return create(ctx, req, reply, route, query);
    throw new StatusError(methodNotAllowed(info, verbOf(method, false)));
  }
  if (subresource !== undefined && !info.subresources.includes(subresource)) throw new StatusError(routeNotFound());
  if (streamingSubresources.includes(subresource ?? "")) throw new StatusError(upgradeRequired());
  if (subresource === "log") {
    if (method !== "GET") throw new StatusError(methodNotAllowed(info, verbOf(method, true)));
    const pod = (await ctx.registry.get(info, route.namespace, name, false)) as Pod;
    return serveLogs(ctx.logSource, reply, pod, logOptions(pod, query));
  }
  if (subresource === "binding") {
    if (method !== "POST") throw new StatusError(methodNotAllowed(info, verbOf(method, true)));
    const body = parseBody(req.body, req.headers["content-type"], objectMediaTypes);
    await bindPod(ctx.registry, route.namespace ?? "", name, body, isDryRun(query));
    return void reply.code(201).send(createdStatus);
  }
  if (subresource === "eviction") {
    if (method !== "POST") throw new StatusError(methodNotAllowed(info, verbOf(method, true)));
    const body = parseBody(req.body, req.headers["content-type"], objectMediaTypes);
    await evictPod(ctx.registry, route.namespace ?? "", name, body, isDryRun(query));
    return void reply.code(201).send(createdStatus);
  }
  if (subresource === "token") {
    if (method !== "POST") throw new StatusError(methodNotAllowed(info, verbOf(method, true)));
    if (!ctx.serviceAccountTokens) throw new StatusError(badRequest("this API server issues no service-account tokens: it was started without a signing key"));
    // kubectl 1.32 and later send the TokenRequest as protobuf.
    const body = parseObjectBody(req.body, req.headers["content-type"], tokenRequests);
    return void reply.code(201).send(await requestToken(ctx.registry, ctx.serviceAccountTokens, route.namespace ?? "", name, body));
  }
  if (subresource === "scale") return scale(ctx, req, reply, route, query, method);
  if (subresource === ephemeralContainersSubresource) return ephemeralContainers(ctx, req, reply, route, query, method);
  switch (method) {
    case "GET":
      return void reply.send(await ctx.registry.get(info, route.namespace, name, first(query, "resourceVersion") === "0"));
    case "PUT":
      return update(ctx, req, reply, route, query);
    case "PATCH":
      return patch(ctx, req, reply, route, query);
    case "DELETE":
      if (subresource === undefined) return remove(ctx, req, reply, route, query);
  }
  throw new StatusError(methodNotAllowed(info, verbOf(method, true)));
}

/** What Kubernetes answers to a create that makes no object of its own (a binding, an eviction). */
const createdStatus = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };

function verbOf(method: string, named: boolean): string {
  const verbs: Record<string, string> = { GET: named ? "get" : "list", POST: "create", PUT: "update", PATCH: "patch", DELETE: named ? "delete" : "deletecollection" };
  return verbs[method] ?? method;
}

function isWatch(query: Query): boolean {
  const v = first(query, "watch");
  return v === "true" || v === "1";
}

function isDryRun(query: Query): boolean {
  const v = query.dryRun;
  const values = Array.isArray(v) ? v : v === undefined ? [] : [v];
  for (const value of values) {
    if (value !== "All") throw new StatusError(badRequest(`unsupported dryRun value "${value}": the only supported value is "All"`));
  }
  return values.length > 0;
}

async function list(ctx: HandlerContext, reply: FastifyReply, route: ResourceRoute, query: Query): Promise<void> {
  const { info } = route;
  const filter = buildFilter(info, route.namespace, first(query, "labelSelector"), first(query, "fieldSelector"));
  const page = await ctx.registry.list(info, filter, listRequest(query));
  reply.send({
    apiVersion: apiVersionOf(info),
    kind: info.listKind,
    metadata: listMeta(page),
    items: page.items,
  });
}

async function watch(ctx: HandlerContext, reply: FastifyReply, route: ResourceRoute, query: Query, table: TableRequest | undefined): Promise<void> {
  const { info } = route;
  const filter = buildFilter(info, route.namespace, first(query, "labelSelector"), first(query, "fieldSelector"));
  const options = watchOptions(query);
  await serveWatch(ctx.registry.cache, reply, {
    info,
    filter,
    start: options.start,
    bookmarks: options.bookmarks,
    timeoutSeconds: options.timeoutSeconds ?? defaultWatchTimeoutSeconds(),
    ...(table ? { encode: tableWatchEncoder(table) } : {}),
  });
}

/** Checks a full object body against the URL it was sent to and fills in what the URL implies. */
function objectFromBody(info: ResourceInfo, body: unknown, route: ResourceRoute, fields: FieldValidation): KubeObject {
  if (!isPlainObject(body)) throw new StatusError(badRequest(`the request body must be a JSON object holding a ${info.kind}`));
  const expected = apiVersionOf(info);
  if (body.kind === undefined || body.kind === "") {
    throw new StatusError(badRequest(`Object 'Kind' is missing in the request body: set "kind": "${info.kind}"`));
  }
  if (body.kind !== info.kind) {
    throw new StatusError(badRequest(`the kind of the object (${String(body.kind)}) does not match the resource of the request (${info.kind})`));
  }
  if (body.apiVersion !== expected) {
    throw new StatusError(
      badRequest(`the API version in the data (${String(body.apiVersion ?? "")}) does not match the expected API version (${expected})`),
    );
  }
  if (body.metadata === undefined) body.metadata = {};
  if (!isPlainObject(body.metadata)) {
    const causes = validateObject(info, body);
    throw new StatusError(invalid(info, route.name ?? "", causes));
  }
  const meta = body.metadata;
  if (info.namespaced) {
    if (meta.namespace === undefined || meta.namespace === "") meta.namespace = route.namespace;
    else if (meta.namespace !== route.namespace) {
      throw new StatusError(badRequest("the namespace of the provided object does not match the namespace sent on the request"));
    }
  } else {
    // Kubernetes ignores a namespace on a cluster-scoped object.
    delete meta.namespace;
  }
  if (route.name !== undefined) {
    if (meta.name === undefined || meta.name === "") meta.name = route.name;
    else if (meta.name !== route.name) {
      throw new StatusError(badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${route.name})`));
    }
  }
  const object = body as unknown as KubeObject;
  fields.review(info, object);
  return object;
}

async function create(ctx: HandlerContext, req: FastifyRequest, reply: FastifyReply, route: ResourceRoute, query: Query): Promise<void> {
  const dryRun = isDryRun(query);
  const object = objectFromBody(route.info, parseObjectBody(req.body, req.headers["content-type"], route.info), route, FieldValidation.of(req, reply));
  const fieldManager = { manager: writeFieldManager(query, req.headers["user-agent"], "CreateOptions") };
  reply.code(201).send(await ctx.registry.create(route.info, object, { dryRun, fieldManager }));
}

async function update(ctx: HandlerContext, req: FastifyRequest, reply: FastifyReply, route: ResourceRoute, query: Query): Promise<void> {
  const dryRun = isDryRun(query);
  const object = objectFromBody(route.info, parseObjectBody(req.body, req.headers["content-type"], route.info), route, FieldValidation.of(req, reply));
  const sub = statusSubresource(route);
  const fieldManager = { manager: writeFieldManager(query, req.headers["user-agent"], "UpdateOptions") };
  reply.send(await ctx.registry.update(route.info, route.namespace, route.name!, () => structuredClone(object), sub, { dryRun, fieldManager }));
}

async function patch(ctx: HandlerContext, req: FastifyRequest, reply: FastifyReply, route: ResourceRoute, query: Query): Promise<void> {
  const dryRun = isDryRun(query);
  const type = mediaType(req.headers["content-type"]);
  const body = parseBody(req.body, req.headers["content-type"], patchMediaTypes);
  const fields = FieldValidation.of(req, reply);
  const sub = statusSubresource(route);
  const { manager, force } = patchOptions(query, req.headers["user-agent"], type);
  if (type === applyPatchMediaType) {
    return serveApply(ctx.registry, reply, route, sub, body, { dryRun, manager, force }, (obj) => objectFromBody(route.info, obj, route, fields));
  }
  const updated = await ctx.registry.update(
    route.info,
    route.namespace,
    route.name!,
    (current) => {
      // The patch applies to the stored object with its resourceVersion, as in
      // Kubernetes: a patch that sets another one (kubectl's JSON patches replace
      // it) makes it a precondition, compared with the current one.
      const patched = applyPatch(current, body, type, route.info.schema);
      if (!isPlainObject(patched)) throw new StatusError(badRequest("the patch must leave an object, not replace it with another JSON value"));
      return objectFromBody(route.info, patched, route, fields);
    },
    sub,
    { dryRun, fieldManager: { manager } },
  );
  reply.send(updated);
}

/**
 * A subresource read whole and written by a function of what is stored: `/scale`
 * (a Scale made from the parent) and `pods/{name}/ephemeralcontainers` (the Pod, of
 * which only the ephemeral containers may change). PUT replaces it with the body,
 * PATCH patches what is stored; `write` does the read-modify-write with its rules.
 */
interface WholeSubresource {
  /** What a body and a patched result are checked against. */
  info: ResourceInfo;
  read(): Promise<unknown>;
  /** The PUT body, parsed. */
  parsePut(req: FastifyRequest): unknown;
  write(next: (current: KubeObject) => KubeObject, dryRun: boolean, manager: string): Promise<unknown>;
}

async function readWriteWhole(req: FastifyRequest, reply: FastifyReply, route: ResourceRoute, query: Query, method: string, sub: WholeSubresource): Promise<void> {
  switch (method) {
    case "GET":
      return void reply.send(await sub.read());
    case "PUT": {
      const body = objectFromBody(sub.info, sub.parsePut(req), route, FieldValidation.of(req, reply));
      const manager = writeFieldManager(query, req.headers["user-agent"], "UpdateOptions");
      return void reply.send(await sub.write(() => structuredClone(body), isDryRun(query), manager));
    }
    case "PATCH": {
      const type = mediaType(req.headers["content-type"]);
      const patch = parseBody(req.body, req.headers["content-type"], patchMediaTypes);
      const fields = FieldValidation.of(req, reply);
      const { manager } = patchOptions(query, req.headers["user-agent"], type);
      const next = (current: KubeObject): KubeObject => {
        // As for objects: a resourceVersion the patch sets is a precondition.
        const patched = applyPatch(current, patch, type, sub.info.schema);
        if (!isPlainObject(patched)) throw new StatusError(badRequest("the patch must leave an object, not replace it with another JSON value"));
        return objectFromBody(sub.info, patched, route, fields);
      };
      return void reply.send(await sub.write(next, isDryRun(query), manager));
    }
  }
  throw new StatusError(methodNotAllowed(route.info, verbOf(method, true)));
}

function scale(ctx: HandlerContext, req: FastifyRequest, reply: FastifyReply, route: ResourceRoute, query: Query, method: string): Promise<void> {
  const { info, namespace } = route;
  const name = route.name!;
  const scales = scaleInfo(info);
  return readWriteWhole(req, reply, route, query, method, {
    info: scales,
    read: async () => scaleOf(await ctx.registry.get(info, namespace, name, first(query, "resourceVersion") === "0")),
    parsePut: (r) => parseBody(r.body, r.headers["content-type"], objectMediaTypes),
    write: (next, dryRun, manager) => updateScale(ctx.registry, info, namespace, name, next, dryRun, manager),
  });
}

/** pods/{name}/ephemeralcontainers: the whole Pod is read and written, only its ephemeral containers change. */
function ephemeralContainers(ctx: HandlerContext, req: FastifyRequest, reply: FastifyReply, route: ResourceRoute, query: Query, method: string): Promise<void> {
  const { info, namespace } = route;
  const name = route.name!;
  return readWriteWhole(req, reply, route, query, method, {
    info,
    read: () => ctx.registry.get(info, namespace, name, first(query, "resourceVersion") === "0"),
    parsePut: (r) => parseObjectBody(r.body, r.headers["content-type"], info),
    write: (next, dryRun, manager) => updateEphemeralContainers(ctx.registry, info, namespace, name, next, { dryRun, fieldManager: { manager } }),
  });
}

function statusSubresource(route: ResourceRoute): "status" | undefined {
  if (route.subresource === undefined) return undefined;
  if (route.subresource === "status") return "status";
  throw new StatusError(methodNotAllowed(route.info, `update of ${route.subresource}`));
}

async function remove(ctx: HandlerContext, req: FastifyRequest, reply: FastifyReply, route: ResourceRoute, query: Query): Promise<void> {
  const dryRun = isDryRun(query);
  let options: DeleteOptions = {};
  const raw = req.body;
  if ((Buffer.isBuffer(raw) && raw.length > 0) || (typeof raw === "string" && raw !== "")) {
    const body = parseBody(raw, req.headers["content-type"] ?? "application/json", objectMediaTypes);
    if (!isPlainObject(body)) throw new StatusError(badRequest("the request body must be a DeleteOptions object"));
    options = body as DeleteOptions;
  }
  const grace = first(query, "gracePeriodSeconds");
  if (grace !== undefined) {
    if (!/^\d+$/.test(grace)) throw new StatusError(badRequest(`gracePeriodSeconds must be a whole number, not "${grace}"`));
    options.gracePeriodSeconds = Number(grace);
  }
  const policy = first(query, "propagationPolicy");
  if (policy !== undefined) options.propagationPolicy = policy as DeleteOptions["propagationPolicy"];
  const problems = deleteOptionProblems(options);
  if (problems) throw new StatusError(badRequest(`invalid DeleteOptions: ${problems}`));
  const result = await ctx.registry.delete(route.info, route.namespace, route.name!, options, {
    dryRun: dryRun || (options.dryRun ?? []).length > 0,
  });
  reply.send(result.object);
}

function deleteOptionProblems(options: DeleteOptions): string | undefined {
  const allowed = new Set(Object.keys(DeleteOptions.properties));
  for (const key of Object.keys(options)) if (!allowed.has(key)) return `unknown field "${key}"`;
  if (options.gracePeriodSeconds !== undefined && (!Number.isInteger(options.gracePeriodSeconds) || options.gracePeriodSeconds < 0)) {
    return "gracePeriodSeconds must be a whole number of seconds, 0 or more";
  }
  const policies = ["Orphan", "Background", "Foreground"];
  if (options.propagationPolicy !== undefined && !policies.includes(options.propagationPolicy)) {
    return `propagationPolicy must be one of ${policies.join(", ")}, not "${String(options.propagationPolicy)}"`;
  }
  if (options.orphanDependents !== undefined && typeof options.orphanDependents !== "boolean") {
    return "orphanDependents must be true or false";
  }
  const dryRun: unknown = options.dryRun;
  if (dryRun !== undefined && (!Array.isArray(dryRun) || dryRun.some((v) => v !== "All"))) {
    return `dryRun must be a list whose only supported value is "All", not ${JSON.stringify(dryRun)}`;
  }
  return deleteOptionsConflict(options);
}
