// Secrets over HTTP against a real etcd: stringData merged into data on every
// kind of write and never stored or returned, Kubernetes' validation with field
// paths, immutability, and the Table kubectl get shows.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Etcd3 } from "etcd3";
import { apiServerForSuite, call } from "../src/testing/index.js";

const secrets = "/api/v1/namespaces/default/secrets";
const b64 = (text: string) => Buffer.from(text).toString("base64");

type SecretBody = {
  metadata: { name: string; resourceVersion: string; uid: string; generation?: number };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  type?: string;
  immutable?: boolean;
};
type Status = { kind: string; code: number; reason: string; message: string; details?: { causes?: { field?: string; message?: string; reason?: string }[] } };
type Table = { columnDefinitions: { name: string; type: string; priority: number }[]; rows: { cells: unknown[] }[] };

function secret(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Secret", metadata: { name }, ...extra };
}

describe("secrets", () => {
  const api = apiServerForSuite();

  /** The object as etcd holds it, read past the apiserver. */
  async function stored(namespace: string, name: string): Promise<Record<string, unknown>> {
    const etcd = new Etcd3({ hosts: api.server.etcd.endpoint });
    try {
      const text = await etcd.get(`/registry/core/secrets/${namespace}/${name}`).string();
      assert.ok(text, `secret ${namespace}/${name} is in etcd`);
      return JSON.parse(text) as Record<string, unknown>;
    } finally {
      etcd.close();
    }
  }

  test("create with stringData: the answer, a get and a list carry it in data, never stringData, and etcd holds no stringData", async () => {
    const created = await call<SecretBody>(api.url, "POST", secrets, secret("db", { data: { user: b64("old") }, stringData: { user: "admin", password: "s3cr€t" } }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.data, { user: b64("admin"), password: Buffer.from("s3cr€t", "utf8").toString("base64") });
    assert.equal(created.body.stringData, undefined);
    assert.equal(created.body.type, "Opaque");
    assert.equal(created.body.metadata.generation, undefined, "Secrets have no generation, as in Kubernetes");

    const got = await call<SecretBody>(api.url, "GET", `${secrets}/db`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.data, created.body.data);
    assert.equal("stringData" in got.body, false);

    const listed = await call<{ kind: string; items: SecretBody[] }>(api.url, "GET", secrets);
    assert.equal(listed.body.kind, "SecretList");
    const item = listed.body.items.find((s) => s.metadata.name === "db");
    assert.deepEqual(item?.data, created.body.data);
    assert.equal(item && "stringData" in item, false);

    const raw = await stored("default", "db");
    assert.equal("stringData" in raw, false);
    assert.deepEqual(raw.data, created.body.data);
  });

  test("a merge patch, a PUT and a server-side apply with stringData all land in data", async () => {
    await call(api.url, "POST", secrets, secret("app", { stringData: { a: "1" } }));
    const patched = await call<SecretBody>(api.url, "PATCH", `${secrets}/app`, { stringData: { b: "2" } }, "application/merge-patch+json");
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.data, { a: b64("1"), b: b64("2") });
    assert.equal(patched.body.stringData, undefined);

    const put = await call<SecretBody>(api.url, "PUT", `${secrets}/app`, secret("app", { data: patched.body.data, stringData: { a: "one" } }));
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.data, { a: b64("one"), b: b64("2") });

    const applied = await call<SecretBody>(
      api.url,
      "PATCH",
      `/api/v1/namespaces/default/secrets/applied?fieldManager=test`,
      JSON.stringify(secret("applied", { stringData: { token: "abc" } })),
      "application/apply-patch+yaml",
    );
    assert.equal(applied.status, 201, JSON.stringify(applied.body));
    assert.deepEqual(applied.body.data, { token: b64("abc") });
    assert.equal(applied.body.stringData, undefined);
    assert.equal("stringData" in (await stored("default", "applied")), false);
  });

  test("a kubeadm bootstrap token Secret in kube-system, found by its type", async () => {
    const created = await call<SecretBody>(
      api.url,
      "POST",
      "/api/v1/namespaces/kube-system/secrets",
      secret("bootstrap-token-abcdef", {
        type: "bootstrap.kubernetes.io/token",
        stringData: { "token-id": "abcdef", "token-secret": "0123456789abcdef", "usage-bootstrap-authentication": "true" },
      }),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const byType = await call<{ items: SecretBody[] }>(api.url, "GET", "/api/v1/secrets?fieldSelector=type%3Dbootstrap.kubernetes.io%2Ftoken");
    assert.equal(byType.status, 200, JSON.stringify(byType.body));
    assert.deepEqual(byType.body.items.map((s) => s.metadata.name), ["bootstrap-token-abcdef"]);
  });

  test("an immutable Secret refuses changes to data (also through stringData), immutable and type with 422 naming the field", async () => {
    const created = await call<SecretBody>(api.url, "POST", secrets, secret("frozen", { immutable: true, stringData: { key: "v1" } }));
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const cases: [string, Record<string, unknown>, string, string][] = [
      ["stringData", { stringData: { key: "v2" } }, "data", "Forbidden: field is immutable when `immutable` is set"],
      ["data", { data: { key: b64("v1"), other: b64("x") } }, "data", "Forbidden: field is immutable when `immutable` is set"],
      ["immutable", { immutable: false }, "immutable", "Forbidden: field is immutable when `immutable` is set"],
      ["type", { type: "example.com/other" }, "type", 'Invalid value: "example.com/other": field is immutable'],
    ];
    for (const [what, patch, field, message] of cases) {
      const res = await call<Status>(api.url, "PATCH", `${secrets}/frozen`, patch, "application/merge-patch+json");
      assert.equal(res.status, 422, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.reason, "Invalid");
      assert.deepEqual(res.body.details?.causes?.map((c) => [c.field, c.message]), [[field, message]], what);
      assert.equal(res.body.message, `Secret "frozen" is invalid: ${field}: ${message}`);
    }
    const put = await call<Status>(api.url, "PUT", `${secrets}/frozen`, secret("frozen", { immutable: true, data: { key: b64("v2") } }));
    assert.equal(put.status, 422);
    assert.deepEqual(put.body.details?.causes?.map((c) => c.field), ["data"]);

    const labelled = await call<SecretBody>(api.url, "PATCH", `${secrets}/frozen`, { metadata: { labels: { team: "a" } } }, "application/merge-patch+json");
    assert.equal(labelled.status, 200, "metadata of an immutable Secret may change");
    assert.deepEqual(labelled.body.data, { key: b64("v1") });
  });

  test("bad keys and bad base64 are refused by path with nothing written, and no cause quotes a value", async () => {
    const res = await call<Status>(api.url, "POST", secrets, secret("bad", { data: { "a b": b64("x"), pw: "hunter2!" } }));
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.deepEqual(res.body.details?.causes?.map((c) => [c.field, c.message]), [
      ["data[pw]", 'Invalid value: "<secret contents redacted>": illegal base64 data at input byte 7'],
    ]);
    assert.doesNotMatch(JSON.stringify(res.body), /hunter2/);
    const key = await call<Status>(api.url, "POST", secrets, secret("bad", { stringData: { "a b": "x" } }));
    assert.equal(key.status, 422, JSON.stringify(key.body));
    assert.deepEqual(key.body.details?.causes?.map((c) => c.field), ["data[a b]"]);
    assert.equal((await call(api.url, "GET", `${secrets}/bad`)).status, 404);
  });

  test("kubectl get's Table: NAME, TYPE, DATA (a count) and AGE", async () => {
    await call(api.url, "POST", secrets, secret("table", { type: "kubernetes.io/basic-auth", stringData: { username: "u", password: "p" } }));
    const res = await call<Table>(api.url, "GET", `${secrets}/table`, undefined, undefined, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.columnDefinitions.map((c) => [c.name, c.type, c.priority]), [
      ["Name", "string", 0],
      ["Type", "string", 0],
      ["Data", "string", 0],
      ["Age", "string", 0],
    ]);
    const [name, type, data, age] = res.body.rows[0]!.cells;
    assert.deepEqual([name, type, data], ["table", "kubernetes.io/basic-auth", 2]);
    assert.match(String(age), /^\d+s$/);
  });
});
