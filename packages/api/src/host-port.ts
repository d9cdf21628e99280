// Go's net.JoinHostPort: "host:port", an IPv6 address in brackets. Used wherever an
// address is printed or dialled with its port (probes, endpoints, Service variables).

export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
