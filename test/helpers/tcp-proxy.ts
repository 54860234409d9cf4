import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  flowing: boolean;
}

/**
 * A TCP proxy in front of a server, for outage tests: it forwards, refuses (every connection cut
 * and the port closed, as a database server that stopped), or stops forwarding (connections stay
 * open and nothing comes back, as a frozen server or a network that drops packets).
 */
export class TcpProxy {
  private mode: 'forward' | 'refuse' | 'silent' = 'forward';
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const accepting: { proxy?: TcpProxy } = {};
    const server = createServer((client) => accepting.proxy?.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    accepting.proxy = new TcpProxy(server, (server.address() as AddressInfo).port);
    return accepting.proxy;
  }

  /** The same URL, through the proxy. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /** Forwards again; connections that were held silent get what was waiting, both ways. */
  async forward(): Promise<void> {
    if (this.mode === 'refuse')
      await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.mode = 'forward';
    for (const pair of this.pairs) this.flow(pair);
  }

  /** Cuts every connection and closes the port: new connections are refused. */
  async refuse(): Promise<void> {
    this.mode = 'refuse';
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const pair of this.pairs) this.cut(pair);
    await closed;
  }

  /** Holds every connection, the open ones and new ones, without forwarding a byte. */
  silence(): void {
    this.mode = 'silent';
    for (const pair of this.pairs) this.hold(pair);
  }

  /** Holds the connections open now, and forwards new ones: one connection lost, the server well. */
  silenceOpenConnections(): void {
    for (const pair of this.pairs) this.hold(pair);
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.cut(pair);
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    const pair: Pair = { client, upstream: connect(target.port, target.host), flowing: false };
    this.pairs.add(pair);
    const forget = () => {
      if (this.pairs.delete(pair)) this.cut(pair);
    };
    client.on('close', forget).on('error', forget);
    pair.upstream.on('close', forget).on('error', forget);
    if (this.mode === 'forward') this.flow(pair);
    else client.pause();
  }

  private flow(pair: Pair): void {
    if (pair.flowing) return;
    pair.flowing = true;
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  }

  private hold(pair: Pair): void {
    if (!pair.flowing) return;
    pair.flowing = false;
    pair.client.unpipe(pair.upstream);
    pair.upstream.unpipe(pair.client);
    pair.client.pause();
    pair.upstream.pause();
  }

  private cut(pair: Pair): void {
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
