import { describe, expect, it } from 'vitest';
import { SipError, negotiateAnswer, parseNameAddr, type Dialog, type SipResponse } from '../src/signalling';
import { RawPeer, isRequest, isResponse, offerSdp, rawRequest, sleep, startAgent, waitFor } from './sip-support';

const AGENT_MEDIA = { localAddress: '127.0.0.1', localPort: 40000 };

/** The ACK a UAC sends for a 2xx: new branch, the 2xx's To tag, sent to its Contact. */
function ackFor(ok: SipResponse, peerPort: number, callId: string, cseq = 1): string {
  const target = parseNameAddr(ok.headers.get('Contact') ?? '').uri;
  return rawRequest('ACK', { uri: target, peerPort, callId, cseq, toTag: ok.to.tag ?? '' });
}

describe('user agent server behaviour (raw UDP peer)', () => {
  it('retransmits its 2xx (T1 doubling up to T2) until the ACK arrives, then stops', async () => {
    const agent = await startAgent();
    const peer = await RawPeer.open();
    let dialog: Dialog | undefined;
    agent.onCall((call) => void call.answer(negotiateAnswer(call.offer ?? '', AGENT_MEDIA).sdp).then((d) => (dialog = d), () => undefined));
    peer.send(rawRequest('INVITE', { peerPort: peer.port, callId: 'lost-ack', body: offerSdp() }), agent.ports.udp ?? 0);
    // The first ACK is "lost": let the agent resend its 200 a few times.
    await waitFor(() => peer.responses((r) => r.status === 200).length >= 4, 5000, 'four copies of the 200');
    const copies = peer.received.filter(({ message }) => isResponse(200)(message)).map(({ at }) => at);
    // Intervals double from T1 (40 + 80 + 160 ms); timers never fire early, so this is a lower bound
    // that a flat T1 interval (3 x 40 ms) could not reach.
    expect((copies[3] ?? 0) - (copies[0] ?? 0)).toBeGreaterThanOrEqual(250);
    expect(dialog).toBeUndefined();
    const ok = peer.responses((r) => r.status === 200)[0] as SipResponse;
    expect(ok.headers.get('Contact')).toContain(`:${agent.ports.udp}`);
    expect(ok.headers.getAll('Allow')).toContain('REFER');
    peer.send(ackFor(ok, peer.port, 'lost-ack'), agent.ports.udp ?? 0);
    await waitFor(() => dialog !== undefined, 2000, 'answer() to resolve on the ACK');
    const count = peer.responses((r) => r.status === 200).length;
    await sleep(400);
    expect(peer.responses((r) => r.status === 200).length).toBe(count);
    peer.send(rawRequest('BYE', { peerPort: peer.port, callId: 'lost-ack', cseq: 2, toTag: ok.to.tag ?? '' }), agent.ports.udp ?? 0);
    await peer.next(isResponse(200, 'BYE'));
  });

  it('hangs up with BYE when no ACK ever comes, and answer() rejects', async () => {
    const agent = await startAgent({ timers: { t1: 15, t2: 120, t4: 100, timerD: 100 } });
    const peer = await RawPeer.open();
    let answered: Promise<Dialog> | undefined;
    agent.onCall((call) => {
      answered = call.answer(negotiateAnswer(call.offer ?? '', AGENT_MEDIA).sdp);
      answered.catch(() => undefined);
    });
    peer.send(rawRequest('INVITE', { peerPort: peer.port, callId: 'no-ack', body: offerSdp() }), agent.ports.udp ?? 0);
    await waitFor(() => answered !== undefined, 2000, 'the call');
    await expect(answered).rejects.toThrow(SipError);
    const bye = await peer.next(isRequest('BYE'));
    expect(bye.callId).toBe('no-ack');
    expect(bye.headers.get('Route')).toBeUndefined();
  });

  it('keeps the Record-Route set: in-dialog requests carry Route and go to the nearest proxy', async () => {
    const agent = await startAgent();
    const peer = await RawPeer.open();
    const proxy = await RawPeer.open();
    let dialog: Dialog | undefined;
    agent.onCall((call) => void call.answer(negotiateAnswer(call.offer ?? '', AGENT_MEDIA).sdp).then((d) => (dialog = d), () => undefined));
    const routes = [`<sip:127.0.0.1:${proxy.port};lr>`, '<sip:edge.example.com;lr>'];
    const extra = [`Record-Route: ${routes.join(', ')}`];
    peer.send(rawRequest('INVITE', { peerPort: peer.port, callId: 'rr', body: offerSdp(), extra }), agent.ports.udp ?? 0);
    const ok = await peer.next(isResponse(200, 'INVITE'));
    expect(ok.headers.getAll('Record-Route')).toEqual(routes);
    peer.send(ackFor(ok, peer.port, 'rr'), agent.ports.udp ?? 0);
    await waitFor(() => dialog !== undefined, 2000, 'the dialog');
    void dialog?.bye();
    const bye = await proxy.next(isRequest('BYE'));
    expect(bye.uri).toBe(`sip:raw@127.0.0.1:${peer.port}`);
    expect(bye.headers.getAll('Route')).toEqual(routes);
    expect(bye.to.tag).toBe('rawfrom');
    expect(bye.from.tag).toBe(ok.to.tag);
  });

  it('sends 100 Trying, repeats the 180 for a retransmitted INVITE and creates no second call', async () => {
    const agent = await startAgent();
    const peer = await RawPeer.open();
    let calls = 0;
    agent.onCall((call) => {
      calls++;
      setTimeout(() => call.progress(180), 50);
    });
    const invite = rawRequest('INVITE', { peerPort: peer.port, branch: 'z9hG4bKsame', callId: 'retrans', body: offerSdp() });
    peer.send(invite, agent.ports.udp ?? 0);
    await peer.next(isResponse(180));
    peer.send(invite, agent.ports.udp ?? 0);
    await waitFor(() => peer.responses((r) => r.status === 180).length === 2, 2000, 'the repeated 180');
    expect(peer.responses((r) => r.status === 100)).toHaveLength(1);
    expect(calls).toBe(1);
    const tags = new Set(peer.responses((r) => r.status === 180).map((r) => r.to.tag));
    expect(tags.size).toBe(1);
  });

  it('routes responses per RFC 3581: to the source port with rport, to the Via port without', async () => {
    const agent = await startAgent();
    const peer = await RawPeer.open();
    const viaTarget = await RawPeer.open();
    // Both requests name the other socket's port in Via; only the second lacks rport.
    peer.send(rawRequest('OPTIONS', { peerPort: viaTarget.port }), agent.ports.udp ?? 0);
    const symmetric = await peer.next(isResponse(200, 'OPTIONS'));
    expect(symmetric.topVia).toMatchObject({ received: '127.0.0.1', rport: peer.port });
    peer.send(rawRequest('OPTIONS', { peerPort: viaTarget.port }).replace(';rport', ''), agent.ports.udp ?? 0);
    await viaTarget.next(isResponse(200, 'OPTIONS'));
    expect(peer.received).toHaveLength(1);
  });

  it('answers OPTIONS with Allow, Accept and Supported', async () => {
    const agent = await startAgent();
    const peer = await RawPeer.open();
    peer.send(rawRequest('OPTIONS', { peerPort: peer.port }), agent.ports.udp ?? 0);
    const ok = await peer.next(isResponse(200, 'OPTIONS'));
    expect(ok.headers.getAll('Allow')).toEqual(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'REFER', 'NOTIFY']);
    expect(ok.headers.getAll('Accept')).toContain('application/sdp');
    expect(ok.headers.has('Supported')).toBe(true);
    expect(ok.to.tag).toBeDefined();
  });

  it.each([
    [481, 'an in-dialog request for an unknown dialog', 'BYE', { toTag: 'nope' }],
    [405, 'a known but unsupported method', 'SUBSCRIBE', {}],
    [501, 'an unknown method', 'FROBNICATE', {}],
    [481, 'an out-of-dialog BYE', 'BYE', {}],
    [481, 'a CANCEL that matches nothing', 'CANCEL', {}],
    [483, 'Max-Forwards: 0', 'INVITE', { extra: ['Max-Forwards: 0'] }],
    [420, 'an unsupported Require', 'INVITE', { extra: ['Require: 100rel'] }],
    [416, 'a non-SIP Request-URI', 'INVITE', { uri: 'tel:+15551234567' }],
    [415, 'a non-SDP body', 'INVITE', { extra: ['Content-Type: text/plain'], body: 'hello' }],
  ] as const)('answers %i to %s', async (status, _name, method, options) => {
    const agent = await startAgent();
    agent.onCall(() => undefined);
    const peer = await RawPeer.open();
    let text = rawRequest(method, { peerPort: peer.port, ...options });
    // Max-Forwards replaces the default one; text/plain replaces the SDP type.
    if ('extra' in options && options.extra[0]?.startsWith('Max-Forwards')) text = text.replace('Max-Forwards: 70\r\n', '');
    if ('body' in options) text = text.replace('Content-Type: application/sdp\r\n', '');
    peer.send(text, agent.ports.udp ?? 0);
    const response = await peer.next(isResponse(status));
    if (status === 405 || status === 501) expect(response.headers.get('Allow')).toContain('INVITE');
    if (status === 420) expect(response.headers.get('Unsupported')).toBe('100rel');
    if (status === 415) expect(response.headers.get('Accept')).toBe('application/sdp');
  });

  it('answers a malformed but identifiable request with 400 and the reason; drops one it cannot answer', async () => {
    const agent = await startAgent();
    const peer = await RawPeer.open();
    peer.send(rawRequest('OPTIONS', { peerPort: peer.port, callId: 'bad-cseq' }).replace('CSeq: 1 OPTIONS', 'CSeq: 1 INFO'), agent.ports.udp ?? 0);
    const bad = await peer.next(isResponse(400));
    expect(bad.reason).toBe('CSeq method does not match the request');
    expect(bad.callId).toBe('bad-cseq');
    peer.send(rawRequest('INVITE', { peerPort: peer.port, callId: 'no-contact' }).replace(/Contact: .*\r\n/, ''), agent.ports.udp ?? 0);
    expect((await peer.next(isResponse(400, 'INVITE'))).reason).toBe('Missing or Unusable Contact');
    peer.send(rawRequest('OPTIONS', { peerPort: peer.port }).replace(/Via: .*\r\n/, ''), agent.ports.udp ?? 0);
    peer.send('NOT SIP AT ALL\r\n\r\n', agent.ports.udp ?? 0);
    await sleep(200);
    // Only the two answerable requests got answers (the 400 to the INVITE repeats until ACKed).
    expect(new Set(peer.received.map(({ message }) => message.callId))).toEqual(new Set(['bad-cseq', 'no-contact']));
  });

  it('rejects an in-dialog request with a lower CSeq (500) and a re-INVITE without a handler (488)', async () => {
    const agent = await startAgent();
    const peer = await RawPeer.open();
    let dialog: Dialog | undefined;
    agent.onCall((call) => void call.answer(negotiateAnswer(call.offer ?? '', AGENT_MEDIA).sdp).then((d) => (dialog = d), () => undefined));
    peer.send(rawRequest('INVITE', { peerPort: peer.port, callId: 'cseq', cseq: 10, body: offerSdp() }), agent.ports.udp ?? 0);
    const ok = await peer.next(isResponse(200, 'INVITE'));
    peer.send(ackFor(ok, peer.port, 'cseq', 10), agent.ports.udp ?? 0);
    await waitFor(() => dialog !== undefined, 2000, 'the dialog');
    const inDialog = { peerPort: peer.port, callId: 'cseq', toTag: ok.to.tag ?? '' };
    peer.send(rawRequest('INFO', { ...inDialog, cseq: 5 }), agent.ports.udp ?? 0);
    expect((await peer.next(isResponse(500, 'INFO'))).reason).toBe('CSeq Out of Order');
    peer.send(rawRequest('INFO', { ...inDialog, cseq: 11 }), agent.ports.udp ?? 0);
    await peer.next(isResponse(200, 'INFO'));
    peer.send(rawRequest('INVITE', { ...inDialog, cseq: 12, body: offerSdp(30000, 'sendonly') }), agent.ports.udp ?? 0);
    await peer.next(isResponse(488, 'INVITE'));
    expect(dialog?.state).toBe('confirmed');
    peer.send(rawRequest('BYE', { ...inDialog, cseq: 13 }), agent.ports.udp ?? 0);
    await peer.next(isResponse(200, 'BYE'));
    await waitFor(() => dialog?.state === 'terminated', 2000, 'the dialog to end');
    expect(dialog?.endReason).toBe('remote-bye');
  });

  it('answers a NOTIFY for an unknown subscription with 481 and a foreign event with 489', async () => {
    const agent = await startAgent();
    const peer = await RawPeer.open();
    let dialog: Dialog | undefined;
    agent.onCall((call) => void call.answer(negotiateAnswer(call.offer ?? '', AGENT_MEDIA).sdp).then((d) => (dialog = d), () => undefined));
    peer.send(rawRequest('INVITE', { peerPort: peer.port, callId: 'notify', body: offerSdp() }), agent.ports.udp ?? 0);
    const ok = await peer.next(isResponse(200, 'INVITE'));
    peer.send(ackFor(ok, peer.port, 'notify'), agent.ports.udp ?? 0);
    await waitFor(() => dialog !== undefined, 2000, 'the dialog');
    const inDialog = { peerPort: peer.port, callId: 'notify', toTag: ok.to.tag ?? '' };
    peer.send(rawRequest('NOTIFY', { ...inDialog, cseq: 2, extra: ['Event: refer;id=99', 'Subscription-State: active'] }), agent.ports.udp ?? 0);
    await peer.next(isResponse(481, 'NOTIFY'));
    peer.send(rawRequest('NOTIFY', { ...inDialog, cseq: 3, extra: ['Event: dialog', 'Subscription-State: active'] }), agent.ports.udp ?? 0);
    await peer.next(isResponse(489, 'NOTIFY'));
    peer.send(rawRequest('BYE', { ...inDialog, cseq: 4 }), agent.ports.udp ?? 0);
    await peer.next(isResponse(200, 'BYE'));
  });
});
