import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "@bosun/client";
import { CliError, formatError, parseNamedTargets, parseTargets } from "../src/context.js";
import { BosunCommand, duration, formatDuration } from "../src/commands/options.js";
import { gracePeriodOf } from "../src/commands/delete.js";
import { podNameOf } from "../src/commands/logs.js";

test("targets are parsed from 'kind name...' and 'kind/name...'", () => {
  const plain = parseTargets(["po", "a", "b"]);
  assert.deepEqual(plain.kinds.map((k) => k.resource), ["pods"]);
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

test("names after several kinds are looked up in each; scale and rollout take one kind", () => {
  const both = parseTargets(["deploy,sts", "web"]);
  assert.deepEqual(both.targets.map((t) => `${t.res.kind}/${t.name}`), ["Deployment/web", "StatefulSet/web"]);
  assert.throws(() => parseTargets(["deploy", "rs/web"]), /resource\/name form/);
  assert.deepEqual(parseNamedTargets(["deploy/a", "sts/b"], "x").map((t) => t.res.kind), ["Deployment", "StatefulSet"]);
  assert.throws(() => parseNamedTargets(["deploy,sts", "web"], "x"), /one resource type at a time/);
  assert.throws(() => parseNamedTargets(["deploy"], "bosun scale deploy/web"), /you must specify the name of the object, e.g. 'bosun scale deploy\/web'/);
});

test("--timeout takes Go durations or seconds; messages print durations as Go does", () => {
  assert.equal(duration("30s"), 30_000);
  assert.equal(duration("1h30m"), 5_400_000);
  assert.equal(duration("1.5s"), 1500);
  assert.equal(duration("250ms"), 250);
  assert.equal(duration("45"), 45_000);
  assert.equal(duration("0"), 0);
  assert.throws(() => duration("5 minutes"), /is not a duration/);
  assert.throws(() => duration("-1s"), /is not a duration/);
  assert.deepEqual([formatDuration(60_000), formatDuration(5000), formatDuration(200), formatDuration(3_723_000), formatDuration(1500)], ["1m0s", "5s", "200ms", "1h2m3s", "1.5s"]);
});

test("boolean flags take kubectl's =true|=false and never the next argument", () => {
  const parse = (args: string[]) => {
    const seen: { opts: Record<string, unknown>; args: string[] }[] = [];
    const program = new BosunCommand("bosun").exitOverride();
    program
      .command("status")
      .argument("<resource...>")
      .option("-w, --watch", "", true)
      .option("--no-watch", "")
      .option("--force", "", false)
      .option("--grace-period <n>", "")
      .action((resource: string[], opts: Record<string, unknown>) => void seen.push({ opts, args: resource }));
    program.parse(["status", ...args], { from: "user" });
    return seen[0]!;
  };
  assert.deepEqual(parse(["-w", "deploy/web"]), { opts: { watch: true, force: false }, args: ["deploy/web"] });
  assert.deepEqual(parse(["--watch", "deploy/web"]).args, ["deploy/web"]);
  assert.equal(parse(["deploy/web", "--watch=false"]).opts.watch, false);
  assert.equal(parse(["-w=false", "deploy/web"]).opts.watch, false);
  assert.equal(parse(["--no-watch", "deploy/web"]).opts.watch, false);
  assert.equal(parse(["--watch=true", "deploy/web"]).opts.watch, true);
  assert.equal(parse(["--force=true", "x"]).opts.force, true);
  assert.equal(parse(["--force=false", "x"]).opts.force, false, "a flag without a --no- form keeps its default");
  assert.equal(parse(["--grace-period=false", "x"]).opts.gracePeriod, "false", "options with values are untouched");
  assert.deepEqual(parse(["x", "--", "--watch=false"]).args, ["x", "--watch=false"], "nothing after -- is a flag");
  assert.throws(() => parse(["--watch=maybe", "x"]), /option '-w, --watch' takes true or false, not "maybe"/);
});
