// A fixed loopback address in front of a Prometheus that may be stopped and replaced: connections
// are piped to the current upstream port; while the upstream is down they are reset, as a stopped
// server's would be. (startPrometheus picks a fresh free port each time, so "the same address
// again" needs this.)

import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpForwarder {
  url: string;
  setUpstream(port: number): void;
  close(): Promise<void>;
}

export async function startTcpForwarder(upstreamPort: number): Promise<TcpForwarder> {
  let upstream = upstreamPort;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const target = net.connect({ host: '127.0.0.1', port: upstream });
    sockets.add(client);
    sockets.add(target);
    const closeBoth = (): void => {
      client.destroy();
      target.destroy();
      sockets.delete(client);
      sockets.delete(target);
    };
    client.on('error', closeBoth);
    target.on('error', closeBoth);
    client.on('close', closeBoth);
    target.on('close', closeBoth);
    client.pipe(target);
    target.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setUpstream: (next) => {
      upstream = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
