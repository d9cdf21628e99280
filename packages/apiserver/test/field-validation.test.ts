import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { warningHeader } from "../src/http/field-validation.js";
import { apiServerForSuite, call, testPod, type Reply } from "../src/testing/index.js";

interface StatusBody {
  code: number;
  reason: string;
  message: string;
  details?: { causes?: { reason: string; field: string; message: string }[] };
}

type PodBody = { metadata: { name: string; resourceVersion?: string }; spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };

const pods = "/api/v1/namespaces/default/pods";

/** A pod with an unknown field in its spec and one in its container. */
function podWithTypos(name: string): PodBody {
  const pod = testPod(name) as unknown as PodBody;
  pod.spec.restartPolicyy = "Never";
  pod.spec.containers[0].imagee = "x";
  return pod;
}

function warnings(res: Reply): string[] {
  const header = res.headers.get("warning");
  return header === null ? [] : header.split(/,\s*(?=299 )/);
}

test("Warning header values are quoted and escaped as RFC 7234 and Kubernetes write them", () => {
  assert.equal(warningHeader('unknown field "spec.foo"'), '299 - "unknown field \\"spec.foo\\""');
  assert.equal(warningHeader("a\\b"), '299 - "a\\\\b"');
});

describe("fieldValidation on create, update and patch", () => {
  const api = apiServerForSuite();

  const stored = async (name: string) => call<PodBody>(api.url, "GET", `${pods}/${name}`);

  test("Strict: 400 BadRequest in Kubernetes' words, naming every unknown field; nothing stored", async () => {
    const res = await call<StatusBody>(api.url, "POST", `${pods}?fieldValidation=Strict`, podWithTypos("strict"));
    assert.equal(res.status, 400);
    assert.equal(res.body.reason, "BadRequest");
    assert.equal(
      res.body.message,
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagee", unknown field "spec.restartPolicyy"',
    );
    assert.deepEqual(
      res.body.details?.causes?.map((c) => c.field),
      ["spec.containers[0].imagee", "spec.restartPolicyy"],
    );
    assert.equal((await stored("strict")).status, 404);
  });

  test("Warn: stored without the unknown fields, one Warning header for each", async () => {
    const res = await call<PodBody>(api.url, "POST", `${pods}?fieldValidation=Warn`, podWithTypos("warn"));
    assert.equal(res.status, 201);
    assert.deepEqual(warnings(res), ['299 - "unknown field \\"spec.containers[0].imagee\\""', '299 - "unknown field \\"spec.restartPolicyy\\""']);
    const got = (await stored("warn")).body;
    assert.equal(got.spec.restartPolicyy, undefined);
    assert.equal(got.spec.containers[0].imagee, undefined);
    assert.equal(got.spec.containers[0].image, "bosun.local/busybox:1");
  });

  test("Ignore: stored without the unknown fields and without warnings", async () => {
    const res = await call<PodBody>(api.url, "POST", `${pods}?fieldValidation=Ignore`, podWithTypos("ignore"));
    assert.equal(res.status, 201);
    assert.deepEqual(warnings(res), []);
    assert.equal((await stored("ignore")).body.spec.restartPolicyy, undefined);
  });

  test("no directive: refused as invalid, every field named, as Bosun never drops a field unasked", async () => {
    const res = await call<StatusBody>(api.url, "POST", pods, podWithTypos("default"));
    assert.equal(res.status, 422);
    assert.equal(res.body.reason, "Invalid");
    assert.deepEqual(
      res.body.details?.causes?.map((c) => c.field),
      ["spec.restartPolicyy", "spec.containers[0].imagee"],
    );
    assert.equal((await stored("default")).status, 404);
  });

  test("a directive Kubernetes does not know is a 400", async () => {
    const res = await call<StatusBody>(api.url, "POST", `${pods}?fieldValidation=Loose`, testPod("loose"));
    assert.equal(res.status, 400);
    assert.match(res.body.message, /fieldValidation "Loose": use Strict, Warn or Ignore/);
  });

  test("duplicate JSON keys: refused by Strict and by default, warned about by Warn (the last value wins)", async () => {
    const body = (name: string) =>
      `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}"},"spec":{"terminationGracePeriodSeconds":5,"terminationGracePeriodSeconds":7,"containers":[{"name":"main","image":"bosun.local/busybox:1"}]}}`;
    const strict = await call<StatusBody>(api.url, "POST", `${pods}?fieldValidation=Strict`, body("dup-strict"));
    assert.equal(strict.status, 400);
    assert.match(strict.body.message, /strict decoding error: duplicate field "spec.terminationGracePeriodSeconds"$/);
    const unasked = await call<StatusBody>(api.url, "POST", pods, body("dup-default"));
    assert.equal(unasked.status, 422);
    assert.deepEqual(unasked.body.details?.causes?.map((c) => c.message), ['duplicate field "spec.terminationGracePeriodSeconds"']);
    const warn = await call<PodBody>(api.url, "POST", `${pods}?fieldValidation=Warn`, body("dup-warn"));
    assert.equal(warn.status, 201);
    assert.deepEqual(warnings(warn), ['299 - "duplicate field \\"spec.terminationGracePeriodSeconds\\""']);
    assert.equal(warn.body.spec.terminationGracePeriodSeconds, 7);
    const ignore = await call(api.url, "POST", `${pods}?fieldValidation=Ignore`, body("dup-ignore"));
    assert.equal(ignore.status, 201);
    assert.deepEqual(warnings(ignore), []);
  });

  test("update (PUT) and patch follow the directive too; a valid write carries no warning", async () => {
    assert.equal((await call(api.url, "POST", pods, testPod("target"))).status, 201);
    const current = (await stored("target")).body;
    current.metadata.resourceVersion = undefined;
    (current.metadata as Record<string, unknown>).labelz = { a: "b" };
    const put = await call<StatusBody>(api.url, "PUT", `${pods}/target?fieldValidation=Strict`, current);
    assert.equal(put.status, 400);
    assert.match(put.body.message, /unknown field "metadata.labelz"/);
    const putWarn = await call(api.url, "PUT", `${pods}/target?fieldValidation=Warn`, current);
    assert.equal(putWarn.status, 200);
    assert.deepEqual(warnings(putWarn), ['299 - "unknown field \\"metadata.labelz\\""']);

    const patch = { metadata: { labels: { tier: "web" } }, spec: { activeDeadlineSecondz: 5 } };
    const strict = await call<StatusBody>(api.url, "PATCH", `${pods}/target?fieldValidation=Strict`, patch, "application/merge-patch+json");
    assert.equal(strict.status, 400);
    assert.match(strict.body.message, /unknown field "spec.activeDeadlineSecondz"/);
    assert.equal((await stored("target")).body.metadata.name, "target");
    const warn = await call<PodBody & { metadata: { labels?: Record<string, string> } }>(
      api.url,
      "PATCH",
      `${pods}/target?fieldValidation=Warn`,
      patch,
      "application/merge-patch+json",
    );
    assert.equal(warn.status, 200);
    assert.deepEqual(warnings(warn), ['299 - "unknown field \\"spec.activeDeadlineSecondz\\""']);
    assert.deepEqual(warn.body.metadata.labels, { tier: "web" });
    assert.equal(warn.body.spec.activeDeadlineSecondz, undefined);
    const clean = await call(api.url, "PATCH", `${pods}/target?fieldValidation=Warn`, { metadata: { labels: { tier: "db" } } }, "application/merge-patch+json");
    assert.equal(clean.status, 200);
    assert.deepEqual(warnings(clean), []);
  });

  test("values Kubernetes warns about get a Warning header whatever the directive, but not on status writes", async () => {
    const pod = testPod("old-label") as unknown as PodBody;
    pod.spec.nodeSelector = { "beta.kubernetes.io/os": "linux" };
    const expected = ['299 - "spec.nodeSelector[beta.kubernetes.io/os]: deprecated since v1.14; use \\"kubernetes.io/os\\" instead"'];
    const created = await call<PodBody>(api.url, "POST", pods, pod);
    assert.equal(created.status, 201);
    assert.deepEqual(warnings(created), expected);
    const typo = await call(api.url, "PATCH", `${pods}/old-label?fieldValidation=Warn`, { spec: { nodeNamee: "x" } }, "application/merge-patch+json");
    assert.deepEqual(warnings(typo), ['299 - "unknown field \\"spec.nodeNamee\\""', ...expected]);
    const status = await call(api.url, "PATCH", `${pods}/old-label/status`, { status: { message: "hello" } }, "application/merge-patch+json");
    assert.equal(status.status, 200);
    assert.deepEqual(warnings(status), []);
  });

  test("the scale subresource checks its Scale body", async () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "main", image: "bosun.local/busybox:1" }] } },
      },
    };
    assert.equal((await call(api.url, "POST", "/apis/apps/v1/namespaces/default/deployments", deployment)).status, 201);
    const scale = "/apis/apps/v1/namespaces/default/deployments/web/scale";
    const res = await call<StatusBody>(api.url, "PATCH", `${scale}?fieldValidation=Strict`, { spec: { replicas: 2, replicaz: 3 } }, "application/merge-patch+json");
    assert.equal(res.status, 400);
    assert.equal(res.body.message, 'Scale in version "v1" cannot be handled as a Scale: strict decoding error: unknown field "spec.replicaz"');
    const warn = await call<{ spec: { replicas: number } }>(api.url, "PATCH", `${scale}?fieldValidation=Warn`, { spec: { replicas: 2, replicaz: 3 } }, "application/merge-patch+json");
    assert.equal(warn.status, 200);
    assert.equal(warn.body.spec.replicas, 2);
    assert.deepEqual(warnings(warn), ['299 - "unknown field \\"spec.replicaz\\""']);
  });
});
