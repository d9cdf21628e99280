// The real kubectl 1.27 and 1.33 against a Bosun cluster with ConfigMaps, Secrets
// and volumes (issue 10, E2E 7 and 8): `create configmap --from-file` (a directory
// and a file), `create secret generic` and `tls`, then `get` and `describe` of each
// as kubectl prints them, and `bosun create --append-hash` naming objects as
// kubectl's does; a pod whose projected volume (configMap, secret and
// downwardAPI sources) is read back with `kubectl exec`. Then bad input through
// `kubectl create|apply`: a ConfigMap over 1 MiB, a bad key, two volumes of one
// name, a mount of an undefined volume and a claim with a bad access mode or size
// are refused with the field and the problem named, and nothing is stored; a claim
// naming a class that does not exist is accepted and stays Pending with Kubernetes'
// ProvisioningFailed event.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe } from "node:test";
import { createCertificateAuthority, signCertificate, type KeyPair } from "@bosun/pki";
import { BUSYBOX_IMAGE, e2eTest, expectSuccess, parseTable, useCluster, waitForRunning, type ExecResult } from "../src/index.js";
import { KUBECTL_VERSIONS, useKubectls, type Kubectl } from "../src/kubectl.js";

/** A ConfigMap file's content that is not UTF-8, so kubectl puts it in binaryData. */
const logo = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe]);

/** The files `--from-file` reads: a directory of two text files and one binary one, and a file given a key. */
function writeSources(k: Kubectl): { dir: string; file: string } {
  const dir = join(k.home, "conf");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "app.properties"), "color=blue\nsize=10\n");
  writeFileSync(join(dir, "level"), "debug\n");
  writeFileSync(join(dir, "logo.png"), logo);
  const file = join(k.home, "motd.txt");
  writeFileSync(file, `hello from kubectl ${k.version}\n`);
  return { dir, file };
}

/** A certificate and its key, as a user would make them for `create secret tls`. */
async function siteCertificate(): Promise<KeyPair> {
  const ca = await createCertificateAuthority("e2e-configuration-ca");
  return signCertificate(ca, { commonName: "site.example", sans: ["site.example"], usages: ["server"], validityMs: 3_600_000 });
}

/** The one row of a `kubectl get` table, checking the header is kubectl's. */
function onlyRow(text: string, header: readonly string[], what: string): Record<string, string> {
  assert.deepEqual((text.split("\n")[0] ?? "").trim().split(/\s{2,}/), header, `${what}: the header row is not kubectl's\n${text}`);
  const rows = parseTable(text);
  assert.equal(rows.length, 1, `${what}: one row expected\n${text}`);
  return rows[0]!;
}

/** Fails unless kubectl refused (non-zero exit) and said each pattern. */
function assertRefused(r: ExecResult, patterns: readonly RegExp[], what: string): void {
  assert.notEqual(r.code, 0, `${what} was accepted:\n${r.stdout}${r.stderr}`);
  for (const p of patterns) assert.match(r.stderr, p, `${what}: kubectl's error`);
}

/** Fails unless the object is absent: `kubectl get` answers NotFound. */
async function assertNotStored(k: Kubectl, resource: string, name: string): Promise<void> {
  const r = await k.run(["get", resource, name]);
  assert.equal(r.code, 1, `${resource} ${name} should not exist:\n${r.stdout}${r.stderr}`);
  assert.match(r.stderr, new RegExp(`Error from server \\(NotFound\\): ${resource} "${name}" not found`));
}

/** A pod of one idle busybox container with a projected volume of every source kind, mounted read-only. */
function projectedPod(name: string, configMap: string, secret: string, tls: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "projected" }, annotations: { team: "storage" } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "c",
          image: BUSYBOX_IMAGE,
          imagePullPolicy: "Never",
          command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"],
          resources: { limits: { memory: "64Mi" } },
          volumeMounts: [{ name: "all", mountPath: "/etc/all", readOnly: true }],
        },
      ],
      volumes: [
        {
          name: "all",
          projected: {
            defaultMode: 0o440,
            sources: [
              { configMap: { name: configMap, items: [{ key: "app.properties", path: "config/app.properties" }] } },
              { secret: { name: secret, items: [{ key: "password", path: "secret/password", mode: 0o400 }] } },
              { secret: { name: tls } },
              {
                downwardAPI: {
                  items: [
                    { path: "meta/name", fieldRef: { fieldPath: "metadata.name" } },
                    { path: "meta/labels", fieldRef: { fieldPath: "metadata.labels" } },
                    { path: "meta/annotations", fieldRef: { fieldPath: "metadata.annotations['team']" } },
                    { path: "meta/memory", resourceFieldRef: { containerName: "c", resource: "limits.memory", divisor: "1Mi" } },
                  ],
                },
              },
            ],
          },
        },
      ],
    },
  });
}

