// Every request passes here before it is served, plain or upgraded: authenticate,
// let anonymous requests reach only the public paths, then authorize.
import type { IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import {
  forbidden,
  mustResource,
  podReferencedNames,
  unauthorized,
  type Ingress,
  type PersistentVolumeClaim,
  type Pod,
  type PodReferenceKind,
} from "@bosun/api";
import { bootstrappersGroup, type Identity } from "@bosun/pki";
import { StatusError } from "../errors.js";
import { parsePath } from "../http/paths.js";
import type { Registry } from "../registry/registry.js";
import { Authenticator } from "./authenticate.js";
import type { ServiceAccountTokenAuthenticator } from "./service-account-tokens.js";
import { authorize, bootstrapOnly } from "./authorize.js";
import { nodeCertificatePath } from "./node-certificates.js";
import { isPublicPath } from "./public-paths.js";

export interface RequestGateOptions {
  registry: Registry;
  staticTokens?: Map<string, Identity>;
  serviceAccountTokens?: ServiceAccountTokenAuthenticator;
  now?: () => Date;
}

function verbOf(method: string, named: boolean, watch: boolean): string {
  switch (method) {
    case "GET":
    case "HEAD":
      return named ? "get" : watch ? "watch" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return named ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

export class RequestGate {
  private readonly authenticator: Authenticator;

  constructor(private readonly opts: RequestGateOptions) {
    this.authenticator = new Authenticator(opts);
  }

  /** The caller's identity (undefined only on a public path); throws a 401 or 403 StatusError otherwise. */
  async admit(socket: Socket, method: string, url: string, headers: IncomingHttpHeaders, body?: unknown): Promise<Identity | undefined> {
    const parsedUrl = new URL(url, "https://apiserver");
    const path = parsedUrl.pathname;
    const identity = await this.authenticator.authenticate(socket, headers.authorization);
    if (isPublicPath(path)) return identity;
    if (!identity) throw new StatusError(unauthorized());
    if (path === nodeCertificatePath) return identity;
    const parsed = parsePath(path);
    if (parsed.kind !== "resource") {
      // Discovery and OpenAPI: anyone authenticated but a join token.
      if (identity.groups.includes(bootstrappersGroup)) {
        throw new StatusError(forbidden({ user: identity.user, verb: "get", resource: path, reason: bootstrapOnly }));
      }
      return identity;
    }
    const route = parsed.route;
    const query = parsedUrl.searchParams;
    const watch = query.get("watch") === "true" || query.get("watch") === "1";
    await authorize(
      identity,
      {
        verb: verbOf(method, route.name !== undefined, watch),
        route,
        fieldSelector: query.get("fieldSelector") ?? undefined,
        createdName: () => bodyName(body),
        createdBody: () => jsonBody(body),
      },
      {
        pod: (namespace, name) => this.lookupPod(namespace, name),
        ingressUsesSecret: (namespace, name) => this.ingressUsesSecret(namespace, name),
        nodePodsUse: (node, kind, namespace, name) => this.nodePodsUse(node, kind, namespace, name),
        nodePodsUseVolume: (node, name) => this.nodePodsUseVolume(node, name),
      },
    );
    return identity;
  }

  private async ingressUsesSecret(namespace: string, name: string): Promise<boolean> {
    const page = await this.opts.registry.list(mustResource("ingresses"), { namespace, predicate: () => true, selective: false }, { at: { kind: "any" }, limit: 0 });
    return page.items.some((i) => ((i as Ingress).spec?.tls ?? []).some((t) => t.secretName === name));
  }

  /**
   * A consistent read of the namespace's pods: a pod this node just got from any
   * master's dispatcher is seen, and one deleted a moment ago no longer counts.
   */
  private async nodePodsUse(node: string, kind: PodReferenceKind, namespace: string, name: string): Promise<boolean> {
    const onNode = (p: unknown) => (p as Pod).spec?.nodeName === node;
    const page = await this.opts.registry.list(mustResource("pods"), { namespace, predicate: onNode, selective: true }, { at: { kind: "consistent" }, limit: 0 });
    return page.items.some((p) => podReferencedNames(p as Pod, kind).has(name));
  }

  /** Whether a claim that a pod bound to `node` uses names the volume, read as nodePodsUse reads the pods. */
  private async nodePodsUseVolume(node: string, volume: string): Promise<boolean> {
    const onNode = (p: unknown) => (p as Pod).spec?.nodeName === node;
    const page = await this.opts.registry.list(mustResource("pods"), { predicate: onNode, selective: true }, { at: { kind: "consistent" }, limit: 0 });
    const claims = new Set<string>();
    for (const p of page.items as Pod[]) {
      for (const name of podReferencedNames(p, "PersistentVolumeClaim")) claims.add(`${p.metadata.namespace ?? ""}/${name}`);
    }
    for (const key of claims) {
      const [namespace = "", name = ""] = key.split("/");
      const claim = await this.lookup<PersistentVolumeClaim>("persistentvolumeclaims", namespace, name);
      if (claim?.spec?.volumeName === volume) return true;
    }
    return false;
  }

  private lookupPod(namespace: string, name: string): Promise<Pod | undefined> {
    return this.lookup<Pod>("pods", namespace, name);
  }

  /** An object, undefined when it does not exist. */
  private async lookup<T>(resource: string, namespace: string, name: string): Promise<T | undefined> {
    try {
      return (await this.opts.registry.get(mustResource(resource), namespace, name, false)) as T;
    } catch (err) {
      if (err instanceof StatusError && err.status.code === 404) return undefined;
      throw err;
    }
  }
}

/** A JSON request body, parsed, for rules that depend on what is created; undefined when it is not JSON. */
function jsonBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body)) return undefined;
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    // Not JSON: the handler answers that; here it only means "nothing to read".
    return undefined;
  }
}

/** metadata.name of a JSON request body; undefined when it has none. */
function bodyName(body: unknown): string | undefined {
  const name = (jsonBody(body) as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
  return typeof name === "string" ? name : undefined;
}
