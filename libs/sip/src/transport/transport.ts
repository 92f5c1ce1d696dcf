import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { SipLogger } from '../logger';
import { SipParseError } from '../message/errors';
import { SipStreamFramer } from '../message/framer';
import type { AnySipMessage, SipRequest } from '../message/message';
import { parseMessage, type SipParseLimits } from '../message/parser';
import { formatVia, stampReceived } from '../message/via';
import { socketAddress } from '../message/uri';

export type TransportProtocol = 'udp' | 'tcp';

/** Where a message came from or goes to; `connectionId` pins a TCP connection. */
export interface TransportAddress {
  readonly transport: TransportProtocol;
  readonly address: string;
  readonly port: number;
  readonly connectionId?: number;
}

export interface ListenAddress {
  readonly host: string;
  /** 0 picks a free port; see `SipTransport.ports`. */
  readonly port: number;
}

export interface SipTransportOptions {
  readonly udp?: ListenAddress;
  readonly tcp?: ListenAddress;
  readonly limits: SipParseLimits;
  /** TCP connections with no traffic for this long are closed unless a dialog retains them. */
  readonly tcpIdleTimeoutMs: number;
  readonly tcpConnectTimeoutMs: number;
  readonly maxTcpConnections: number;
  readonly logger: SipLogger;
  readonly onMessage: (message: AnySipMessage, source: TransportAddress) => void;
  readonly onParseError: (error: SipParseError, source: TransportAddress) => void;
}

interface Connection {
  readonly id: number;
  readonly socket: Socket;
  readonly key: string;
  retained: number;
}

const CRLF = Buffer.from('\r\n');

/** UDP and TCP transport (RFC 3261 §18): one UDP socket, one TCP listener, reusable connections. */
export class SipTransport {
  private readonly connections = new Map<number, Connection>();
  private readonly byRemote = new Map<string, Connection>();
  private readonly connecting = new Map<string, Promise<Connection>>();
  private nextConnectionId = 1;
  private closed = false;

  private constructor(
    private readonly options: SipTransportOptions,
    private readonly udp: UdpSocket | undefined,
    private readonly tcp: Server | undefined,
    readonly ports: { readonly udp?: number; readonly tcp?: number },
  ) {
    udp?.on('message', (data, remote) => {
      this.receive(data, { transport: 'udp', address: remote.address, port: remote.port });
    });
    udp?.on('error', (error) => options.logger.warn({ err: error }, 'SIP UDP socket error'));
    tcp?.on('connection', (socket) => this.adopt(socket));
    tcp?.on('error', (error) => options.logger.warn({ err: error }, 'SIP TCP listener error'));
  }

