// An API client with several servers: a read goes on to the next server when one
// cannot be reached and the client remembers the one that answered; a write is not
// sent twice but moves the client on; credentials given as a function are asked
// before each request, so a renewed certificate or token is used at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mustResource } from "@bosun/api";
import { ApiClient, ConnectionError } from "../src/index.js";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A server URL on which nothing listens: bound, then closed. */
async function deadServer(): Promise<string> {
  const s = createServer();
  const url = await listen(s);
  await new Promise((resolve) => s.close(resolve));
  return url;
}

test("reads fail over to the next server and stay there; writes move on without being sent twice", async () => {
  const seen: IncomingMessage[] = [];
  const live = createServer((req, res) => {
    seen.push(req);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } }));
  });
  const liveUrl = await listen(live);
  const dead = await deadServer();
  let token = "first";
  const client = new ApiClient({ server: [dead, liveUrl], credentials: () => ({ token }) });
  try {
    const ns = await client.get(mustResource("namespaces"), "default");
    assert.equal(ns.metadata.name, "default");
    assert.equal(client.server, liveUrl, "the server that answered is used first from now on");
    assert.equal(seen[0]?.headers.authorization, "Bearer first");
    token = "renewed";
    await client.get(mustResource("namespaces"), "default");
    assert.equal(seen[1]?.headers.authorization, "Bearer renewed", "new credentials are used at once");

    const writer = new ApiClient({ server: [dead, liveUrl] });
    await assert.rejects(writer.create(mustResource("namespaces"), { apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } }), (err: unknown) => err instanceof ConnectionError);
    assert.equal(seen.length, 2, "the write was not sent to the other server");
    assert.equal(writer.server, liveUrl, "but the next request goes there");
    await writer.create(mustResource("namespaces"), { apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } });
    assert.equal(seen[2]?.method, "POST");
    await writer.close();

    const nobody = new ApiClient({ server: [dead, await deadServer()] });
    await assert.rejects(nobody.get(mustResource("namespaces"), "default"), /cannot reach the Bosun API server at http:\/\/127\.0\.0\.1:\d+, http:\/\/127\.0\.0\.1:\d+/);
  } finally {
    await client.close();
    await new Promise((resolve) => live.close(resolve));
  }
});
