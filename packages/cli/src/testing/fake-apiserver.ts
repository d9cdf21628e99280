// For the CLI's tests: a tiny in-memory stand-in for the API server, enough to drive the CLI's
// commands over real HTTP: get, list, create, update with resourceVersion
// checks, delete, and Kubernetes Status errors.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { KubeObject } from "@bosun/api";

export interface FakeApiServer {
  url: string;
  objects: Map<string, KubeObject>;
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeApiServer(): Promise<FakeApiServer> {
  const objects = new Map<string, KubeObject>();
  const requests: string[] = [];
  let revision = 1;
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: Error) => send(res, 500, status(500, "InternalError", err.message)));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === "/version") return send(res, 200, { major: "1", minor: "30", gitVersion: "v1.30.0-bosun" });
    const m = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return send(res, 404, status(404, "NotFound", "the server could not find the requested resource"));
    const [, ns, resource, name] = m as unknown as [string, string | undefined, string, string | undefined];
    const key = (n: string) => `${resource}/${ns ?? ""}/${n}`;
    const body = req.method === "POST" || req.method === "PUT" ? ((await readJson(req)) as KubeObject) : undefined;
    const notFound = () => send(res, 404, status(404, "NotFound", `${resource} "${name}" not found`));
    switch (req.method) {
      case "GET": {
        if (name) return objects.has(key(name)) ? send(res, 200, objects.get(key(name))) : notFound();
        const prefix = ns ? `${resource}/${ns}/` : `${resource}/`;
        const items = [...objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
        return send(res, 200, { apiVersion: "v1", kind: "List", metadata: { resourceVersion: String(revision) }, items });
      }
      case "POST": {
        const k = key(body!.metadata.name!);
        if (objects.has(k)) return send(res, 409, status(409, "AlreadyExists", `${resource} "${body!.metadata.name}" already exists`));
        const created = { ...body!, metadata: { ...body!.metadata, uid: `uid-${revision}`, resourceVersion: String(++revision), creationTimestamp: new Date().toISOString() } };
        objects.set(k, created);
        return send(res, 201, created);
      }
      case "PUT": {
        const current = objects.get(key(name!));
        if (!current) return notFound();
        if (body!.metadata.resourceVersion !== current.metadata.resourceVersion) {
          return send(res, 409, status(409, "Conflict", `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified`));
        }
        const updated = { ...body!, metadata: { ...body!.metadata, resourceVersion: String(++revision) } };
        objects.set(key(name!), updated);
        return send(res, 200, updated);
      }
      case "DELETE": {
        const current = objects.get(key(name!));
        if (!current) return notFound();
        objects.delete(key(name!));
        return send(res, 200, current);
      }
    }
    send(res, 405, status(405, "MethodNotAllowed", "method not allowed"));
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function status(code: number, reason: string, message: string) {
  return { apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", code, reason, message };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  return JSON.parse(text);
}
