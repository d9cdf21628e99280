import { test } from "node:test";
import assert from "node:assert/strict";
import { negotiate, parseAccept } from "../src/http/accept.js";
import { StatusError } from "../src/errors.js";

test("parseAccept orders by q, then specific types before wildcards, else as sent", () => {
  const ranges = parseAccept("*/*;q=0.8, application/*, application/json;as=Table;v=v1;g=meta.k8s.io, text/html;q=0.9, application/json, bogus");
  assert.deepEqual(
    ranges.map((r) => `${r.type}/${r.subtype}${r.params.as ? `;as=${r.params.as}` : ""}@${r.q}`),
    ["application/json;as=Table@1", "application/json@1", "application/*@1", "text/html@0.9", "*/*@0.8"],
  );
  assert.deepEqual(parseAccept("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")[0]!.params, {
    g: "apidiscovery.k8s.io",
    v: "v2",
    as: "APIGroupDiscoveryList",
  });
});

test("negotiate: first servable range wins; plain ranges answer plain; nothing servable is 406", () => {
  const serve = (t: { group: string; version: string; kind: string }) => (t.kind === "Table" && t.group === "meta.k8s.io" ? t.version : undefined);
  const pick = (header: string | undefined) => negotiate(header, "plain", serve, ["application/json"]);
  assert.equal(pick(undefined), "plain");
  assert.equal(pick(""), "plain");
  assert.equal(pick("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"), "v1");
  assert.equal(pick("application/json;as=Table;v=v1beta1;g=meta.k8s.io"), "v1beta1");
  assert.equal(pick("application/json;as=Widget;v=v1;g=x,application/json"), "plain");
  assert.equal(pick("application/yaml;as=Table;v=v1;g=meta.k8s.io,*/*"), "plain", "transforms are served as JSON only");
  assert.equal(pick("text/plain"), "plain", "a plain range keeps answering JSON, as Bosun always has");
  assert.throws(
    () => pick("application/json;as=Widget;v=v1;g=x"),
    (err: unknown) => err instanceof StatusError && err.code === 406 && err.status.reason === "NotAcceptable",
  );
});
