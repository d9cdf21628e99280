import assert from "node:assert/strict";
import { test } from "node:test";
import { isDNS1123Label, isEnvVarName, isValidPortName, nameProblems, regexError } from "../src/index.js";

test("regexError joins examples like Kubernetes (double space before 'or')", () => {
  assert.equal(regexError("msg", "re", "a", "b"), "msg (e.g. 'a',  or 'b', regex used for validation is 're')");
  assert.equal(regexError("msg", "re"), "msg (regex used for validation is 're')");
});

test("DNS labels, port names and env var names", () => {
  assert.deepEqual(isDNS1123Label("my-name"), []);
  assert.deepEqual(isDNS1123Label("a".repeat(64)), ["must be no more than 63 characters"]);
  assert.deepEqual(isValidPortName("http"), []);
  assert.deepEqual(isValidPortName("80"), ["must contain at least one letter (a-z)"]);
  assert.deepEqual(isValidPortName("a--b"), ["must not contain consecutive hyphens"]);
  assert.deepEqual(isEnvVarName("MY_VAR.x-1"), []);
  // Kubernetes 1.33's relaxed rule: printable ASCII but '='.
  assert.deepEqual(isEnvVarName("9 LIVES..!"), []);
  assert.deepEqual(isEnvVarName("A=B"), ["a valid environment variable name must consist only of printable ASCII characters other than '='"]);
  assert.equal(isEnvVarName("tab\there").length, 1);
  assert.equal(isEnvVarName("café").length, 1);
});

test("generateName may end in a dash", () => {
  assert.deepEqual(nameProblems("Pod", "web-", true), []);
  assert.notDeepEqual(nameProblems("Pod", "web-", false), []);
  assert.deepEqual(nameProblems("Namespace", "team-", true), []);
});
