import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "@bosun/client";
import { CliError, formatError, parseTargets } from "../src/context.js";
import { gracePeriodOf } from "../src/commands/delete.js";
import { podNameOf } from "../src/commands/logs.js";

test("targets are parsed from 'kind name...' and 'kind/name...'", () => {
  const plain = parseTargets(["po", "a", "b"]);
  assert.equal(plain.res?.resource, "pods");
  assert.deepEqual(plain.targets.map((t) => t.name), ["a", "b"]);
  assert.deepEqual(parseTargets(["nodes"]).targets, []);
  const slashed = parseTargets(["pod/a", "node/n1"]);
  assert.deepEqual(slashed.targets.map((t) => `${t.res.kind}/${t.name}`), ["Pod/a", "Node/n1"]);
  assert.throws(() => parseTargets(["pod/a", "b"]), /resource\/name form/);
  assert.throws(() => parseTargets(["widgets"]), (err: Error) => err instanceof CliError && /doesn't have a resource type "widgets"/.test(err.message));
  assert.throws(() => parseTargets([]), /specify the type of resource/);
});

test("server errors read like kubectl's, client errors start with error:", () => {
  const err = new ApiError({ apiVersion: "v1", kind: "Status", metadata: {}, status: "Failure", code: 404, reason: "NotFound", message: 'pods "x" not found' });
  assert.equal(formatError(err), 'Error from server (NotFound): pods "x" not found');
  assert.equal(formatError(new CliError("bad input")), "error: bad input");
});

test("delete's grace period follows kubectl: explicit, else --now 1s, else --force 0s", () => {
  assert.equal(gracePeriodOf({ now: false, force: false }), undefined);
  assert.equal(gracePeriodOf({ gracePeriod: 5, now: true, force: true }), 5);
  assert.equal(gracePeriodOf({ gracePeriod: -1, now: false, force: false }), undefined);
  assert.equal(gracePeriodOf({ now: true, force: false }), 1);
  assert.equal(gracePeriodOf({ now: false, force: true }), 0);
});

test("logs accepts a pod name or pod/name and refuses other kinds", () => {
  assert.equal(podNameOf("web"), "web");
  assert.equal(podNameOf("pod/web"), "web");
  assert.throws(() => podNameOf("node/n1"), /reads pods only/);
});
