// The ConfigMaps and Secrets `bosun create` makes, as kubectl's generators make them:
// a ConfigMap's UTF-8 values in data and other bytes in binaryData; a generic
// Secret's values base64 in data; a TLS Secret from a certificate and key that belong
// together; a docker-registry Secret whose .dockerconfigjson holds the credentials.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ConfigMap, Secret } from "@bosun/api";
import { CliError } from "../context.js";
import { addEnvFiles, addFiles, addLiterals, KeyedData } from "./sources.js";

export interface DataSources {
  fromLiteral: readonly string[];
  fromFile: readonly string[];
  fromEnvFile: readonly string[];
}

function gather(kind: string, name: string, sources: DataSources): KeyedData {
  if (sources.fromEnvFile.length > 0 && (sources.fromFile.length > 0 || sources.fromLiteral.length > 0)) {
    throw new CliError("from-env-file cannot be combined with from-file or from-literal");
  }
  const data = new KeyedData(kind, name);
  addFiles(data, sources.fromFile);
  addLiterals(data, sources.fromLiteral);
  addEnvFiles(data, sources.fromEnvFile);
  return data;
}

export function configMapFrom(name: string, namespace: string, sources: DataSources): ConfigMap {
  const data = gather("ConfigMap", name, sources);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace },
    ...(data.text.size > 0 ? { data: Object.fromEntries(data.text) } : {}),
    ...(data.bytes.size > 0 ? { binaryData: Object.fromEntries([...data.bytes].map(([k, v]) => [k, v.toString("base64")])) } : {}),
  };
}

export function genericSecretFrom(name: string, namespace: string, sources: DataSources, type?: string): Secret {
  const data = gather("Secret", name, sources).base64();
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, ...(type ? { type } : {}), ...(Object.keys(data).length > 0 ? { data } : {}) };
}

function readPem(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new CliError(`${flag} ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (err as Error).message}`);
  }
}

export function tlsSecretFrom(name: string, namespace: string, certPath: string | undefined, keyPath: string | undefined): Secret {
  if (!certPath || !keyPath) throw new CliError("key and cert must be specified: give --cert and --key");
  const cert = readPem(certPath, "--cert");
  const key = readPem(keyPath, "--key");
  try {
    if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) throw new Error("private key does not match public key");
  } catch (err) {
    throw new CliError(`failed to load key pair tls: ${(err as Error).message}`);
  }
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace },
    type: "kubernetes.io/tls",
    data: { "tls.crt": Buffer.from(cert).toString("base64"), "tls.key": Buffer.from(key).toString("base64") },
  };
}

export interface DockerRegistryFlags {
  server: string;
  username?: string;
  password?: string;
  email?: string;
  fromFile: readonly string[];
}

export function dockerRegistrySecretFrom(name: string, namespace: string, flags: DockerRegistryFlags): Secret {
  if (flags.fromFile.length > 0) {
    const secret = genericSecretFrom(name, namespace, { fromFile: flags.fromFile, fromLiteral: [], fromEnvFile: [] }, "kubernetes.io/dockerconfigjson");
    if (!secret.data?.[".dockerconfigjson"]) throw new CliError("--from-file must name the .dockerconfigjson key, e.g. --from-file=.dockerconfigjson=$HOME/.docker/config.json");
    return secret;
  }
  if (!flags.username || !flags.password) {
    throw new CliError("either --from-file or the combination of --docker-username, --docker-password and --docker-server is required");
  }
  const auth = Buffer.from(`${flags.username}:${flags.password}`).toString("base64");
  const config = { auths: { [flags.server]: { username: flags.username, password: flags.password, ...(flags.email ? { email: flags.email } : {}), auth } } };
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace },
    type: "kubernetes.io/dockerconfigjson",
    data: { ".dockerconfigjson": Buffer.from(JSON.stringify(config)).toString("base64") },
  };
}
