// Registry credentials from a pod's imagePullSecrets, after the kubelet's
// credentialprovider: kubernetes.io/dockerconfigjson Secrets (`.dockerconfigjson`,
// {"auths": {...}}) and kubernetes.io/dockercfg ones (`.dockercfg`, the map itself)
// name registries, optionally with a path and `*` in host labels; an image gets
// the credentials of every entry that matches its registry and repository, the
// most specific first, and Docker Hub images those of index.docker.io. Pure: the
// Secrets are read by the caller.
import type { Secret } from "@bosun/api";
import type { RegistryAuth } from "../runtime/runtime.js";

const dockerConfigJsonType = "kubernetes.io/dockerconfigjson";
const dockercfgType = "kubernetes.io/dockercfg";
const defaultRegistryHost = "index.docker.io";

interface ConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
}

/** A registry location of a credentials file: host[:port] and a path ("" for the whole registry). */
interface Location {
  host: string;
  path: string;
}

/** Where a credentials key points, as the kubelet keys it: scheme dropped, /v1/ and /v2/ meaning the whole registry. */
function parseKey(key: string): Location {
  const url = new URL(/^https?:\/\//.test(key) ? key : `https://${key}`);
  let path = url.pathname;
  if (path.startsWith("/v2/") || path.startsWith("/v1/")) path = path.slice(3);
  return { host: url.host, path: path === "/" ? "" : path.replace(/\/$/, "") };
}

/** The repository an image pulls, without tag or digest: "registry:5000/team/app". */
function repository(image: string): string {
  const noDigest = image.split("@")[0] ?? image;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.indexOf(":", slash + 1);
  return colon === -1 ? noDigest : noDigest.slice(0, colon);
}

/** Docker Hub's images: a single name, or a first component that is no host (no dot, colon, not localhost). */
function isDockerHub(repo: string): boolean {
  const [first, rest] = [repo.split("/")[0] ?? "", repo.includes("/")];
  if (first === "") return false;
  if (!rest) return true;
  if (first === "docker.io" || first === defaultRegistryHost) return true;
  return !/[.:]/.test(first) && first !== "localhost";
}

function hostPattern(label: string): RegExp {
  return new RegExp(`^${label.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^.]*")}$`);
}

/** URLsMatch: same port, as many host labels each matching (with `*`), and the key's path a prefix of the image's. */
function matches(key: Location, repo: string): boolean {
  const slash = repo.indexOf("/");
  const target: Location = slash === -1 ? { host: repo, path: "" } : { host: repo.slice(0, slash), path: repo.slice(slash) };
  const [keyHost = "", keyPort = ""] = key.host.split(":");
  const [targetHost = "", targetPort = ""] = target.host.split(":");
  if (keyPort !== targetPort) return false;
  const keyLabels = keyHost.split(".");
  const targetLabels = targetHost.split(".");
  if (keyLabels.length !== targetLabels.length) return false;
  if (!target.path.startsWith(key.path)) return false;
  return keyLabels.every((label, i) => hostPattern(label).test(targetLabels[i] ?? ""));
}

function toAuth(host: string, entry: ConfigEntry): RegistryAuth {
  const auth: RegistryAuth = { serveraddress: host };
  let { username, password } = entry;
  if (entry.auth && username === undefined && password === undefined) {
    // "auth" is base64 of user:password; the kubelet splits it the same way.
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  }
  if (username !== undefined) auth.username = username;
  if (password !== undefined) auth.password = password;
  if (entry.email) auth.email = entry.email;
  return auth;
}

/** The registry entries of a pull Secret; other types of Secrets hold none, as for the kubelet. Throws when the JSON is not an object. */
export function secretRegistryEntries(secret: Secret): Map<string, ConfigEntry> {
  const [key, wrapped] = secret.type === dockerConfigJsonType ? [".dockerconfigjson", true] : secret.type === dockercfgType ? [".dockercfg", false] : [undefined, false];
  const raw = key === undefined ? undefined : secret.data?.[key];
  if (raw === undefined || raw === "") return new Map();
  const parsed = JSON.parse(Buffer.from(raw, "base64").toString("utf8")) as unknown;
  const entries = (wrapped ? (parsed as { auths?: unknown }).auths : parsed) ?? {};
  if (typeof entries !== "object" || Array.isArray(entries)) throw new Error(`secret ${secret.metadata.name ?? ""}: ${key} holds no map of registries`);
  return new Map(Object.entries(entries as Record<string, ConfigEntry>));
}

/** The credentials to try for `image`, in the kubelet's order: the most specific location first. */
export function credentialsFor(image: string, secrets: readonly Secret[]): RegistryAuth[] {
  const byKey = new Map<string, RegistryAuth[]>();
  for (const secret of secrets) {
    for (const [key, entry] of secretRegistryEntries(secret)) {
      let loc: Location;
      try {
        loc = parseKey(key);
      } catch {
        continue; // not a registry address: no image matches it
      }
      const normalized = `${loc.host}${loc.path}`;
      byKey.set(normalized, [...(byKey.get(normalized) ?? []), toAuth(loc.host, entry)]);
    }
  }
  const repo = repository(image);
  const keys = [...byKey.keys()].sort().reverse();
  const found = keys.filter((k) => matches(parseKey(k), repo)).flatMap((k) => byKey.get(k) ?? []);
  if (found.length > 0) return found;
  return isDockerHub(repo) ? (byKey.get(defaultRegistryHost) ?? []) : [];
}
