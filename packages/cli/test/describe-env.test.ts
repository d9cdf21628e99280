// A container's environment in `bosun describe`, as kubectl's describeContainerEnvFrom
// and describeContainerEnvVars print it: where each variable comes from, the pod's
// metadata fields with their values, resources as the container sets them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { describePod } from "../src/printers/describe.js";
import { pod } from "../src/testing/workloads.js";

const now = Date.parse("2024-05-01T12:00:00Z");

test("envFrom sources and each variable's value or source read as kubectl prints them", () => {
  const p = pod("web", { labels: { app: "shop" } });
  const c = p.spec.containers[0]!;
  c.resources = { limits: { memory: "64Mi" } };
  c.envFrom = [{ prefix: "CFG_", configMapRef: { name: "app-config" } }, { secretRef: { name: "db", optional: true } }];
  c.env = [
    { name: "PLAIN", value: "x" },
    { name: "MULTI", value: "first\nsecond" },
    { name: "GREETING", valueFrom: { configMapKeyRef: { name: "app-config", key: "greeting" } } },
    { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password", optional: true } } },
    { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
    { name: "APP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels['app']" } } },
    { name: "NODE", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } },
    { name: "MEM_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
    { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
  ];
  const text = describePod(p, [], now);
  const lines = [
    /\n {4}Environment Variables from:\n/,
    /\n {6}app-config +ConfigMap with prefix 'CFG_' +Optional: false\n/,
    /\n {6}db +Secret +Optional: true\n/,
    /\n {4}Environment:\n/,
    /\n {6}PLAIN: +x\n/,
    /\n {6}MULTI: +first\n {6} +second\n/,
    /\n {6}GREETING: +<set to the key 'greeting' of config map 'app-config'> +Optional: false\n/,
    /\n {6}PASSWORD: +<set to the key 'password' in secret 'db'> +Optional: true\n/,
    /\n {6}POD_NAME: +web \(v1:metadata\.name\)\n/,
    /\n {6}APP: +shop \(v1:metadata\.labels\['app'\]\)\n/,
    // Only the node knows these: kubectl leaves the value out too.
    /\n {6}NODE: + \(v1:spec\.nodeName\)\n/,
    /\n {6}MEM_MI: +64 \(limits\.memory\)\n/,
    /\n {6}CPU: +node allocatable \(limits\.cpu\)\n/,
  ];
  for (const re of lines) assert.match(text, re);
  assert.ok(text.indexOf("Environment Variables from:") < text.indexOf("Environment:"), "envFrom is listed first, as kubectl does");
});

test("a container without envFrom shows no envFrom section", () => {
  const text = describePod(pod("bare"), [], now);
  assert.doesNotMatch(text, /Environment Variables from/);
  assert.match(text, /\n {4}Environment: +<none>\n/);
});
