import { describe, expect, it } from 'vitest';
import {
  createResponse,
  negotiateAnswer,
  serializeMessage,
  type SipRequest,
  type SipUserAgent,
} from '../src/signalling';
import { RawPeer, isRequest, offerSdp, sleep, startAgent, waitFor } from './sip-support';

/** The raw peer plays the answering side: replies built from the request it got. */
function reply(peer: RawPeer, caller: SipUserAgent, request: SipRequest, status: number, sdp?: string): void {
  const response = createResponse(request, status);
  if (status > 100) response.headers.set('To', `${request.headers.get('To')};tag=peer-tag`);
  if (status >= 200 && status < 300) response.headers.append('Contact', `<sip:svc@127.0.0.1:${peer.port}>`);
  if (sdp !== undefined) {
    response.headers.set('Content-Type', 'application/sdp');
    response.body = Buffer.from(sdp);
  }
  peer.send(serializeMessage(response), caller.ports.udp ?? 0);
}

const requestsOf = (peer: RawPeer, method: string, callId: string): SipRequest[] =>
  peer.received.flatMap(({ message }) => (isRequest(method, callId)(message) ? [message] : []));

describe('user agent client behaviour (raw UDP peer)', () => {
  it('ACKs the 2xx outside the INVITE transaction and resends the same ACK for each retransmitted 2xx', async () => {
    const caller = await startAgent();
    const peer = await RawPeer.open();
    const outgoing = caller.invite({ to: `sip:svc@127.0.0.1:${peer.port}`, sdp: offerSdp() });
    const invite = await peer.next(isRequest('INVITE'));
    expect(invite.topVia).toMatchObject({ transport: 'UDP', port: caller.ports.udp, rport: true });
    expect(invite.headers.get('Max-Forwards')).toBe('70');
    expect(invite.headers.get('Contact')).toContain(`:${caller.ports.udp}`);
    const answer = negotiateAnswer(invite.bodyText, { localAddress: '127.0.0.1', localPort: 41000 }).sdp;
    reply(peer, caller, invite, 200, answer);
    const dialog = await outgoing.answered;
    expect(dialog.remoteSdp).toBe(answer);
    expect(dialog.remoteTarget).toBe(`sip:svc@127.0.0.1:${peer.port}`);
    reply(peer, caller, invite, 200, answer);
    await waitFor(() => requestsOf(peer, 'ACK', invite.callId).length === 2, 3000, 'two ACKs');
    const [first, second] = requestsOf(peer, 'ACK', invite.callId);
    expect(first?.uri).toBe(`sip:svc@127.0.0.1:${peer.port}`);
    expect(first?.cseq).toEqual({ seq: invite.cseq.seq, method: 'ACK' });
    expect(first?.topVia.branch).not.toBe(invite.topVia.branch);
    expect(first?.to.tag).toBe('peer-tag');
    expect(serializeMessage(second as SipRequest).equals(serializeMessage(first as SipRequest))).toBe(true);
    void dialog.bye();
    const bye = await peer.next(isRequest('BYE', invite.callId));
    expect(bye.cseq.seq).toBeGreaterThan(invite.cseq.seq);
    reply(peer, caller, bye, 200);
  });

  it('ACKs a failure inside the INVITE transaction, once per copy of the final response', async () => {
    const caller = await startAgent();
    const peer = await RawPeer.open();
    const outgoing = caller.invite({ to: `sip:svc@127.0.0.1:${peer.port}`, sdp: offerSdp() });
    const invite = await peer.next(isRequest('INVITE'));
    reply(peer, caller, invite, 486);
    await expect(outgoing.answered).rejects.toMatchObject({ status: 486, reason: 'Busy Here' });
    reply(peer, caller, invite, 486);
    await waitFor(() => requestsOf(peer, 'ACK', invite.callId).length === 2, 3000, 'two ACKs');
    const [ack] = requestsOf(peer, 'ACK', invite.callId);
    expect(ack?.topVia.branch).toBe(invite.topVia.branch);
    expect(ack?.uri).toBe(invite.uri);
    expect(ack?.to.tag).toBe('peer-tag');
  });

  it('holds the CANCEL back until a provisional response arrives, then the INVITE ends with 487', async () => {
    const caller = await startAgent();
    const peer = await RawPeer.open();
    const outgoing = caller.invite({ to: `sip:svc@127.0.0.1:${peer.port}`, sdp: offerSdp() });
    outgoing.cancel();
    const invite = await peer.next(isRequest('INVITE'));
    await sleep(150);
    expect(requestsOf(peer, 'CANCEL', invite.callId)).toHaveLength(0);
    reply(peer, caller, invite, 180);
    const cancel = await peer.next(isRequest('CANCEL', invite.callId));
    expect(cancel.topVia.branch).toBe(invite.topVia.branch);
    expect(cancel.cseq).toEqual({ seq: invite.cseq.seq, method: 'CANCEL' });
    expect(cancel.uri).toBe(invite.uri);
    reply(peer, caller, cancel, 200);
    reply(peer, caller, invite, 487);
    await expect(outgoing.answered).rejects.toMatchObject({ status: 487 });
    await peer.next(isRequest('ACK', invite.callId));
  });
});