/** Each file's content, read inside the container in one exec: "== path" lines, then the bytes. */
async function readInside(k: Kubectl, pod: string, dir: string, files: readonly string[]): Promise<Map<string, string>> {
  const script = `cd ${dir} && for f in ${files.join(" ")}; do echo "== $f $(stat -L -c %a $f)"; cat $f; echo; done`;
  const out = await k.ok(["exec", pod, "--", "sh", "-c", script]);
  const read = new Map<string, string>();
  for (const part of out.split(/^== /m).slice(1)) {
    const nl = part.indexOf("\n");
    // The content ends with the newline echo adds after cat.
    read.set(part.slice(0, nl), part.slice(nl + 1, -1));
  }
  return read;
}

function pvcYaml(name: string, spec: string): string {
  return `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}

describe("kubectl 1.27 and 1.33: ConfigMaps, Secrets, a projected volume, and bad input", () => {
  const c = useCluster({ agents: [{ name: "a" }] });
  const kubectl = useKubectls(c);
  // One certificate for both versions' TLS Secrets, made when first needed.
  let certificate: Promise<KeyPair> | undefined;
  const siteCertificateOnce = () => (certificate ??= siteCertificate());

  for (const v of KUBECTL_VERSIONS) {
    e2eTest(`kubectl ${v}: create configmap --from-file, create secret generic and tls; get and describe each`, c, async (cl) => {
      const k = await kubectl(v);
      const s = k.suffix;
      const { dir, file } = writeSources(k);

      assert.equal(await k.ok(["create", "configmap", `app-${s}`, `--from-file=${dir}`, `--from-file=motd=${file}`]), `configmap/app-${s} created\n`);
      const stored = JSON.parse(await k.ok(["get", "configmap", `app-${s}`, "-o", "json"])) as { data?: Record<string, string>; binaryData?: Record<string, string> };
      assert.deepEqual(stored.data, { "app.properties": "color=blue\nsize=10\n", level: "debug\n", motd: `hello from kubectl ${v}\n` });
      assert.deepEqual(stored.binaryData, { "logo.png": logo.toString("base64") });
      const cmRow = onlyRow(await k.ok(["get", "configmap", `app-${s}`]), ["NAME", "DATA", "AGE"], "get configmap");
      assert.equal(cmRow.DATA, "4", "DATA counts data and binaryData keys");
      const cmText = await k.ok(["describe", "configmap", `app-${s}`]);
      assert.match(cmText, new RegExp(`^Name: +app-${s}$`, "m"));
      assert.match(cmText, /^Data\n====\n/m);
      assert.match(cmText, /^app\.properties:\n----\ncolor=blue\nsize=10\n/m);
      assert.match(cmText, /^level:\n----\ndebug\n/m);
      assert.match(cmText, /^BinaryData\n====\nlogo\.png: 6 bytes$/m);

      assert.equal(await k.ok(["create", "secret", "generic", `db-${s}`, "--from-literal=username=admin", "--from-literal=password=s3cr3t=with=equals"]), `secret/db-${s} created\n`);
      const password = await k.ok(["get", "secret", `db-${s}`, "-o", "jsonpath={.data.password}"]);
      assert.equal(Buffer.from(password, "base64").toString(), "s3cr3t=with=equals");
      const dbRow = onlyRow(await k.ok(["get", "secret", `db-${s}`]), ["NAME", "TYPE", "DATA", "AGE"], "get secret");
      assert.deepEqual([dbRow.TYPE, dbRow.DATA], ["Opaque", "2"]);
      const dbText = await k.ok(["describe", "secret", `db-${s}`]);
      assert.match(dbText, /^Type: +Opaque$/m);
      assert.match(dbText, /^username: +5 bytes$/m);
      assert.match(dbText, /^password: +18 bytes$/m);
      assert.ok(!dbText.includes("s3cr3t"), `describe never prints a Secret's values:\n${dbText}`);

      const site = await siteCertificateOnce();
      const cert = k.manifestFile("tls.crt", site.cert);
      const key = k.manifestFile("tls.key", site.key);
      assert.equal(await k.ok(["create", "secret", "tls", `site-${s}`, `--cert=${cert}`, `--key=${key}`]), `secret/site-${s} created\n`);
      const tlsRow = onlyRow(await k.ok(["get", "secret", `site-${s}`]), ["NAME", "TYPE", "DATA", "AGE"], "get secret tls");
      assert.deepEqual([tlsRow.TYPE, tlsRow.DATA], ["kubernetes.io/tls", "2"]);
      const tlsText = await k.ok(["describe", "secret", `site-${s}`]);
      assert.match(tlsText, /^Type: +kubernetes\.io\/tls$/m);
      assert.match(tlsText, new RegExp(`^tls\\.crt: +${Buffer.byteLength(site.cert)} bytes$`, "m"));
      assert.match(tlsText, new RegExp(`^tls\\.key: +${Buffer.byteLength(site.key)} bytes$`, "m"));
      const storedCert = await k.ok(["get", "secret", `site-${s}`, "-o", "jsonpath={.data.tls\\.crt}"]);
      assert.equal(Buffer.from(storedCert, "base64").toString(), site.cert);

      // bosun create --append-hash names the object as kubectl does, from the same sources.
      const hashed = async (args: readonly string[]): Promise<[theirs: string, ours: string]> => {
        const flags = [...args, "--append-hash", "--dry-run=client", "-o", "name"];
        return [await k.ok(flags), expectSuccess(`bosun ${flags.join(" ")}`, await cl.bosun(flags)).stdout];
      };
      for (const args of [
        ["create", "configmap", "hashed", `--from-file=${dir}`, `--from-file=motd=${file}`],
        ["create", "secret", "generic", "hashed", "--from-literal=username=admin", "--from-literal=password=<&>"],
        ["create", "secret", "tls", "hashed", `--cert=${cert}`, `--key=${key}`],
      ]) {
        const [theirs, ours] = await hashed(args);
        assert.match(theirs, /^(configmap|secret)\/hashed-[a-z0-9]{10}\n$/);
        assert.equal(ours, theirs, `bosun ${args.join(" ")} --append-hash`);
      }
    });

    // Reads the ConfigMap and Secrets the test before made with this kubectl.
    e2eTest(`kubectl ${v}: a projected volume of a ConfigMap, Secrets and the downward API, read back with kubectl exec`, c, async (cl) => {
      const k = await kubectl(v);
      const site = await siteCertificateOnce();
      const s = k.suffix;
      const pod = `projected-${s}`;
      const manifest = k.manifestFile("projected.json", projectedPod(pod, `app-${s}`, `db-${s}`, `site-${s}`));
      assert.equal(await k.ok(["apply", "-f", manifest]), `pod/${pod} created\n`);
      await waitForRunning(cl, pod);

      const files = ["config/app.properties", "secret/password", "tls.crt", "tls.key", "meta/name", "meta/labels", "meta/annotations", "meta/memory"];
      const read = await readInside(k, pod, "/etc/all", files);
      const expected: Record<string, string> = {
        // Each file's mode: the item's own, else the volume's defaultMode.
        "config/app.properties 440": "color=blue\nsize=10\n",
        "secret/password 400": "s3cr3t=with=equals",
        "tls.crt 440": site.cert,
        "tls.key 440": site.key,
        "meta/name 440": pod,
        "meta/labels 440": 'app="projected"',
        "meta/annotations 440": "storage",
        "meta/memory 440": "64",
      };
      assert.deepEqual(Object.fromEntries(read), expected);

      const described = await k.ok(["describe", "pod", pod]);
      assert.match(described, /^ {6}\/etc\/all from all \(ro\)$/m);
      const volumes = described.slice(described.indexOf("\nVolumes:"));
      assert.match(volumes, /^ {4}Type: +Projected \(a volume that contains injected data from multiple sources\)$/m);
      assert.match(volumes, new RegExp(`^ {4}ConfigMapName: +app-${s}$`, "m"));
      assert.match(volumes, new RegExp(`^ {4}SecretName: +db-${s}$`, "m"));
      assert.match(volumes, new RegExp(`^ {4}SecretName: +site-${s}$`, "m"));
      assert.match(volumes, /^ {4}DownwardAPI: +true$/m);
    });

    e2eTest(`kubectl ${v}: bad ConfigMaps, pods and claims refused with the field and the problem, nothing stored`, c, async (cl) => {
      const k = await kubectl(v);
      const s = k.suffix;

      // 1 MiB is the limit of the values together (keys not counted); this one is a byte over.
      const big = k.manifestFile("big.txt", "x".repeat(1024 * 1024 + 1));
      assertRefused(await k.run(["create", "configmap", `big-${s}`, `--from-file=${big}`]), [new RegExp(`ConfigMap "big-${s}" is invalid: \\[\\]: Too long: must have at most 1048576 bytes`)], "a ConfigMap over 1 MiB");
      await assertNotStored(k, "configmaps", `big-${s}`);

      const badKey = k.manifestFile("bad-key.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad-key-${s}\ndata:\n  a/b: "1"\n`);
      assertRefused(
        await k.run(["apply", "-f", badKey]),
        [new RegExp(`ConfigMap "bad-key-${s}" is invalid: data\\[a/b\\]: Invalid value: "a/b": a valid config key must consist of alphanumeric characters, '-', '_' or '\\.'`)],
        "a ConfigMap key with a slash",
      );
      await assertNotStored(k, "configmaps", `bad-key-${s}`);

      const container = { name: "c", image: BUSYBOX_IMAGE, imagePullPolicy: "Never", command: ["sleep", "3600"] };
      const twoVolumes = k.manifestFile(
        "two-volumes.json",
        JSON.stringify({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: `two-volumes-${s}` },
          spec: { containers: [{ ...container, volumeMounts: [{ name: "data", mountPath: "/data" }] }], volumes: [{ name: "data", emptyDir: {} }, { name: "data", emptyDir: {} }] },
        }),
      );
      assertRefused(await k.run(["apply", "-f", twoVolumes]), [new RegExp(`Pod "two-volumes-${s}" is invalid: spec\\.volumes\\[1\\]\\.name: Duplicate value: "data"`)], "two volumes of one name");
      await assertNotStored(k, "pods", `two-volumes-${s}`);

      const undefinedMount = k.manifestFile(
        "undefined-mount.json",
        JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: `undefined-mount-${s}` }, spec: { containers: [{ ...container, volumeMounts: [{ name: "missing", mountPath: "/data" }] }] } }),
      );
      assertRefused(
        await k.run(["create", "-f", undefinedMount]),
        [new RegExp(`Pod "undefined-mount-${s}" is invalid: spec\\.containers\\[0\\]\\.volumeMounts\\[0\\]\\.name: Not found: "missing"`)],
        "a mount of an undefined volume",
      );
      await assertNotStored(k, "pods", `undefined-mount-${s}`);

      // Kubernetes says spec.accessModes without the index; Bosun's schema check names the item.
      const badMode = k.manifestFile("bad-mode.yaml", pvcYaml(`bad-mode-${s}`, "  accessModes: [ReadWriteSometimes]\n  resources: {requests: {storage: 1Gi}}\n"));
      assertRefused(
        await k.run(["apply", "-f", badMode]),
        [new RegExp(`PersistentVolumeClaim "bad-mode-${s}" is invalid: spec\\.accessModes(\\[0\\])?: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"`)],
        "a claim with an unknown access mode",
      );
      await assertNotStored(k, "persistentvolumeclaims", `bad-mode-${s}`);

      const badSize = k.manifestFile("bad-size.yaml", pvcYaml(`bad-size-${s}`, '  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: "10 gigs"}}\n'));
      assertRefused(
        await k.run(["create", "-f", badSize]),
        [/spec\.resources\[storage\]: Invalid value: "10 gigs": quantities must match the regular expression '\^\(\[\+-\]\?\[0-9\.\]\+\)\(\[eEinumkKMGTP\]\*\[-\+\]\?\[0-9\]\*\)\$'/],
        "a claim whose size is not a quantity",
      );
      await assertNotStored(k, "persistentvolumeclaims", `bad-size-${s}`);

      // A class that does not exist is no reason to refuse the claim: it waits, and says why.
      const claim = `no-class-${s}`;
      const noClass = k.manifestFile("no-class.yaml", pvcYaml(claim, "  storageClassName: no-such-class\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"));
      assert.equal(await k.ok(["apply", "-f", noClass]), `persistentvolumeclaim/${claim} created\n`);
      const described = await cl.waitFor(
        async (note) => {
          const text = await k.ok(["describe", "pvc", claim]);
          note(text);
          return /ProvisioningFailed/.test(text) ? text : undefined;
        },
        { timeoutMs: 30_000, what: `claim ${claim} to record ProvisioningFailed`, intervalMs: 500 },
      );
      assert.match(described, /^Status: +Pending$/m);
      assert.match(described, /^StorageClass: +no-such-class$/m);
      assert.match(described, /Warning +ProvisioningFailed +.*storageclass\.storage\.k8s\.io "no-such-class" not found/);
      // The empty VOLUME, CAPACITY and ACCESS MODES cells of a Pending claim leave only these to read.
      assert.match(await k.ok(["get", "pvc", claim, "--no-headers"]), new RegExp(`^${claim} +Pending +no-such-class +`));
    });
  }
});
