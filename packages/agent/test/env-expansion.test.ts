// $(VAR) expansion as Kubernetes' forked golang/expansion does it, case by case.
import { test } from "node:test";
import assert from "node:assert/strict";
import { expand, lookupIn } from "../src/pod/env/expansion.js";

const vars = lookupIn(new Map([["VAR_A", "A"], ["VAR_B", "B"], ["VAR_EMPTY", ""], ["VAR_REF", "$(VAR_A)"]]));

test("references to known variables become their values", () => {
  assert.equal(expand("$(VAR_A)", vars), "A");
  assert.equal(expand("___$(VAR_B)___", vars), "___B___");
  assert.equal(expand("$(VAR_A)-$(VAR_A)", vars), "A-A");
  assert.equal(expand("$(VAR_A)$(VAR_B)", vars), "AB");
  assert.equal(expand("$(VAR_EMPTY)", vars), "");
  assert.equal(expand("no references", vars), "no references");
  assert.equal(expand("", vars), "");
});

test("unknown references stay as written, and a value is expanded only once", () => {
  assert.equal(expand("$(VAR_DNE)", vars), "$(VAR_DNE)");
  assert.equal(expand("x$(VAR_DNE)y$(VAR_A)", vars), "x$(VAR_DNE)yA");
  assert.equal(expand("$()", vars), "$()");
  assert.equal(expand("$(VAR_REF)", vars), "$(VAR_A)");
});

test("$$ escapes a $, so $$(VAR) is a literal reference", () => {
  assert.equal(expand("$$(VAR_B)_$(VAR_A)", vars), "$(VAR_B)_A");
  assert.equal(expand("f000-$$VAR_A", vars), "f000-$VAR_A");
  assert.equal(expand("$$$$$$(BIG_MONEY)", vars), "$$$(BIG_MONEY)");
  assert.equal(expand("$$", vars), "$");
  assert.equal(expand("$$$", vars), "$$");
});

test("a $ that starts no reference is kept, and so is an unclosed reference", () => {
  assert.equal(expand("$VAR_A", vars), "$VAR_A");
  assert.equal(expand("foo\\$(VAR_A)bar", vars), "foo\\Abar");
  assert.equal(expand("$(VAR_A)$", vars), "A$");
  assert.equal(expand("$", vars), "$");
  assert.equal(expand("$(VAR_A", vars), "$(VAR_A");
  assert.equal(expand("$(", vars), "$(");
  assert.equal(expand("$($(VAR_A)", vars), "$($(VAR_A)");
  assert.equal(expand("price: 5$ or €", vars), "price: 5$ or €");
});

test("lookups try each map in turn", () => {
  const both = lookupIn(new Map([["X", "first"]]), new Map([["X", "second"], ["Y", "y"]]));
  assert.equal(expand("$(X)/$(Y)", both), "first/y");
});
