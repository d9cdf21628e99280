import assert from "node:assert/strict";
import { test } from "node:test";
import {
  alreadyExists,
  badRequest,
  conflict,
  expired,
  internalError,
  invalid,
  isStatus,
  methodNotAllowed,
  notFound,
  requestEntityTooLarge,
  resourceByName,
  unsupportedMediaType,
} from "../src/index.js";

const pods = resourceByName("pods")!;

test("notFound names the plural resource like Kubernetes", () => {
  const s = notFound(pods, "web");
  assert.equal(s.code, 404);
  assert.equal(s.reason, "NotFound");
  assert.equal(s.message, 'pods "web" not found');
  assert.deepEqual(s.details, { name: "web", group: "", kind: "pods" });
  assert.equal(s.kind, "Status");
  assert.equal(s.status, "Failure");
  assert.ok(isStatus(s));
});

test("alreadyExists and conflict are 409 with Kubernetes messages", () => {
  assert.equal(alreadyExists(pods, "web").message, 'pods "web" already exists');
  assert.equal(alreadyExists(pods, "web").reason, "AlreadyExists");
  const c = conflict(pods, "web", "the object has been modified; please apply your changes to the latest version and try again");
  assert.equal(c.code, 409);
  assert.equal(c.reason, "Conflict");
  assert.match(c.message!, /^Operation cannot be fulfilled on pods "web": the object has been modified/);
});

test("invalid joins one cause plainly and several in brackets", () => {
  const one = invalid(pods, "x", [{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].image" }]);
  assert.equal(one.code, 422);
  assert.equal(one.reason, "Invalid");
  assert.equal(one.message, 'Pod "x" is invalid: spec.containers[0].image: Required value');
  assert.equal(one.details?.kind, "Pod");
  assert.equal(one.details?.causes?.length, 1);
  const two = invalid(pods, "x", [
    { reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].image" },
    { reason: "FieldValueUnknown", message: 'unknown field "spec.foo"', field: "spec.foo" },
  ]);
  assert.equal(two.message, 'Pod "x" is invalid: [spec.containers[0].image: Required value, unknown field "spec.foo"]');
});

test("the other builders carry their codes and reasons", () => {
  assert.deepEqual([badRequest("bad").code, badRequest("bad").reason], [400, "BadRequest"]);
  assert.deepEqual([expired("too old resource version: 1 (5)").code, expired("x").reason], [410, "Expired"]);
  assert.equal(requestEntityTooLarge("limit is 3145728").code, 413);
  assert.equal(requestEntityTooLarge("limit is 3145728").message, "Request entity too large: limit is 3145728");
  assert.equal(unsupportedMediaType("text/plain").code, 415);
  assert.match(unsupportedMediaType("text/plain").message!, /text\/plain/);
  const m = methodNotAllowed(pods, "deletecollection");
  assert.deepEqual([m.code, m.reason, m.message], [405, "MethodNotAllowed", 'deletecollection is not supported on resources of kind "pods"']);
  const ie = internalError(new Error("etcd is down"));
  assert.deepEqual([ie.code, ie.reason, ie.message], [500, "InternalError", "Internal error occurred: etcd is down"]);
  assert.equal(isStatus({ kind: "Pod" }), false);
});
