// The node's ingress proxy: HTTP and HTTPS listeners on the node's own ports
// (80 and 443 by default) that route each request by the Ingresses of class
// "bosun" (IngressRouter) to one ready endpoint of the backend Service, taken in
// turn (round-robin). Forwarding, WebSocket tunnelling and hop-by-hop header
// handling are http-proxy-3's (a maintained TypeScript port of node-http-proxy
// that runs on Node 20); the routing, the X-Forwarded-* headers and the answers
// when no backend can take a request are ours:
//   404  no rule and no default backend matches;
//   503  the backend names no Service or port that exists, has no ready endpoint,
//        or is a kind Bosun does not serve;
//   502  the chosen endpoint refused, reset or timed out.
// Each answer is a short text naming what is missing.
//
// HTTPS takes its certificate per server name (SNI) from the kubernetes.io/tls
// Secret an Ingress names in spec.tls; the caller fetches Secrets (tlsSecret).
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { createProxyServer, type ProxyServer } from "http-proxy-3";
import { createLogger } from "@bosun/client";
import type { BackendEndpoint } from "./backends.js";
import { IngressRouter, type IngressObjects, type RouteDecision } from "./router.js";
import { formatIngressRef } from "./routes.js";
import type { TlsKeyPair, TlsSecretRef } from "./tls.js";

const log = createLogger("agent/ingress");

export const DEFAULT_INGRESS_ADDRESS = "0.0.0.0";
export const DEFAULT_INGRESS_HTTP_PORT = 80;
export const DEFAULT_INGRESS_HTTPS_PORT = 443;
/** How long a backend may keep the proxy waiting for any byte: nginx's proxy_read_timeout. */
export const DEFAULT_BACKEND_TIMEOUT_MS = 60_000;

export interface IngressListenAddress {
  host: string;
  /** 0 picks a free port (see IngressProxy.httpPort). */
  port: number;
}

export interface IngressProxyOptions {
  /** Where plain HTTP is served; default 0.0.0.0:80; false for none. */
  http?: IngressListenAddress | false;
  /** Where HTTPS is served; default 0.0.0.0:443; false for none. */
  https?: IngressListenAddress | false;
  /**
   * The certificate and key of the kubernetes.io/tls Secret an Ingress names for a
   * host (see tlsKeyPairFromSecret), or undefined when there is no such Secret.
   * Asked at each TLS handshake whose server name an Ingress covers.
   */
  tlsSecret: (ref: TlsSecretRef) => TlsKeyPair | undefined | Promise<TlsKeyPair | undefined>;
  /**
   * Presented when no Ingress names a usable certificate for the server name, or
   * the client sends none. Without it such handshakes fail.
   */
  defaultCertificate?: TlsKeyPair;
  /** How long a backend may stay silent before the request fails with 502; default 60 s. */
  backendTimeoutMs?: number;
}

type Scheme = "http" | "https";

/** The request's path as routing and forwarding see it (dot segments resolved, no query), or undefined when it is not one. */
export function requestPathOf(url: string | undefined): string | undefined {
  const target = url ?? "/";
  try {
    // As http-proxy-3 parses it, so the path routed on is the path forwarded.
    const parsed = target.startsWith("//") ? new URL(`http://base.invalid${target}`) : new URL(target, "http://base.invalid");
    return parsed.pathname;
  } catch {
    return undefined;
  }
}

