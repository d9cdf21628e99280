// The masters an agent talks to: their API URLs (--server, for joining and
// certificate renewal) and their dispatchers (--master, by default the same hosts
// on the dispatcher's port 6444).
export const defaultDispatcherPort = 6444;

export function parseServers(value: string): string[] {
  const servers = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (servers.length === 0) throw new Error("--server needs at least one master URL, such as https://10.0.0.1:6443");
  return servers.map((s) => {
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw new Error(`--server "${s}" is not a URL; write it as https://HOST:6443`);
    }
    if (url.protocol !== "https:") throw new Error(`--server "${s}" must be https://: the masters serve the API over TLS only`);
    return `${url.protocol}//${url.host}`;
  });
}

/** --master when given, else each server's host on the dispatcher's default port. */
export function dispatcherAddresses(servers: readonly string[], master: string | undefined): string[] {
  if (master) return master.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return servers.map((s) => `${new URL(s).hostname.replace(/^\[(.*)\]$/, "[$1]")}:${defaultDispatcherPort}`);
}

/** An --ingress-http style flag: "host:port", or "off" for none. */
export function parseListenFlag(value: string, flag: string): { host: string; port: number } | false {
  if (value === "off") return false;
  const i = value.lastIndexOf(":");
  const host = value.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  const port = Number(value.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${flag} "${value}" must be host:port (such as 0.0.0.0:80) or off`);
  }
  return { host, port };
}
