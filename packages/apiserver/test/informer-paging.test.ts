import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mustResource, type KubeList, type KubeObject, type ResourceInfo } from "@bosun/api";
import { ApiClient, Informer, type ListPageOptions } from "@bosun/client";
import { call, testPod, startTestApiServer, type TestApiServer } from "../src/testing/index.js";

/** Records the list requests the informer makes. */
class RecordingClient extends ApiClient {
  readonly lists: ListPageOptions[] = [];
  override async list<T extends KubeObject>(res: ResourceInfo, opts: ListPageOptions = {}): Promise<KubeList<T>> {
    this.lists.push(opts);
    return super.list<T>(res, opts);
  }
}

const ns = "informed";
const pods = `/api/v1/namespaces/${ns}/pods`;

describe("the informer lists in pages and follows the watch", () => {
  let server: TestApiServer;
  before(async () => {
    server = await startTestApiServer();
    await call(server.url, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    for (let i = 0; i < 5; i++) await call(server.url, "POST", pods, testPod(`p${i}`));
  });
  after(async () => {
    await server.stop();
  });

  test("pages of pageSize, one synced cache, then changes from the watch", async () => {
    const client = new RecordingClient({ server: server.url });
    const informer = new Informer<KubeObject>(client, mustResource("pods"), { namespace: ns, pageSize: 2 });
    const added: string[] = [];
    informer.onAdd((o) => added.push(o.metadata.name ?? ""));
    await informer.start();
    try {
      assert.deepEqual(added, ["p0", "p1", "p2", "p3", "p4"]);
      assert.equal(client.lists.length, 3, "five pods in pages of two");
      assert.ok(client.lists.every((o) => o.limit === 2));
      assert.equal(client.lists[0].continue, undefined);
      assert.ok(client.lists[1].continue && client.lists[2].continue);
      await call(server.url, "POST", pods, testPod("p5"));
      await call(server.url, "DELETE", `${pods}/p0`);
      const deadline = Date.now() + 5000;
      while ((informer.get(`${ns}/p5`) === undefined || informer.get(`${ns}/p0`) !== undefined) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(
        informer.list().map((o) => o.metadata.name).sort(),
        ["p1", "p2", "p3", "p4", "p5"],
      );
    } finally {
      await informer.stop();
    }
  });
});
