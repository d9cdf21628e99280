import assert from "node:assert/strict";
import { test } from "node:test";
import {
  formatLabelSelector,
  labelSelectorFromMatch,
  matchesLabels,
  parseLabelSelector,
  SelectorError,
  validateLabelKey,
  validateLabelValue,
} from "../src/index.js";

const web = { app: "web", tier: "frontend", env: "prod", replicas: "3" };

function sel(s: string, labels: Record<string, string> | undefined = web): boolean {
  return matchesLabels(parseLabelSelector(s), labels);
}

test("equality-based requirements", () => {
  assert.equal(sel("app=web"), true);
  assert.equal(sel("app==web"), true);
  assert.equal(sel("app=db"), false);
  assert.equal(sel("app!=db"), true);
  assert.equal(sel("missing!=x"), true, "!= matches objects without the label");
  assert.equal(sel("app=web,tier=backend"), false, "comma is AND");
  assert.equal(sel(" app = web , tier = frontend "), true);
  assert.equal(sel("app="), false);
  assert.equal(sel("app=", { app: "" }), true);
});

test("set-based requirements", () => {
  assert.equal(sel("env in (prod,staging)"), true);
  assert.equal(sel("env in (dev)"), false);
  assert.equal(sel("env notin (dev, staging)"), true);
  assert.equal(sel("env notin (prod)"), false);
  assert.equal(sel("missing notin (x)"), true);
  assert.equal(sel("app"), true);
  assert.equal(sel("missing"), false);
  assert.equal(sel("!missing"), true);
  assert.equal(sel("!app"), false);
  assert.equal(sel("replicas>2"), true);
  assert.equal(sel("replicas<2"), false);
  assert.equal(sel("app in (web),!legacy,tier"), true);
  assert.equal(sel(""), true);
  assert.equal(matchesLabels(parseLabelSelector("app"), undefined), false);
  assert.equal(matchesLabels(parseLabelSelector("app!=x"), undefined), true);
  assert.deepEqual(parseLabelSelector("a in (x,y)").requirements, [{ key: "a", operator: "in", values: ["x", "y"] }]);
});

test("malformed selectors say what is wrong", () => {
  const bad: Array<[string, RegExp]> = [
    ["app=web,", /expected a label key, found end of selector/],
    ["env in prod", /expected '\(' after 'in'/],
    ["env in (a b)", /expected ',' or '\)'/],
    ["a b", /expected '=', '==', '!=', 'in', 'notin'/],
    ["bad key!=x", /expected/],
    ["-bad=x", /invalid label key "-bad"/],
    ["app=bad value", /expected/],
    ["app=-x", /invalid label value "-x"/],
    ["replicas>x", /must be a single integer/],
    ["=x", /expected a label key/],
  ];
  for (const [s, re] of bad) assert.throws(() => parseLabelSelector(s), (e: unknown) => e instanceof SelectorError && re.test(e.message), s);
});

test("structured selectors from matchLabels and matchExpressions", () => {
  const s = labelSelectorFromMatch({ app: "web" }, [
    { key: "env", operator: "In", values: ["prod"] },
    { key: "legacy", operator: "DoesNotExist" },
    { key: "tier", operator: "Exists" },
    { key: "zone", operator: "NotIn", values: ["a"] },
  ]);
  assert.equal(matchesLabels(s, web), true);
  assert.equal(matchesLabels(s, { ...web, legacy: "1" }), false);
  assert.equal(formatLabelSelector(s), "app=web,env in (prod),!legacy,tier,zone notin (a)");
  assert.deepEqual(parseLabelSelector(formatLabelSelector(s)), s);
  assert.equal(matchesLabels(labelSelectorFromMatch({}), { any: "thing" }), true);
  assert.throws(() => labelSelectorFromMatch(undefined, [{ key: "a", operator: "In", values: [] }]), /values set can't be empty/);
  assert.throws(
    () => labelSelectorFromMatch(undefined, [{ key: "a", operator: "Gt" as "In", values: ["1"] }]),
    /"Gt" is not a valid label selector operator/,
  );
});

test("label key and value rules", () => {
  assert.equal(validateLabelKey("app"), undefined);
  assert.equal(validateLabelKey("app.kubernetes.io/name"), undefined);
  assert.match(validateLabelKey("a/b/c")!, /a qualified name must consist of/);
  assert.match(validateLabelKey("/name")!, /prefix part must be non-empty/);
  assert.match(validateLabelKey("Bad_Prefix/name")!, /prefix part a lowercase RFC 1123 subdomain/);
  assert.match(validateLabelKey("x".repeat(64))!, /name part must be no more than 63 characters/);
  assert.equal(validateLabelValue(""), undefined);
  assert.equal(validateLabelValue("v1.2_3-a"), undefined);
  assert.match(validateLabelValue("x".repeat(64))!, /must be no more than 63 characters/);
  assert.match(validateLabelValue("-x")!, /a valid label must be an empty string or consist of alphanumeric characters/);
});
