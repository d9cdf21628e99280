// The query of pods/{name}/log, checked as Kubernetes' ValidatePodLogOptions does.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "@bosun/api";
import { StatusError } from "../src/errors.js";
import { logOptions } from "../src/http/logs.js";

const pod: Pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "main", image: "x" }] } };

function refusal(query: Record<string, string>): string {
  try {
    logOptions(pod, query);
  } catch (err) {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 400);
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(query)} to be refused`);
}

test("every log parameter kubectl sends reaches the source", () => {
  assert.deepEqual(logOptions(pod, { follow: "true", tailLines: "5", timestamps: "true", limitBytes: "100", sinceSeconds: "30", previous: "true" }), {
    container: "main",
    follow: true,
    tailLines: 5,
    timestamps: true,
    limitBytes: 100,
    sinceSeconds: 30,
    previous: true,
  });
  assert.deepEqual(logOptions(pod, { sinceTime: "2026-01-02T03:04:05Z" }), { container: "main", follow: false, sinceTime: "2026-01-02T03:04:05Z" });
});

test("out-of-range and conflicting parameters are refused with Kubernetes' messages", () => {
  assert.match(refusal({ tailLines: "-1" }), /tailLines must be greater than or equal to 0/);
  assert.match(refusal({ limitBytes: "0" }), /limitBytes must be greater than 0/);
  assert.match(refusal({ sinceSeconds: "0" }), /sinceSeconds must be greater than 0/);
  assert.match(refusal({ sinceSeconds: "5", sinceTime: "2026-01-02T03:04:05Z" }), /at most one of sinceTime or sinceSeconds/);
  assert.match(refusal({ sinceTime: "yesterday" }), /sinceTime must be an RFC 3339 time/);
  assert.match(refusal({ limitBytes: "ten" }), /limitBytes must be an integer/);
});