/** The client's address as it goes into X-Forwarded-For: IPv4 clients of a dual-stack socket without the "::ffff:" prefix. */
function clientAddress(address: string | undefined): string {
  if (address === undefined) return "unknown";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * The headers that tell the backend who asked and how: X-Forwarded-For gets the
 * client appended to what earlier proxies wrote; Proto, Host and Port describe
 * this hop. Host itself is left as the client sent it.
 */
export function setForwardedHeaders(req: http.IncomingMessage, scheme: Scheme): void {
  const client = clientAddress(req.socket.remoteAddress);
  const prior = headerText(req.headers["x-forwarded-for"]);
  req.headers["x-forwarded-for"] = prior ? `${prior}, ${client}` : client;
  req.headers["x-forwarded-proto"] = scheme;
  if (req.headers.host !== undefined) req.headers["x-forwarded-host"] = req.headers.host;
  else delete req.headers["x-forwarded-host"];
  req.headers["x-forwarded-port"] = String(req.socket.localPort ?? "");
}

function isWebSocketUpgrade(req: http.IncomingMessage): boolean {
  return req.method === "GET" && (req.headers.upgrade ?? "").toLowerCase() === "websocket";
}

function sendText(res: http.ServerResponse, status: number, message: string): void {
  const body = `${message}\n`;
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}

/** The same answer on a socket that asked for an upgrade (no ServerResponse there), then closed. */
function sendTextOnSocket(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ""}\r\n` +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Cache-Control: no-store\r\n" +
      "Connection: close\r\n\r\n" +
      body,
  );
}

function listenError(kind: string, address: IngressListenAddress, err: Error): Error {
  return new Error(
    `cannot serve ingress ${kind} on ${address.host}:${address.port}: ${err.message}; ` +
      "check that the address is on this host and that nothing else holds the port, or configure another port",
  );
}

interface CachedContext {
  cert: string;
  key: string;
  context: tls.SecureContext;
}

export class IngressProxy {
  private router = IngressRouter.empty();
  private readonly proxy: ProxyServer;
  private readonly agent = new http.Agent({ keepAlive: true });
  private httpServer: http.Server | undefined;
  private httpsServer: https.Server | undefined;
  /** Per backend ("ns/svc:port"), how many requests it was given: the next endpoint's turn. */
  private readonly turns = new Map<string, number>();
  /** Upgraded (WebSocket) client sockets, which the servers no longer track, for stop(). */
  private readonly tunnels = new Set<Duplex>();
  /** Client sockets whose backend answered the upgrade: an error after that is not the client's to hear about as HTTP. */
  private readonly upgraded = new WeakSet<Duplex>();
  private readonly contexts = new Map<string, CachedContext>();
  /** What was logged once (problems of the Ingresses, unusable Secrets), so it is not logged per request. */
  private readonly logged = new Set<string>();
  private readonly timeoutMs: number;
  private readonly defaultContext: tls.SecureContext | undefined;

  constructor(private readonly opts: IngressProxyOptions) {
    this.timeoutMs = opts.backendTimeoutMs ?? DEFAULT_BACKEND_TIMEOUT_MS;
    this.defaultContext = opts.defaultCertificate && tls.createSecureContext(opts.defaultCertificate);
    // xfwd off: setForwardedHeaders writes X-Forwarded-* as an edge proxy should (Proto and Host of this hop, not appended).
    this.proxy = createProxyServer({ xfwd: false, proxyTimeout: this.timeoutMs });
    this.proxy.on("proxyReqWs", (proxyReq, _req, socket) => {
      proxyReq.once("upgrade", () => this.upgraded.add(socket));
    });
    // The backend connection's own Connection and Keep-Alive are not the client's: Node's server sets those per client.
    this.proxy.on("proxyRes", (proxyRes) => {
      delete proxyRes.headers.connection;
      delete proxyRes.headers["keep-alive"];
    });
    // Errors come to the per-call callbacks; this only keeps a stray one from crashing the agent.
    this.proxy.on("error", (err) => log.debug({ err: err.message }, "ingress proxy error outside a request"));
  }

  /** The HTTP listener's port, once started (0 without one). */
  get httpPort(): number {
    return this.portOf(this.httpServer);
  }

  /** The HTTPS listener's port, once started (0 without one). */
  get httpsPort(): number {
    return this.portOf(this.httpsServer);
  }

  /** Routes by these objects from now on (requests in flight keep their backend). */
  update(objects: IngressObjects): void {
    this.router = new IngressRouter(objects);
    const problems = new Set(this.router.table.problems);
    for (const problem of problems) this.logOnce(problem, `${problem}; requests routed there get 503`);
    // Forget what was fixed, so that it is reported again should it come back.
    for (const key of this.logged) if (!problems.has(key) && !key.startsWith("secret:")) this.logged.delete(key);
    const named = new Set(this.router.secretsNamed().map((ref) => `${ref.namespace}/${ref.name}`));
    for (const key of this.contexts.keys()) if (!named.has(key)) this.contexts.delete(key);
  }

  async start(): Promise<void> {
    if (this.httpServer || this.httpsServer) throw new Error("the ingress proxy is already started; stop() it before starting it again");
    const httpAt = this.opts.http === undefined ? { host: DEFAULT_INGRESS_ADDRESS, port: DEFAULT_INGRESS_HTTP_PORT } : this.opts.http;
    const httpsAt = this.opts.https === undefined ? { host: DEFAULT_INGRESS_ADDRESS, port: DEFAULT_INGRESS_HTTPS_PORT } : this.opts.https;
    try {
      if (httpAt) {
        const server = http.createServer();
        this.serve(server, "http");
        this.httpServer = server;
        await this.listen(server, httpAt, "HTTP");
      }
      if (httpsAt) {
        const server = https.createServer({
          ...(this.opts.defaultCertificate ?? {}),
          SNICallback: (name, done) => {
            this.contextFor(name).then(
              (context) => (context ? done(null, context) : done(new Error(`no certificate for server name "${name}"`))),
              (err: unknown) => done(err as Error),
            );
          },
        });
        server.on("tlsClientError", (err) => log.debug({ err: err.message }, "TLS handshake with an ingress client failed"));
        this.serve(server, "https");
        this.httpsServer = server;
        await this.listen(server, httpsAt, "HTTPS");
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    log.info({ http: httpAt ? `${httpAt.host}:${this.httpPort}` : "off", https: httpsAt ? `${httpsAt.host}:${this.httpsPort}` : "off" }, "ingress proxy serving");
  }

  async stop(): Promise<void> {
    const servers = [this.httpServer, this.httpsServer].filter((s): s is http.Server | https.Server => s !== undefined);
    this.httpServer = undefined;
    this.httpsServer = undefined;
    for (const socket of this.tunnels) socket.destroy();
    this.tunnels.clear();
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (!server.listening) return resolve();
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
    this.agent.destroy();
    if (servers.length > 0) log.info({}, "ingress proxy stopped");
  }

  private portOf(server: http.Server | https.Server | undefined): number {
    const address = server?.address();
    return address && typeof address === "object" ? address.port : 0;
  }

  private listen(server: http.Server | https.Server, at: IngressListenAddress, kind: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const failed = (err: Error) => reject(listenError(kind, at, err));
      server.once("error", failed);
      server.listen(at.port, at.host, () => {
        server.off("error", failed);
        server.on("error", (err) => log.error({ err: err.message, address: `${at.host}:${at.port}` }, `ingress ${kind} listener failed`));
        resolve();
      });
    });
  }

  private serve(server: http.Server | https.Server, scheme: Scheme): void {
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => this.onRequest(req, res, scheme));
    server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head, scheme));
  }

  private decide(req: http.IncomingMessage): RouteDecision | { action: "respond"; status: 400; message: string } {
    const path = requestPathOf(req.url);
    if (path === undefined) return { action: "respond", status: 400, message: `the request target "${req.url ?? ""}" is not a URL path` };
    return this.router.route(req.headers.host, path);
  }

  /** The endpoint whose turn it is among the backend's ready endpoints. */
  private pick(backend: string, endpoints: readonly BackendEndpoint[]): BackendEndpoint {
    const turn = this.turns.get(backend) ?? 0;
    this.turns.set(backend, turn + 1);
    return endpoints[turn % endpoints.length]!;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse, scheme: Scheme): void {
    const decision = this.decide(req);
    if (decision.action === "respond") return sendText(res, decision.status, decision.message);
    const endpoint = this.pick(decision.backend, decision.endpoints);
    setForwardedHeaders(req, scheme);
    this.proxy.web(req, res, { target: { protocol: "http:", host: endpoint.ip, port: endpoint.port }, agent: this.agent }, (err) => {
      log.debug({ err: err.message, backend: decision.backend, endpoint: endpoint.address }, "ingress backend failed");
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendText(res, 502, `endpoint ${endpoint.address} of service "${decision.backend}" failed: ${err.message}`);
    });
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, scheme: Scheme): void {
    socket.on("error", (err) => log.debug({ err: err.message }, "ingress client socket failed"));
    if (!isWebSocketUpgrade(req)) return this.serveWithoutUpgrade(req, socket, head, scheme);
    const decision = this.decide(req);
    if (decision.action === "respond") return sendTextOnSocket(socket, decision.status, decision.message);
    const endpoint = this.pick(decision.backend, decision.endpoints);
    setForwardedHeaders(req, scheme);
    this.tunnels.add(socket);
    socket.once("close", () => this.tunnels.delete(socket));
    this.proxy.ws(req, socket, head, { target: { protocol: "http:", host: endpoint.ip, port: endpoint.port } }, (err) => {
      log.debug({ err: err.message, backend: decision.backend, endpoint: endpoint.address }, "ingress WebSocket backend failed");
      // Before the backend's 101 the client still expects an HTTP answer; after it, the tunnel just closes.
      if (!this.upgraded.has(socket)) sendTextOnSocket(socket, 502, `endpoint ${endpoint.address} of service "${decision.backend}" failed: ${err.message}`);
    });
  }

  /**
   * Another upgrade (curl --http2 asks for "h2c" on plain HTTP): answered as the
   * HTTP/1.1 request it also is, as nginx does. Node has already handed the socket
   * over, so a request body would have to be parsed by hand: one is refused instead.
   */
  private serveWithoutUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, scheme: Scheme): void {
    const hasBody = head.length > 0 || req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
    if (hasBody) {
      return sendTextOnSocket(socket, 400, `an upgrade to "${req.headers.upgrade ?? ""}" with a request body is not supported; send the request without the Upgrade header`);
    }
    for (const name of ["upgrade", "http2-settings"]) delete req.headers[name];
    req.headers.connection = "close";
    const res = new http.ServerResponse(req);
    res.assignSocket(socket as Socket);
    // The server no longer reads this socket, so it serves this one request only.
    res.shouldKeepAlive = false;
    res.once("finish", () => {
      res.detachSocket(socket as Socket);
      socket.end();
    });
    this.onRequest(req, res, scheme);
  }

  /** The certificate for a TLS server name: the Secret an Ingress names for it, else the default certificate. */
  private async contextFor(serverName: string): Promise<tls.SecureContext | undefined> {
    const ref = this.router.tlsSecretFor(serverName);
    const context = ref && (await this.secretContext(ref));
    return context ?? this.defaultContext;
  }

  private async secretContext(ref: TlsSecretRef): Promise<tls.SecureContext | undefined> {
    const key = `${ref.namespace}/${ref.name}`;
    let pair: TlsKeyPair | undefined;
    try {
      pair = await this.opts.tlsSecret(ref);
    } catch (err) {
      this.logOnce(`secret:${key}:fetch`, `could not read secret "${key}" for Ingress ${formatIngressRef(ref.ingress)}: ${(err as Error).message}`);
      return undefined;
    }
    if (pair === undefined) {
      this.logOnce(
        `secret:${key}:missing`,
        `Ingress ${formatIngressRef(ref.ingress)} names TLS secret "${key}", which does not exist or is not a kubernetes.io/tls Secret; create it with \`kubectl create secret tls\``,
      );
      return undefined;
    }
    const cached = this.contexts.get(key);
    if (cached && cached.cert === pair.cert && cached.key === pair.key) return cached.context;
    try {
      const context = tls.createSecureContext({ cert: pair.cert, key: pair.key });
      this.contexts.set(key, { ...pair, context });
      for (const problem of ["fetch", "missing", "invalid"]) this.logged.delete(`secret:${key}:${problem}`);
      return context;
    } catch (err) {
      this.logOnce(`secret:${key}:invalid`, `TLS secret "${key}" of Ingress ${formatIngressRef(ref.ingress)} holds no usable certificate and key: ${(err as Error).message}`);
      return undefined;
    }
  }

  private logOnce(key: string, message: string): void {
    if (this.logged.has(key)) return;
    this.logged.add(key);
    log.warn({}, message);
  }
}
