// bosun pki: a cluster CA made before any master starts, and certificates it
// signs for what is not Bosun (etcd members, their peers and clients), as the
// lab and docs/hosts.md use them. Masters make their own certificates from the
// CA at start.
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { ensureCa, ensureServiceAccountKey, leafValidityMs, readPair, serviceAccountKeyPaths, signCertificate, writePair, type Usage } from "@bosun/pki";
import { CliError } from "../context.js";
import { collect, duration } from "./options.js";

export function registerPki(program: Command): void {
  const pki = program.command("pki").description("the cluster CA and certificates for etcd (for installs with TLS etcd)");
  pki
    .command("init")
    .description("make a cluster CA (ca.crt, ca.key) and a service-account signing key (sa.key, sa.pub) in --dir, or keep those there")
    .requiredOption("--dir <dir>", "the PKI directory; copy ca.crt, ca.key, sa.key and sa.pub from it into each master's <data-dir>/pki")
    .action(async (opts: { dir: string }) => {
      const had = existsSync(`${opts.dir}/ca.crt`);
      await ensureCa(opts.dir);
      process.stdout.write(`${had ? "kept the CA in" : "made a CA in"} ${opts.dir} (ca.crt, ca.key)\n`);
      // Every master must check the tokens any master signed: one key for all, like the CA.
      const hadKey = existsSync(serviceAccountKeyPaths(opts.dir).key);
      ensureServiceAccountKey(opts.dir);
      process.stdout.write(`${hadKey ? "kept the service-account signing key in" : "made a service-account signing key in"} ${opts.dir} (sa.key, sa.pub)\n`);
    });
  pki
    .command("issue")
    .description("sign a certificate with the CA in --dir: <dir>/<name>.crt and <name>.key")
    .requiredOption("--dir <dir>", "the PKI directory made by 'bosun pki init'")
    .requiredOption("--name <name>", "file name of the certificate and key, e.g. etcd-1")
    .requiredOption("--cn <commonName>", "the certificate's common name (the user, for a client certificate)")
    .option("--org <organization>", "an organization (a group, for a client certificate); repeatable", collect)
    .option("--san <names>", "comma-separated host names and IP addresses it serves", "")
    .requiredOption("--usage <usages>", "what it is for: server, client, or server,client")
    .option("--validity <duration>", "how long it lasts", duration, leafValidityMs)
    .action(async (opts: { dir: string; name: string; cn: string; org?: string[]; san: string; usage: string; validity: number }) => {
      const ca = readPair(opts.dir, "ca");
      if (!ca) throw new CliError(`no CA in ${opts.dir}: run 'bosun pki init --dir ${opts.dir}' first`);
      if (!/^[A-Za-z0-9._-]+$/.test(opts.name)) throw new CliError(`--name "${opts.name}" must be a plain file name (letters, digits, '.', '_', '-')`);
      const usages = opts.usage.split(",").map((u) => u.trim()).filter((u) => u !== "");
      const unknown = usages.filter((u) => u !== "server" && u !== "client");
      if (usages.length === 0 || unknown.length > 0) throw new CliError(`--usage "${opts.usage}": say server, client, or server,client`);
      const sans = opts.san.split(",").map((s) => s.trim()).filter((s) => s !== "");
      if (usages.includes("server") && sans.length === 0) throw new CliError("a server certificate needs --san: the names and addresses it is reached at");
      const pair = await signCertificate(ca, { commonName: opts.cn, organizations: opts.org ?? [], sans, usages: usages as Usage[], validityMs: opts.validity });
      writePair(opts.dir, opts.name, pair);
      process.stdout.write(`wrote ${opts.dir}/${opts.name}.crt and ${opts.name}.key\n`);
    });
}
