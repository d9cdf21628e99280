// tcpSocket probes, after pkg/probe/tcp: the container is healthy when a TCP
// connection to host:port opens within the timeout. The connection is closed at once.
import net from "node:net";
import { joinHostPort } from "@bosun/api";
import { netErrorText, type ProbeOutcome } from "./outcome.js";

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  const address = joinHostPort(host, port);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (outcome: ProbeOutcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ result: "failure", output: `dial tcp ${address}: i/o timeout` }), timeoutMs);
    socket.once("connect", () => done({ result: "success", output: "" }));
    socket.once("error", (err) => done({ result: "failure", output: netErrorText(address, err) }));
  });
}
