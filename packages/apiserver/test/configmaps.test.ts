// ConfigMaps over HTTP against a real etcd: stored and read back as written,
// Kubernetes' validation with field paths and nothing stored on bad input,
// immutability, the Table kubectl get shows, and kubectl's own create configmap.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { apiServerForSuite, call, runKubectl } from "../src/testing/index.js";

const configMaps = "/api/v1/namespaces/default/configmaps";
const b64 = (text: string) => Buffer.from(text).toString("base64");
const tableAccept = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" };

type ConfigMapBody = {
  kind: string;
  metadata: { name: string; generation?: number; uid?: string };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  immutable?: boolean;
};
type Status = { code: number; reason: string; message: string; details?: { causes?: { field?: string; message?: string }[] } };
type Table = { columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] };

function configMap(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, ...extra };
}

describe("configmaps", () => {
  const api = apiServerForSuite();
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bosun-configmaps-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const absent = async (name: string) => assert.equal((await call(api.url, "GET", `${configMaps}/${name}`)).status, 404, `${name} was not stored`);

  test("create, get and list return data and binaryData as written; etcd holds the object; no generation, as in Kubernetes", async () => {
    const body = configMap("app", { data: { "app.properties": "color=blue\nsize=3\n", EMPTY: "" }, binaryData: { "logo.png": b64("\x89PNG") } });
    const created = await call<ConfigMapBody>(api.url, "POST", configMaps, body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual([created.body.data, created.body.binaryData], [body.data, body.binaryData]);
    assert.equal(created.body.metadata.generation, undefined);
    const got = await call<ConfigMapBody>(api.url, "GET", `${configMaps}/app`);
    assert.deepEqual(got.body.data, body.data);
    const listed = await call<{ kind: string; items: ConfigMapBody[] }>(api.url, "GET", configMaps);
    assert.equal(listed.body.kind, "ConfigMapList");
    assert.deepEqual(listed.body.items.find((c) => c.metadata.name === "app")?.binaryData, body.binaryData);
    const etcd = new Etcd3({ hosts: api.server.etcd.endpoint });
    try {
      const raw = JSON.parse((await etcd.get("/registry/core/configmaps/default/app").string()) ?? "{}") as ConfigMapBody;
      assert.equal(raw.metadata.uid, created.body.metadata.uid);
      assert.deepEqual(raw.data, body.data);
    } finally {
      etcd.close();
    }
  });

  test("bad keys, a key in both maps, bad base64 and more than 1 MiB are refused with Kubernetes' message, nothing stored", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["bad-key", { data: { "a b": "x" } }, `ConfigMap "bad-key" is invalid: data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters`],
      ["twice", { data: { k: "1" }, binaryData: { k: b64("1") } }, `ConfigMap "twice" is invalid: data[k]: Invalid value: "k": duplicate of key present in binaryData`],
      ["not-base64", { binaryData: { k: "%%%%" } }, `ConfigMap "not-base64" is invalid: binaryData[k]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 0`],
      ["big", { data: { a: "x".repeat(700 * 1024) }, binaryData: { b: Buffer.alloc(400 * 1024).toString("base64") } }, `ConfigMap "big" is invalid: []: Too long: must have at most 1048576 bytes`],
    ];
    for (const [name, fields, message] of cases) {
      const res = await call<Status>(api.url, "POST", configMaps, configMap(name, fields));
      assert.equal(res.status, 422, `${name}: ${JSON.stringify(res.body).slice(0, 300)}`);
      assert.equal(res.body.reason, "Invalid");
      assert.ok(res.body.message.startsWith(message), `${name}: ${res.body.message}`);
      await absent(name);
    }
  });

  test("an immutable ConfigMap refuses changes to data, binaryData and immutable with 422 naming the field; metadata may change", async () => {
    const created = await call(api.url, "POST", configMaps, configMap("frozen", { immutable: true, data: { a: "1" } }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const cases: [Record<string, unknown>, string][] = [
      [{ data: { a: "2" } }, "data"],
      [{ binaryData: { b: b64("x") } }, "binaryData"],
      [{ immutable: false }, "immutable"],
    ];
    for (const [patch, field] of cases) {
      const res = await call<Status>(api.url, "PATCH", `${configMaps}/frozen`, patch, "application/merge-patch+json");
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.message, `ConfigMap "frozen" is invalid: ${field}: Forbidden: field is immutable when \`immutable\` is set`);
    }
    const labelled = await call<ConfigMapBody>(api.url, "PATCH", `${configMaps}/frozen`, { metadata: { labels: { team: "a" } } }, "application/merge-patch+json");
    assert.equal(labelled.status, 200, JSON.stringify(labelled.body));
    assert.deepEqual(labelled.body.data, { a: "1" });
    const mutable = await call(api.url, "POST", configMaps, configMap("mutable", { data: { a: "1" } }));
    assert.equal(mutable.status, 201);
    const changed = await call<ConfigMapBody>(api.url, "PUT", `${configMaps}/mutable`, configMap("mutable", { data: { a: "2" }, immutable: true }));
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual([changed.body.data, changed.body.immutable], [{ a: "2" }, true]);
  });

  test("kubectl get's Table: NAME, DATA (keys of data and binaryData) and AGE", async () => {
    await call(api.url, "POST", configMaps, configMap("table", { data: { a: "1", b: "2" }, binaryData: { c: b64("3") } }));
    const res = await call<Table>(api.url, "GET", `${configMaps}/table`, undefined, undefined, tableAccept);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.columnDefinitions.map((c) => [c.name, c.priority]), [["Name", 0], ["Data", 0], ["Age", 0]]);
    const [name, data, age] = res.body.rows[0]!.cells;
    assert.deepEqual([name, data], ["table", 3]);
    assert.match(String(age), /^\d+s$/);
  });

  test("real kubectl 1.27 (JSON): create configmap --from-literal and --from-file, get cm shows the key count", async () => {
    const kubectl = (...args: string[]) => runKubectl({ server: api.url, dir, version: "1.27" }, ...args);
    const file = join(dir, "game.properties");
    await writeFile(file, "lives=3\nlevel=hard\n");
    const created = await kubectl("create", "configmap", "game", "--from-literal=mode=arcade", `--from-file=${file}`);
    assert.match(created.stdout, /configmap\/game created/);
    const got = await call<ConfigMapBody>(api.url, "GET", `${configMaps}/game`);
    assert.deepEqual(got.body.data, { mode: "arcade", "game.properties": "lives=3\nlevel=hard\n" });
    const table = await kubectl("get", "cm", "game");
    assert.match(table.stdout, /^NAME\s+DATA\s+AGE\ngame\s+2\s+\d+s\n$/);
  });
});
