import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PARSE_LIMITS,
  SipParseError,
  SipStreamFramer,
  negotiateAnswer,
  parseMessage,
  serializeMessage,
} from '../src/signalling';
import { offerSdp, sleep, startAgent, waitFor } from './sip-support';

/** Seeded PRNG (mulberry32): every run throws the same inputs, so a failure replays. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const lines = (...items: string[]): string => `${items.join('\r\n')}\r\n\r\n`;

function corpus(port: number): string[] {
  const via = `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKfuzz1;rport`;
  const dialog = ['From: "Fuzz, Caller" <sip:fuzz@127.0.0.1>;tag=ff1', 'To: <sip:agent@127.0.0.1>;tag=tt1', 'Call-ID: fuzz-dialog@127.0.0.1'];
  const sdp = offerSdp(30000);
  return [
    lines(
      'INVITE sip:agent@127.0.0.1 SIP/2.0',
      via,
      'Max-Forwards: 70',
      'From: "Fuzz, Caller" <sip:fuzz@127.0.0.1>;tag=ff1',
      'To: Agent <sip:agent@127.0.0.1>',
      'Call-ID: fuzz-call@127.0.0.1',
      'CSeq: 1 INVITE',
      `Contact: <sip:fuzz@127.0.0.1:${port}>;expires=60`,
      'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
      'User-To-User: 56a390f3d2b7310023a2;encoding=hex',
      'Supported: replaces, timer',
      'Content-Type: application/sdp',
      `Content-Length: ${sdp.length}`,
    ) + sdp,
    lines('SIP/2.0 200 OK', via, ...dialog, 'CSeq: 1 INVITE', `Contact: <sip:fuzz@127.0.0.1:${port}>`, 'Content-Length: 0'),
    lines('BYE sip:agent@127.0.0.1 SIP/2.0', via, 'Max-Forwards: 70', ...dialog, 'CSeq: 2 BYE', 'Content-Length: 0'),
    lines(
      'REFER sip:agent@127.0.0.1 SIP/2.0',
      via,
      ...dialog,
      'CSeq: 3 REFER',
      'Refer-To: <sip:human@127.0.0.1?Replaces=abc%3Bto-tag%3D1>',
      'Referred-By: <sip:fuzz@127.0.0.1>',
      'Content-Length: 0',
    ),
    lines(
      'NOTIFY sip:agent@127.0.0.1 SIP/2.0',
      via,
      ...dialog,
      'CSeq: 4 NOTIFY',
      'Event: refer;id=3',
      'Subscription-State: terminated;reason=noresource',
      'Content-Type: message/sipfrag;version=2.0',
      'Content-Length: 16',
    ) + 'SIP/2.0 200 OK\r\n',
    lines('INFO sip:agent@127.0.0.1 SIP/2.0', via, ...dialog, 'CSeq: 5 INFO', 'c: application/dtmf-relay', 'l: 24') +
      'Signal=5\r\nDuration=160\r\n',
    lines(
      'OPTIONS sip:agent@127.0.0.1 SIP/2.0',
      `v: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKfuzz2;rport`,
      'f: <sip:fuzz@127.0.0.1>;tag=o1',
      't: <sip:agent@127.0.0.1>',
      'i: fuzz-options',
      'CSeq: 1 OPTIONS',
      'Subject: folded',
      '\tacross lines',
      'l: 0',
    ),
    lines(
      'SIP/2.0 401 Unauthorized',
      via,
      'From: <sip:fuzz@127.0.0.1>;tag=a1',
      'To: <sip:agent@127.0.0.1>;tag=b1',
      'Call-ID: fuzz-auth',
      'CSeq: 1 INVITE',
      'WWW-Authenticate: Digest realm="agent", nonce="abc.def", qop="auth", algorithm=MD5',
      'Content-Length: 0',
    ),
    lines(
      'CANCEL sip:agent@127.0.0.1 SIP/2.0',
      via,
      'From: <sip:fuzz@127.0.0.1>;tag=ff1',
      'To: <sip:agent@127.0.0.1>',
      'Call-ID: fuzz-call@127.0.0.1',
      'CSeq: 1 CANCEL',
      'Content-Length: 0',
    ),
  ];
}

// Characters and tokens that matter to the grammar, inserted at random places.
const SPICE = ['\r\n', '\r', '\n', ':', ';', ',', '"', '<', '>', '=', ' ', '\t', '\\', '\0', '\u00ff', '%', '@', '[', ']'];
const SPICE_TOKENS = ['0', '9999999999', 'z9hG4bK', 'SIP/2.0'];

function mutate(base: string, random: () => number, corpusItems: string[]): Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (max: number): number => Math.floor(random() * max);
  let text = base;
  const rounds = 1 + int(3);
  for (let round = 0; round < rounds; round++) {
    const headerLines = text.split('\r\n');
    switch (int(12)) {
      case 0: {
        // Flip bits in a few bytes.
        const bytes = Buffer.from(text, 'latin1');
        for (let i = 0, n = 1 + int(8); i < n && bytes.length > 0; i++) {
          const at = int(bytes.length);
          bytes[at] = (bytes[at] ?? 0) ^ (1 << int(8));
        }
        text = bytes.toString('latin1');
        break;
      }
      case 1: {
        const at = int(text.length + 1);
        text = text.slice(0, at) + pick(random() < 0.8 ? SPICE : SPICE_TOKENS) + text.slice(at);
        break;
      }
      case 2: {
        const at = int(text.length);
        text = text.slice(0, at) + text.slice(at + 1 + int(20));
        break;
      }
      case 3:
        text = text.slice(0, int(text.length));
        break;
      case 4: {
        const at = 1 + int(Math.max(1, headerLines.length - 3));
        headerLines.splice(at, 0, headerLines[at] ?? '');
        text = headerLines.join('\r\n');
        break;
      }
      case 5: {
        headerLines.splice(1 + int(Math.max(1, headerLines.length - 3)), 1);
        text = headerLines.join('\r\n');
        break;
      }
      case 6: {
        // A huge value: long runs, many list elements or many parameters.
        const at = 1 + int(Math.max(1, headerLines.length - 3));
        const line = headerLines[at] ?? '';
        const filler = pick(['A'.repeat(1000 + int(70_000)), ', x'.repeat(int(5000)), ';p=1'.repeat(int(5000)), '"'.repeat(int(3000))]);
        headerLines[at] = `${line}${filler}`;
        text = headerLines.join('\r\n');
        break;
      }
      case 7: {
        const a = int(headerLines.length);
        const b = int(headerLines.length);
        [headerLines[a], headerLines[b]] = [headerLines[b] ?? '', headerLines[a] ?? ''];
        text = headerLines.join('\r\n');
        break;
      }
      case 8:
        text = text.replace(/\d+/, pick(['-1', '0', '4294967296', '99999999999999999999', '00000000001', '65536']));
        break;
      case 9:
        text = text + pick(corpusItems);
        break;
      case 10: {
        const at = int(text.length);
        text = `${text.slice(0, at)}\r\n ${text.slice(at)}`;
        break;
      }
      default: {
        const bytes = Buffer.alloc(int(200));
        for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
        text = text.slice(0, int(text.length)) + bytes.toString('latin1');
      }
    }
  }
  return Buffer.from(text, 'latin1');
}

function describeInput(input: Buffer, iteration: number): string {
  return `iteration ${iteration}, input (base64): ${input.subarray(0, 2000).toString('base64')}`;
}

describe('fuzzing', () => {
  it('the parser only ever throws SipParseError, and what it accepts re-serializes and re-parses (100,000 inputs)', () => {
    const random = prng(0x5eed);
    const items = corpus(5099);
    let accepted = 0;
    for (let i = 0; i < 100_000; i++) {
      const input = mutate(items[i % items.length] ?? '', random, items);
      try {
        const message = parseMessage(input);
        accepted++;
        // Everything checked at parse time must be readable afterwards.
        void [message.callId, message.cseq, message.from, message.to, message.vias];
        const wire = serializeMessage(message);
        if (wire.length <= DEFAULT_PARSE_LIMITS.maxMessageBytes) parseMessage(wire);
      } catch (error) {
        if (!(error instanceof SipParseError)) throw new Error(`${String(error)} at ${describeInput(input, i)}`);
      }
    }
    // Mutations are mild often enough that a good share still parses.
    expect(accepted).toBeGreaterThan(10_000);
  }, 120_000);

  it('the TCP framer only ever throws SipParseError, whatever the chunking (10,000 streams)', () => {
    const random = prng(0xf4a3e);
    const items = corpus(5099);
    let messages = 0;
    for (let i = 0; i < 10_000; i++) {
      const stream = Buffer.concat([mutate(items[i % items.length] ?? '', random, items), Buffer.from(items[(i + 1) % items.length] ?? '')]);
      const framer = new SipStreamFramer();
      try {
        for (let at = 0; at < stream.length; ) {
          const size = 1 + Math.floor(random() * 300);
          for (const item of framer.push(stream.subarray(at, at + size))) {
            if (item.type !== 'message') continue;
            messages++;
            try {
              parseMessage(item.bytes);
            } catch (error) {
              if (!(error instanceof SipParseError)) throw error;
            }
          }
          at += size;
        }
      } catch (error) {
        if (!(error instanceof SipParseError)) throw new Error(`${String(error)} at ${describeInput(stream, i)}`);
      }
    }
    expect(messages).toBeGreaterThan(10_000);
  }, 60_000);

  it('a live UDP user agent survives 20,000 mutated datagrams, then still answers OPTIONS and takes a call', async () => {
    const timers = { t1: 20, t2: 160, t4: 100, timerD: 100 };
    const agent = await startAgent({ timers, answerTimeoutMs: 2000 });
    const caller = await startAgent({ timers });
    agent.onCall((call) => call.reject(486));
    const fuzzer = createSocket('udp4');
    await new Promise<void>((resolve) => fuzzer.bind(0, '127.0.0.1', resolve));
    let responses = 0;
    fuzzer.on('message', () => responses++);
    const random = prng(0xdead);
    const items = corpus(fuzzer.address().port);
    const port = agent.ports.udp ?? 0;
    try {
      for (let i = 0; i < 20_000; i++) {
        const datagram = mutate(items[i % items.length] ?? '', random, items).subarray(0, 65_000);
        fuzzer.send(datagram, port, '127.0.0.1');
        // Let the agent (same process) drain its socket so the kernel buffer does not drop the fuzz.
        if (i % 50 === 49) await sleep(1);
      }
      await waitFor(() => responses > 2000, 10_000, 'the agent to answer the answerable mutants');
      expect(responses).toBeGreaterThan(2000);

      const probe = await caller.options(`sip:agent@127.0.0.1:${port}`);
      expect(probe.status).toBe(200);
      agent.onCall((call) => void call.answer(negotiateAnswer(call.offer ?? '', { localAddress: '127.0.0.1', localPort: 40000 }).sdp));
      const dialog = await caller.invite({ to: `sip:agent@127.0.0.1:${port}`, sdp: offerSdp() }).answered;
      await dialog.bye();
      // Nothing the fuzz started outlives its transactions.
      const idle = (): boolean => {
        const { calls, transactions, timers: live } = agent.activity();
        return calls === 0 && transactions === 0 && live === 0;
      };
      await waitFor(idle, 10_000, 'the agent to go idle');
    } finally {
      fuzzer.close();
    }
  }, 120_000);
});
