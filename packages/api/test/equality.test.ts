import { test } from "node:test";
import assert from "node:assert/strict";
import { scaledValue, semanticEqual } from "../src/index.js";

test("semantic equality: key order, absent, null, empty maps and lists are all the same; values are not", () => {
  assert.ok(semanticEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }));
  assert.ok(semanticEqual({ labels: {}, env: [] }, {}));
  assert.ok(semanticEqual({ metadata: { labels: {} } }, { metadata: undefined }));
  assert.ok(semanticEqual({ a: null }, {}));
  assert.ok(!semanticEqual({ a: 0 }, {}), "a zero is a value");
  assert.ok(!semanticEqual({ a: [1, 2] }, { a: [2, 1] }), "list order matters");
  assert.ok(!semanticEqual({ a: "1" }, { a: 1 }));
  assert.ok(!semanticEqual({ a: [1] }, { a: { 0: 1 } }), "a list is not a map");
});

test("int-or-percent values scale with the total, rounding up or down as asked", () => {
  assert.equal(scaledValue(3, 10, true, "f"), 3);
  assert.equal(scaledValue("25%", 10, true, "f"), 3);
  assert.equal(scaledValue("25%", 10, false, "f"), 2);
  assert.equal(scaledValue("30%", 4, true, "f"), 2);
  assert.equal(scaledValue("100%", 7, false, "f"), 7);
  assert.equal(scaledValue("0%", 7, true, "f"), 0);
  assert.throws(() => scaledValue("3", 10, true, "spec.x"), /spec\.x is "3": use a whole number or a percentage/);
});
