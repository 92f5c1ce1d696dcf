import { createSocket, type Socket } from 'node:dgram';
import { afterEach } from 'vitest';
import {
  SipUserAgent,
  parseMessage,
  type AnySipMessage,
  type SipRequest,
  type SipResponse,
  type SipTimers,
  type SipUserAgentOptions,
} from '../src/signalling';

/** Short timers so timeouts happen within a test; loopback is fast even on a busy machine. */
export const FAST_TIMERS: SipTimers = { t1: 40, t2: 320, t4: 300, timerD: 300 };

const running: { close(): Promise<void> | void }[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

export async function startAgent(options: Partial<SipUserAgentOptions> = {}): Promise<SipUserAgent> {
  const agent = await SipUserAgent.start({
    udp: { host: '127.0.0.1', port: 0 },
    tcp: { host: '127.0.0.1', port: 0 },
    timers: FAST_TIMERS,
    ...options,
  });
  running.push(agent);
  return agent;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export const offerSdp = (port = 30000, direction = 'sendrecv'): string =>
  [
    'v=0',
    'o=- 100 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0 8 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    `a=${direction}`,
    '',
  ].join('\r\n');

/** A hand-driven SIP peer on a raw UDP socket: sends exact bytes, records everything it receives. */
export class RawPeer {
  readonly received: { at: number; message: AnySipMessage }[] = [];
  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (data) => {
      try {
        this.received.push({ at: Date.now(), message: parseMessage(data) });
      } catch {
        // Tests look only at what parses.
      }
    });
  }

  static async open(): Promise<RawPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const peer = new RawPeer(socket, socket.address().port);
    running.push(peer);
    return peer;
  }

  send(text: string | Buffer, port: number): void {
    this.socket.send(typeof text === 'string' ? Buffer.from(text) : text, port, '127.0.0.1');
  }

  responses(predicate: (response: SipResponse) => boolean = () => true): SipResponse[] {
    return this.received.flatMap(({ message }) => (message.kind === 'response' && predicate(message) ? [message] : []));
  }

  async next<T extends AnySipMessage>(predicate: (message: AnySipMessage) => message is T, timeoutMs?: number): Promise<T>;
  async next(predicate: (message: AnySipMessage) => boolean, timeoutMs?: number): Promise<AnySipMessage>;
  async next(predicate: (message: AnySipMessage) => boolean, timeoutMs = 5000): Promise<AnySipMessage> {
    let found: AnySipMessage | undefined;
    await waitFor(() => (found = this.received.find(({ message }) => predicate(message))?.message) !== undefined, timeoutMs, 'a SIP message');
    return found as AnySipMessage;
  }

  close(): void {
    this.socket.close();
  }
}

export const isResponse =
  (status: number, method?: string) =>
  (message: AnySipMessage): message is SipResponse =>
    message.kind === 'response' && message.status === status && (method === undefined || message.cseq.method === method);

export const isRequest =
  (method: string, callId?: string) =>
  (message: AnySipMessage): message is SipRequest =>
    message.kind === 'request' && message.method === method && (callId === undefined || message.callId === callId);

/** A request as a raw peer writes it; `lines` replace or add headers. */
export function rawRequest(
  method: string,
  options: {
    uri?: string;
    peerPort: number;
    branch?: string;
    callId?: string;
    cseq?: number;
    toTag?: string;
    fromTag?: string;
    extra?: readonly string[];
    body?: string;
  },
): string {
  const body = options.body ?? '';
  const lines = [
    `${method} ${options.uri ?? 'sip:agent@127.0.0.1'} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${options.peerPort};branch=${options.branch ?? `z9hG4bK${Math.random().toString(36).slice(2)}`};rport`,
    'Max-Forwards: 70',
    `From: <sip:raw@127.0.0.1>;tag=${options.fromTag ?? 'rawfrom'}`,
    `To: <sip:agent@127.0.0.1>${options.toTag ? `;tag=${options.toTag}` : ''}`,
    `Call-ID: ${options.callId ?? `raw-${Math.random().toString(36).slice(2)}`}`,
    `CSeq: ${options.cseq ?? 1} ${method}`,
    `Contact: <sip:raw@127.0.0.1:${options.peerPort}>`,
    ...(options.extra ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
