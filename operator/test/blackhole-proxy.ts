/**
 * A TCP proxy on loopback in front of the API server that can go silent the way a load balancer
 * or NAT that lost its state does: both sockets stay open and nothing arrives, nothing is closed.
 * Silence stops reading both sockets (the kernel's TCP keeps the connection and acknowledges, as a
 * proxy that keeps TCP does); on resume the bytes held back flow again, as TCP retransmission would
 * deliver them.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface BlackholeProxy {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** Hold back every byte of the connections open now; new connections still pass. */
  silenceOpenConnections(): void;
  /** Hold back every byte of every connection, also of new ones (accepted, then silent). */
  silenceEverything(): void;
  /** Traffic flows again on every connection. */
  resume(): void;
  close(): Promise<void>;
}

export async function startBlackholeProxy(upstream: URL): Promise<BlackholeProxy> {
  type Link = { client: Socket; server: Socket; silent: boolean };
  const connections = new Set<Link>();
  let silentForNew = false;
  const silence = (link: Link) => {
    link.silent = true;
    link.client.unpipe(link.server);
    link.server.unpipe(link.client);
    link.client.pause();
    link.server.pause();
  };
  const unsilence = (link: Link) => {
    if (!link.silent) return;
    link.silent = false;
    link.client.pipe(link.server);
    link.server.pipe(link.client);
  };
  const proxy = createServer((client) => {
    const server = connect(Number(upstream.port), upstream.hostname);
    const link = { client, server, silent: false };
    connections.add(link);
    client.pipe(server);
    server.pipe(client);
    if (silentForNew) silence(link);
    const end = () => {
      connections.delete(link);
      client.destroy();
      server.destroy();
    };
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    silenceOpenConnections: () => { for (const c of connections) silence(c); },
    silenceEverything: () => {
      silentForNew = true;
      for (const c of connections) silence(c);
    },
    resume: () => {
      silentForNew = false;
      for (const c of connections) unsilence(c);
    },
    close: async () => {
      for (const c of connections) { c.client.destroy(); c.server.destroy(); }
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}
