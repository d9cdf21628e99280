// ConfigMaps in the CLI: `bosun get configmaps|cm` with kubectl's columns, and
// `bosun describe configmap` with kubectl's layout: every data value under its
// key, binaryData as sizes. Through the binary against a fake API server, as
// users run it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { ConfigMap } from "@bosun/api";
import { describeConfigMap } from "../src/printers/describe-configmaps.js";
import { printTable } from "../src/printers/tables.js";
import { startCliAgainstFakeApi, type CliAgainstFakeApi } from "../src/testing/run-cli.js";

const now = Date.parse("2024-05-01T12:00:00Z");

const game: ConfigMap = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "game", namespace: "default", creationTimestamp: "2024-05-01T11:00:00Z", labels: { app: "arcade" } },
  data: { mode: "arcade", "game.properties": "lives=3\nlevel=hard\n" },
  binaryData: { "icon.png": Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString("base64") },
};
const empty: ConfigMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "empty", namespace: "kube-system", creationTimestamp: "2024-05-01T11:30:00Z" } };

let cli: CliAgainstFakeApi;

before(async () => {
  cli = await startCliAgainstFakeApi();
  cli.api.put("configmaps", game);
  cli.api.put("configmaps", empty);
});
after(() => cli.close());

test("the configmaps table: NAME, DATA (keys of data and binaryData) and AGE, as kubectl prints it", () => {
  assert.equal(printTable("ConfigMap", [game, empty], { now }), ["NAME    DATA   AGE", "game    3      60m", "empty   0      30m", ""].join("\n"));
});

test("describe: metadata, each data key sorted with its value under a rule, binaryData sizes, events", () => {
  assert.equal(
    describeConfigMap(game, [], now),
    [
      "Name:         game",
      "Namespace:    default",
      "Labels:       app=arcade",
      "Annotations:  <none>",
      "",
      "Data",
      "====",
      "game.properties:",
      "----",
      "lives=3",
      "level=hard",
      "",
      "",
      "mode:",
      "----",
      "arcade",
      "",
      "",
      "BinaryData",
      "====",
      "icon.png: 4 bytes",
      "",
      "Events:  <none>",
      "",
    ].join("\n"),
  );
});

test("bosun get cm, get configmap NAME, -A, describe cm: through the binary", async () => {
  const list = await cli.run(["get", "cm"]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^NAME +DATA +AGE\ngame +3 +\S+\n$/);
  const all = await cli.run(["get", "configmaps", "-A"]);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(
    all.stdout.trimEnd().split("\n").map((line) => line.split(/ +/).slice(0, 3)),
    [["NAMESPACE", "NAME", "DATA"], ["default", "game", "3"], ["kube-system", "empty", "0"]],
  );
  const described = await cli.run(["describe", "configmap", "game"]);
  assert.equal(described.code, 0, described.stderr);
  assert.match(described.stdout, /^Name: +game\nNamespace: +default\n/);
  assert.match(described.stdout, /\nmode:\n----\narcade\n\n\nBinaryData\n====\nicon\.png: 4 bytes\n\nEvents: +<none>\n$/);
});
