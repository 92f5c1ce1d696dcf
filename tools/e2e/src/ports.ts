import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function udpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

function tcpFree(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/**
 * A port free for both UDP and TCP on `host` a moment ago, as the media
 * service's SIP listeners need (the OS picks the TCP one; UDP is checked).
 */
export async function freeSipPort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tcpFree(0, host);
    if (port !== undefined && (await udpFree(port, host))) return port;
  }
  throw new Error('no port free for both UDP and TCP');
}

/**
 * A free UDP port in [min, max], tried from a random start so that
 * concurrent test files rarely collide. `span` consecutive ports from it
 * must be free too (sipp takes its media port and the one two above).
 */
export async function freeUdpPort({ min, max, span = 1, even = false, host = '127.0.0.1' }: { min: number; max: number; span?: number; even?: boolean; host?: string }): Promise<number> {
  const step = even ? 2 : 1;
  const first = even ? min + (min % 2) : min;
  const count = Math.floor((max - span + 1 - first) / step) + 1;
  const start = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) {
    const port = first + ((start + i) % count) * step;
    let free = true;
    for (let p = port; free && p < port + span; p++) free = await udpFree(p, host);
    if (free) return port;
  }
  throw new Error(`no free UDP port in ${min}-${max}`);
}