  static async listen(options: SipTransportOptions): Promise<SipTransport> {
    if (!options.udp && !options.tcp) throw new Error('SIP needs a UDP or TCP listen address');
    const udp = options.udp && (await bindUdp(options.udp, options.logger));
    let tcp: Server | undefined;
    try {
      tcp = options.tcp && (await listenTcp(options.tcp, options.maxTcpConnections));
    } catch (error) {
      udp?.close();
      throw error;
    }
    const tcpAddress = tcp?.address();
    const ports = {
      ...(udp && { udp: udp.address().port }),
      ...(tcpAddress && typeof tcpAddress === 'object' && { tcp: tcpAddress.port }),
    };
    return new SipTransport(options, udp, tcp, ports);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Sends; resolves with the address actually used (for TCP, the connection). */
  async send(data: Buffer, target: TransportAddress): Promise<TransportAddress> {
    if (this.closed) throw new Error('SIP transport is closed');
    if (target.transport === 'udp') {
      const udp = this.udp;
      if (!udp) throw new Error('SIP UDP transport is not enabled');
      await new Promise<void>((resolve, reject) => {
        udp.send(data, target.port, socketAddress(target.address), (error) => (error ? reject(error) : resolve()));
      });
      return target;
    }
    const connection = await this.connectionFor(target);
    await new Promise<void>((resolve, reject) => {
      connection.socket.write(data, (error) => (error ? reject(error) : resolve()));
    });
    return { ...target, connectionId: connection.id };
  }

  /** Keeps a TCP connection open through idle periods (a dialog runs over it). */
  retain(connectionId: number): void {
    const connection = this.connections.get(connectionId);
    if (connection) connection.retained++;
  }

  release(connectionId: number): void {
    const connection = this.connections.get(connectionId);
    if (!connection || connection.retained === 0) return;
    connection.retained--;
    // The idle clock fires once; restart it for a connection nobody holds any more.
    if (connection.retained === 0) connection.socket.setTimeout(this.options.tcpIdleTimeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const connection of this.connections.values()) connection.socket.destroy();
    const udp = this.udp;
    const tcp = this.tcp;
    await Promise.all([
      udp && new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp && new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  }

  private receive(data: Buffer, source: TransportAddress): void {
    // Bare CRLFs on UDP are keepalives (RFC 5626 §3.5.1 and common practice).
    if (data.every((byte) => byte === 0x0d || byte === 0x0a)) return;
    let message: AnySipMessage;
    try {
      message = parseMessage(data, this.options.limits);
    } catch (error) {
      if (error instanceof SipParseError) this.options.onParseError(error, source);
      else this.options.logger.error({ err: error, source }, 'SIP parser failed unexpectedly');
      return;
    }
    if (message.kind === 'request') recordSource(message, source);
    try {
      this.options.onMessage(message, source);
    } catch (error) {
      this.options.logger.error({ err: error, source }, 'SIP message handler failed');
    }
  }

  private adopt(socket: Socket, key?: string): Connection {
    const remote = { address: normalizeAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    const connection: Connection = {
      id: this.nextConnectionId++,
      socket,
      key: key ?? `${remote.address}:${remote.port}`,
      retained: 0,
    };
    this.connections.set(connection.id, connection);
    this.byRemote.set(connection.key, connection);
    const framer = new SipStreamFramer(this.options.limits);
    const source: TransportAddress = { transport: 'tcp', ...remote, connectionId: connection.id };
    socket.setNoDelay(true);
    socket.setTimeout(this.options.tcpIdleTimeoutMs);
    socket.on('timeout', () => {
      if (connection.retained === 0) socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      let items;
      try {
        items = framer.push(chunk);
      } catch (error) {
        this.options.logger.debug({ err: error, source }, 'closing SIP TCP connection after a framing error');
        socket.destroy();
        return;
      }
      for (const item of items) {
        if (item.type === 'ping') socket.write(CRLF);
        else this.receive(item.bytes, source);
      }
    });
    socket.on('error', (error) => this.options.logger.debug({ err: error, source }, 'SIP TCP connection error'));
    socket.on('close', () => {
      this.connections.delete(connection.id);
      if (this.byRemote.get(connection.key) === connection) this.byRemote.delete(connection.key);
    });
    return connection;
  }

  private async connectionFor(target: TransportAddress): Promise<Connection> {
    const pinned = target.connectionId === undefined ? undefined : this.connections.get(target.connectionId);
    if (pinned && !pinned.socket.destroyed) return pinned;
    const key = `${normalizeAddress(socketAddress(target.address))}:${target.port}`;
    const existing = this.byRemote.get(key);
    if (existing && !existing.socket.destroyed) return existing;
    const pending = this.connecting.get(key);
    if (pending) return pending;
    const attempt = this.open(target, key).finally(() => this.connecting.delete(key));
    this.connecting.set(key, attempt);
    return attempt;
  }

  private open(target: TransportAddress, key: string): Promise<Connection> {
    const localHost = this.options.tcp?.host;
    return new Promise<Connection>((resolve, reject) => {
      const socket = connect({
        host: socketAddress(target.address),
        port: target.port,
        ...(localHost && !isUnspecified(localHost) && { localAddress: localHost }),
      });
      const timer = setTimeout(() => socket.destroy(new Error('SIP TCP connect timed out')), this.options.tcpConnectTimeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        reject(error);
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', fail);
        resolve(this.adopt(socket, key));
      });
    });
  }
}

/** RFC 3261 §18.2.1 / RFC 3581 §4: notes the real source of a request in its top Via. */
export function recordSource(request: SipRequest, source: TransportAddress): void {
  const [, ...rest] = request.headers.getAll('Via');
  const stamped = stampReceived(request.topVia, source.address, source.port);
  request.headers.set('Via', [formatVia(stamped), ...rest]);
}

export function isUnspecified(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

// Bursts of requests (a call storm, a scanner) overflow the kernel's default ~200 KiB quickly.
const UDP_RECEIVE_BUFFER_BYTES = 1 << 20;

function bindUdp(listen: ListenAddress, logger: SipLogger): Promise<UdpSocket> {
  const host = socketAddress(listen.host);
  const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(listen.port, host, () => {
      socket.removeListener('error', reject);
      try {
        socket.setRecvBufferSize(UDP_RECEIVE_BUFFER_BYTES);
      } catch (error) {
        logger.warn({ err: error }, 'could not enlarge the SIP UDP receive buffer');
      }
      resolve(socket);
    });
  });
}

function listenTcp(listen: ListenAddress, maxConnections: number): Promise<Server> {
  const server = createServer();
  server.maxConnections = maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, socketAddress(listen.host), () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}
