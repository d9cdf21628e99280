// The HTTP server: one catch-all route so that every path, known or not, and every
// method answers with a Kubernetes Status on failure rather than fastify's own
// error shape.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import {
  internalError,
  methodNotAllowed,
  requestEntityTooLarge,
  routeNotFound,
  statusError,
  unsupportedMediaType,
  type Status,
} from "@bosun/api";
import { createLogger } from "@bosun/client";
import { StatusError } from "../errors.js";
import { maxBodyBytes, objectMediaTypes, parseBody, patchMediaTypes } from "./body.js";
import { serveDiscoveryRoot } from "./aggregated-discovery.js";
import { apiResourceList, serverVersion } from "./discovery.js";
import { serveStreamUpgrades } from "./exec.js";
import { handleResource, type HandlerContext } from "./handlers.js";
import { apiServerHealthChecks, healthPath, serveHealth } from "./health.js";
import type { Query } from "./logs.js";
import { serveOpenApi } from "./openapi.js";
import { notFoundStatus } from "./not-served.js";
import { parsePath } from "./paths.js";
import type { RequestGate } from "../auth/gate.js";
import { encryptionStatus, encryptionStatusPath } from "./encryption-status.js";
import { nodeCertificatePath, parseNodeCertificateRequest, type NodeCertificateSigner } from "../auth/node-certificates.js";
import type { Identity } from "@bosun/pki";

const log = createLogger("apiserver/http");

const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** The API's serving certificate, and the CA whose client certificates it accepts. */
export interface TlsOptions {
  cert: string;
  key: string;
  clientCa: string;
}

export interface AppOptions {
  tls: TlsOptions;
  gate: RequestGate;
  /** Signs node certificates for joining agents; without it POST /v1-bosun/node-certificate is a 404. */
  nodeCertificates?: NodeCertificateSigner;
}

export function buildApp(ctx: HandlerContext, opts: AppOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: maxBodyBytes,
    logger: false,
    forceCloseConnections: true,
    return503OnClosing: false,
    // HTTPS only. A client certificate is asked for but not required: the gate
    // decides, so that a request without one can still use a bearer token or
    // reach the public paths, and gets a 401 Status rather than a TLS alert.
    https: { cert: opts.tls.cert, key: opts.tls.key, ca: opts.tls.clientCa, requestCert: true, rejectUnauthorized: false },
  }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  // Bodies stay raw bytes here; handlers parse them, so a syntax error is a Status
  // that names the problem, and media types are checked per verb.
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: FastifyError, req, reply) => sendError(reply, toStatus(err, req)));
  app.setNotFoundHandler((_req, reply) => sendError(reply, routeNotFound()));
  app.route({
    method: [...methods],
    url: "/*",
    handler: async (req, reply) => {
      const identity = await opts.gate.admit(req.raw.socket, req.method, req.url, req.headers, req.body);
      return route(ctx, opts, identity, req, reply);
    },
  });
  serveStreamUpgrades(app, { ...ctx, gate: opts.gate });
  return app;
}

async function route(ctx: HandlerContext, opts: AppOptions, identity: Identity | undefined, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const path = req.url.split("?")[0];
  const plain = (text: string) => void reply.type("text/plain; charset=utf-8").send(text);
  const health = healthPath(path);
  if (health) return serveHealth(apiServerHealthChecks(ctx.registry.store), health, req.query as Query, reply);
  switch (path) {
    case "/cacerts":
      return plain(opts.tls.clientCa);
    case nodeCertificatePath: {
      if (!opts.nodeCertificates || !identity) throw new StatusError(routeNotFound());
      if (req.method !== "POST") throw new StatusError(statusError(405, "MethodNotAllowed", `${path} takes POST`));
      const body = parseBody(req.body, req.headers["content-type"], objectMediaTypes);
      return void reply.code(201).send(await opts.nodeCertificates.sign(identity, parseNodeCertificateRequest(body)));
    }
    case encryptionStatusPath: {
      const answer = encryptionStatus(identity, req.method, ctx.registry.store.encryption?.status() ?? []);
      if ("code" in answer) throw new StatusError(answer);
      return void reply.send(answer);
    }
    case "/version":
      return void reply.send(serverVersion);
    case "/api":
    case "/apis":
      return serveDiscoveryRoot(req, reply, path);
  }
  if (path.startsWith("/openapi/")) return serveOpenApi(path, req, reply);
  const parsed = parsePath(path);
  if (parsed.kind === "groupVersion") {
    const list = apiResourceList(parsed.group, parsed.version);
    if (!list) throw new StatusError(routeNotFound());
    return void reply.send(list);
  }
  if (parsed.kind === "unknown") throw new StatusError(notFoundStatus(path));
  if (req.method === "OPTIONS") throw new StatusError(methodNotAllowed(parsed.route.info, "OPTIONS"));
  await handleResource(ctx, req, reply, parsed.route);
}

function toStatus(err: FastifyError, req: FastifyRequest): Status {
  if (err instanceof StatusError) return err.status;
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return requestEntityTooLarge(`limit is ${maxBodyBytes} bytes`);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return unsupportedMediaType(req.headers["content-type"] ?? "", [...objectMediaTypes, ...patchMediaTypes]);
  }
  if (typeof err.statusCode === "number" && err.statusCode >= 400 && err.statusCode < 500) {
    return statusError(err.statusCode, "BadRequest", err.message);
  }
  log.error({ err, method: req.method, url: req.url }, "request failed");
  return internalError(err);
}

function sendError(reply: FastifyReply, status: Status): void {
  if (reply.sent || reply.raw.headersSent) {
    reply.raw.end();
    return;
  }
  // As Kubernetes' ErrorNegotiated: a status that says when to retry says it in the header too.
  const retryAfter = status.details?.retryAfterSeconds;
  if (retryAfter !== undefined && retryAfter > 0) reply.header("retry-after", String(retryAfter));
  void reply.code(status.code).type("application/json").send(status);
}
