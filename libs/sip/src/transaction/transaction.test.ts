import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger';
import { createResponse } from '../message/build';
import type { SipRequest, SipResponse } from '../message/message';
import { parseMessage } from '../message/parser';
import type { TransportAddress } from '../transport/transport';
import type { ClientFailure } from './client';
import type { TransactionContext } from './context';
import { TransactionLayer } from './layer';
import type { InviteServerTransaction } from './server';
import { TimerPool, type SipTimers } from './timers';

const TIMERS: SipTimers = { t1: 100, t2: 400, t4: 500, timerD: 1000 };
const UDP_PEER: TransportAddress = { transport: 'udp', address: '192.0.2.10', port: 5062 };
const TCP_PEER: TransportAddress = { transport: 'tcp', address: '192.0.2.10', port: 40001, connectionId: 7 };

function request(method: string, options: { branch?: string; cseqMethod?: string; toTag?: string; transport?: string } = {}): SipRequest {
  const text = [
    `${method} sip:agent@192.0.2.1 SIP/2.0`,
    `Via: SIP/2.0/${options.transport ?? 'UDP'} 192.0.2.10:5062;branch=${options.branch ?? 'z9hG4bKtx1'}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=from1',
    `To: <sip:agent@192.0.2.1>${options.toTag ? `;tag=${options.toTag}` : ''}`,
    'Call-ID: tx@example.com',
    `CSeq: 1 ${options.cseqMethod ?? method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(text) as SipRequest;
}

function response(to: SipRequest, status: number, toTag = 'uas1'): SipResponse {
  const reply = createResponse(to, status);
  if (status > 100) reply.headers.set('To', `${to.headers.get('To')};tag=${toTag}`);
  return reply;
}

interface Sent {
  readonly at: number;
  readonly message: ReturnType<typeof parseMessage>;
  readonly target: TransportAddress;
}

function harness(send?: () => Promise<void>) {
  const sent: Sent[] = [];
  const pool = new TimerPool();
  const start = Date.now();
  const context: TransactionContext = {
    timers: TIMERS,
    pool,
    logger: silentLogger,
    async send(data, target) {
      await send?.();
      sent.push({ at: Date.now() - start, message: parseMessage(data), target });
      return target;
    },
  };
  const layer = new TransactionLayer(context);
  const describeSent = (): string[] =>
    sent.map(({ at, message }) => `${at} ${message.kind === 'request' ? message.method : message.status}`);
  return { sent, pool, layer, describeSent };
}

function recordingUser() {
  const events: string[] = [];
  return {
    events,
    user: {
      onResponse: (r: SipResponse) => events.push(`${Date.now()} ${r.status}`),
      onFailure: (failure: ClientFailure) => events.push(`${Date.now()} ${failure}`),
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('INVITE server transaction', () => {
  it('sends 100 Trying on the next turn and repeats the latest provisional for a retransmitted INVITE', async () => {
    const { layer, describeSent, sent } = harness();
    const invite = request('INVITE');
    const transaction = layer.createServer(invite, UDP_PEER);
    await vi.advanceTimersByTimeAsync(0);
    expect(describeSent()).toEqual(['0 100']);
    expect(sent[0]?.message.to.tag).toBeUndefined();
    transaction.respond(response(invite, 180));
    await vi.advanceTimersByTimeAsync(0);
    expect(layer.matchRequest(request('INVITE'))).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(describeSent()).toEqual(['0 100', '0 180', '0 180']);
  });

  it('skips 100 Trying when the TU answers in the same turn', async () => {
    const { layer, describeSent } = harness();
    const invite = request('INVITE');
    layer.createServer(invite, UDP_PEER).respond(response(invite, 486));
    await vi.advanceTimersByTimeAsync(0);
    expect(describeSent()).toEqual(['0 486']);
  });

  it('retransmits a non-2xx final on Timer G (T1 doubling up to T2) until the ACK, then Timer I ends it', async () => {
    const { layer, describeSent, pool } = harness();
    const invite = request('INVITE');
    const transaction = layer.createServer(invite, UDP_PEER);
    transaction.respond(response(invite, 486));
    await vi.advanceTimersByTimeAsync(1200);
    expect(describeSent()).toEqual(['0 486', '100 486', '300 486', '700 486', '1100 486']);
    // The ACK for a non-2xx reuses the INVITE's branch and is absorbed by the transaction.
    expect(layer.matchRequest(request('ACK', { toTag: 'uas1' }))).toBe(true);
    expect(transaction.state).toBe('confirmed');
    expect(layer.matchRequest(request('INVITE'))).toBe(true);
    await vi.advanceTimersByTimeAsync(TIMERS.t4);
    expect(describeSent()).toHaveLength(5);
    expect(transaction.state).toBe('terminated');
    expect(layer.size).toBe(0);
    expect(pool.size).toBe(0);
  });

  it('gives up on Timer H (64*T1) when no ACK comes', async () => {
    const { layer, pool } = harness();
    const invite = request('INVITE');
    const transaction = layer.createServer(invite, UDP_PEER);
    transaction.respond(response(invite, 603));
    await vi.advanceTimersByTimeAsync(64 * TIMERS.t1 - 1);
    expect(transaction.state).toBe('completed');
    await vi.advanceTimersByTimeAsync(1);
    expect(transaction.state).toBe('terminated');
    expect(pool.size).toBe(0);
  });

  it('over TCP sends the final once and ends as soon as the ACK arrives', async () => {
    const { layer, describeSent, sent, pool } = harness();
    const invite = request('INVITE', { transport: 'TCP' });
    const transaction = layer.createServer(invite, TCP_PEER);
    transaction.respond(response(invite, 486));
    await vi.advanceTimersByTimeAsync(2000);
    expect(describeSent()).toEqual(['0 486']);
    expect(sent[0]?.target.connectionId).toBe(7);
    layer.matchRequest(request('ACK', { toTag: 'uas1', transport: 'TCP' }));
    expect(transaction.state).toBe('terminated');
    expect(pool.size).toBe(0);
  });

  it('after a 2xx (Accepted, RFC 6026) absorbs INVITE retransmissions, passes 2xx ACKs on, and ends on Timer L', async () => {
    const { layer, describeSent, pool } = harness();
    const invite = request('INVITE');
    const transaction = layer.createServer(invite, UDP_PEER);
    transaction.respond(response(invite, 200));
    expect(transaction.state).toBe('accepted');
    expect(layer.matchRequest(request('INVITE'))).toBe(true);
    expect(layer.matchRequest(request('ACK', { toTag: 'uas1' }))).toBe(false);
    transaction.respond(response(invite, 200));
    await vi.advanceTimersByTimeAsync(64 * TIMERS.t1);
    expect(describeSent()).toEqual(['0 200', '0 200']);
    expect(transaction.state).toBe('terminated');
    expect(pool.size).toBe(0);
  });
});

describe('non-INVITE server transaction', () => {
  it('absorbs retransmissions while trying, repeats the final afterwards, and ends on Timer J', async () => {
    const { layer, describeSent, pool } = harness();
    const bye = request('BYE', { toTag: 'uas1' });
    const transaction = layer.createServer(bye, UDP_PEER);
    expect(layer.matchRequest(request('BYE', { toTag: 'uas1' }))).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(describeSent()).toEqual([]);
    transaction.respond(response(bye, 200));
    await vi.advanceTimersByTimeAsync(1000);
    layer.matchRequest(request('BYE', { toTag: 'uas1' }));
    await vi.advanceTimersByTimeAsync(64 * TIMERS.t1);
    expect(describeSent()).toEqual(['0 200', '1000 200']);
    expect(transaction.state).toBe('terminated');
    expect(layer.matchRequest(request('BYE', { toTag: 'uas1' }))).toBe(false);
    expect(pool.size).toBe(0);
  });
});

describe('INVITE client transaction', () => {
  it('retransmits on Timer A (doubling from T1) and times out on Timer B', async () => {
    const { layer, describeSent, pool } = harness();
    const { user, events } = recordingUser();
    layer.sendRequest(request('INVITE', { branch: 'z9hG4bKcA' }), UDP_PEER, user);
    await vi.advanceTimersByTimeAsync(64 * TIMERS.t1);
    expect(describeSent()).toEqual(['0 INVITE', '100 INVITE', '300 INVITE', '700 INVITE', '1500 INVITE', '3100 INVITE', '6300 INVITE']);
    expect(events).toEqual(['6400 timeout']);
    expect(layer.size).toBe(0);
    expect(pool.size).toBe(0);
  });

  it('stops retransmitting on a provisional, then ACKs a failure itself and again for each repeat (Timer D)', async () => {
    const { layer, describeSent, sent, pool } = harness();
    const { user, events } = recordingUser();
    const invite = request('INVITE', { branch: 'z9hG4bKcB' });
    layer.sendRequest(invite, UDP_PEER, user);
    await vi.advanceTimersByTimeAsync(150);
    expect(layer.matchResponse(response(invite, 180))).toBe(true);
    await vi.advanceTimersByTimeAsync(2000);
    layer.matchResponse(response(invite, 486, 'busy'));
    await vi.advanceTimersByTimeAsync(10);
    layer.matchResponse(response(invite, 486, 'busy'));
    await vi.advanceTimersByTimeAsync(TIMERS.timerD);
    expect(describeSent()).toEqual(['0 INVITE', '100 INVITE', '2150 ACK', '2160 ACK']);
    const ack = sent[2]?.message as SipRequest;
    expect(ack.topVia.branch).toBe('z9hG4bKcB');
    expect(ack.to.tag).toBe('busy');
    expect(ack.cseq).toEqual({ seq: 1, method: 'ACK' });
    expect(events).toEqual(['150 180', '2150 486']);
    expect(pool.size).toBe(0);
  });

  it('passes every 2xx to the TU while Accepted (Timer M) and never ACKs a 2xx itself', async () => {
    const { layer, describeSent, pool } = harness();
    const { user, events } = recordingUser();
    const invite = request('INVITE', { branch: 'z9hG4bKcC' });
    const transaction = layer.sendRequest(invite, UDP_PEER, user);
    layer.matchResponse(response(invite, 200));
    await vi.advanceTimersByTimeAsync(500);
    layer.matchResponse(response(invite, 200));
    layer.matchResponse(response(invite, 200, 'fork2'));
    expect(transaction.state).toBe('accepted');
    await vi.advanceTimersByTimeAsync(64 * TIMERS.t1);
    expect(events).toEqual(['0 200', '500 200', '500 200']);
    expect(describeSent()).toEqual(['0 INVITE']);
    expect(transaction.state).toBe('terminated');
    expect(pool.size).toBe(0);
  });
});

describe('non-INVITE client transaction', () => {
  it('retransmits on Timer E (doubling, capped at T2; T2 once proceeding) and times out on Timer F', async () => {
    const { layer, describeSent, pool } = harness();
    const { user, events } = recordingUser();
    const options = request('OPTIONS', { branch: 'z9hG4bKcD' });
    layer.sendRequest(options, UDP_PEER, user);
    await vi.advanceTimersByTimeAsync(800);
    layer.matchResponse(response(options, 100));
    await vi.advanceTimersByTimeAsync(64 * TIMERS.t1 - 800);
    const times = describeSent().map((line) => Number(line.split(' ')[0]));
    expect(times.slice(0, 5)).toEqual([0, 100, 300, 700, 1100]);
    expect(times.slice(5).every((t, i) => t - (times[i + 4] ?? 0) === TIMERS.t2)).toBe(true);
    expect(events).toEqual(['800 100', '6400 timeout']);
    expect(pool.size).toBe(0);
  });

  it('hands the final response to the TU once and absorbs repeats until Timer K', async () => {
    const { layer, pool } = harness();
    const { user, events } = recordingUser();
    const bye = request('BYE', { branch: 'z9hG4bKcE', toTag: 'x' });
    const transaction = layer.sendRequest(bye, UDP_PEER, user);
    layer.matchResponse(response(bye, 200, 'x'));
    expect(layer.matchResponse(response(bye, 200, 'x'))).toBe(true);
    expect(transaction.state).toBe('completed');
    await vi.advanceTimersByTimeAsync(TIMERS.t4);
    expect(transaction.state).toBe('terminated');
    expect(events).toEqual(['0 200']);
    expect(pool.size).toBe(0);
  });

  it('reports a transport failure and stops', async () => {
    const { layer, pool } = harness(() => Promise.reject(new Error('EHOSTUNREACH')));
    const { user, events } = recordingUser();
    layer.sendRequest(request('OPTIONS', { branch: 'z9hG4bKcF' }), UDP_PEER, user);
    await vi.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['0 transport']);
    expect(layer.size).toBe(0);
    expect(pool.size).toBe(0);
  });
});

describe('transaction matching', () => {
  it('matches by branch, sent-by and method; ACK joins its INVITE; CANCEL finds the INVITE', () => {
    const { layer } = harness();
    const invite = request('INVITE', { branch: 'z9hG4bKm1' });
    const transaction = layer.createServer(invite, UDP_PEER) as InviteServerTransaction;
    expect(layer.findInviteFor(request('CANCEL', { branch: 'z9hG4bKm1' }))).toBe(transaction);
    expect(layer.findInviteFor(request('CANCEL', { branch: 'z9hG4bKother' }))).toBeUndefined();
    // Same branch from another sent-by is a different transaction.
    const elsewhere = parseMessage(
      [
        'INVITE sip:agent@192.0.2.1 SIP/2.0',
        'Via: SIP/2.0/UDP 198.51.100.1:5062;branch=z9hG4bKm1',
        'From: <sip:alice@example.com>;tag=from1',
        'To: <sip:agent@192.0.2.1>',
        'Call-ID: tx@example.com',
        'CSeq: 1 INVITE',
        '',
        '',
      ].join('\r\n'),
    ) as SipRequest;
    expect(layer.matchRequest(elsewhere)).toBe(false);
    transaction.terminate();
  });

  it('falls back to RFC 2543 matching without the magic cookie', () => {
    const { layer } = harness();
    const old = request('INFO', { branch: 'oldstyle1', toTag: 't' });
    layer.createServer(old, UDP_PEER);
    expect(layer.matchRequest(request('INFO', { branch: 'oldstyle1', toTag: 't' }))).toBe(true);
    expect(layer.matchRequest(request('OPTIONS', { branch: 'oldstyle1', toTag: 't' }))).toBe(false);
    layer.terminateAll();
  });

  it('tells an INVITE response from a CANCEL response that shares its branch', () => {
    const { layer } = harness();
    const { user, events } = recordingUser();
    const invite = request('INVITE', { branch: 'z9hG4bKm2' });
    layer.sendRequest(invite, UDP_PEER, user);
    const cancelResponse = response(request('CANCEL', { branch: 'z9hG4bKm2' }), 200);
    expect(layer.matchResponse(cancelResponse)).toBe(false);
    expect(layer.matchResponse(response(invite, 180))).toBe(true);
    expect(events).toEqual(['0 180']);
    layer.terminateAll();
  });
});
