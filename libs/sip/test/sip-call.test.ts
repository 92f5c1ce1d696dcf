import { describe, expect, it } from 'vitest';
import {
  SipError,
  SipRequestError,
  createOffer,
  negotiateAnswer,
  parseAnswer,
  parseDtmfRelay,
  type IncomingCall,
  type NegotiatedAudio,
  type SipUserAgent,
} from '../src/signalling';
import { offerSdp, sleep, startAgent, waitFor } from './sip-support';

const AGENT_MEDIA = { localAddress: '127.0.0.1', localPort: 40000 };

function nextCall(agent: SipUserAgent): Promise<IncomingCall> {
  return new Promise((resolve) => agent.onCall(resolve));
}

function quiet(...agents: SipUserAgent[]): boolean {
  return agents.every((a) => {
    const { calls, transactions, timers } = a.activity();
    return calls === 0 && transactions === 0 && timers === 0;
  });
}

describe.each(['udp', 'tcp'] as const)('a call between two user agents over %s', (transport) => {
  it('sets up, sends DTMF, holds and resumes, transfers with REFER/NOTIFY and is hung up by the agent', async () => {
    const agent = await startAgent({ userAgent: 'agent-under-test' });
    const caller = await startAgent();
    const incoming = nextCall(agent);
    const offer = createOffer({ localAddress: '127.0.0.1', localPort: 30000 });
    const outgoing = caller.invite({
      to: `sip:agent@127.0.0.1:${agent.ports[transport]}`,
      sdp: offer.sdp,
      headers: { 'User-To-User': '3030;encoding=hex', 'X-Scenario': 'booking' },
      transport,
    });
    const progress: number[] = [];
    outgoing.onProgress((p) => progress.push(p.status));

    const call = await incoming;
    expect(call.headers.get('user-to-user')).toBe('3030;encoding=hex');
    expect(call.headers.get('x-scenario')).toBe('booking');
    expect(call.remote.transport).toBe(transport);
    expect(call.from.tag).toBeDefined();
    expect(call.to.uri).toBe(`sip:agent@127.0.0.1:${agent.ports[transport]}`);
    call.progress(180);
    await waitFor(() => progress.includes(180), 5000, '180 Ringing');
    const media = negotiateAnswer(call.offer ?? '', AGENT_MEDIA);
    const [agentDialog, callerDialog] = await Promise.all([call.answer(media.sdp), outgoing.answered]);
    expect(call.state).toBe('answered');
    expect(agentDialog.callId).toBe(callerDialog.callId);
    expect(agentDialog.localTag).toBe(callerDialog.remoteTag);
    expect(agentDialog.remoteTag).toBe(callerDialog.localTag);
    expect(agentDialog.remoteTarget).toContain(`:${caller.ports[transport]}`);
    expect(parseAnswer(callerDialog.remoteSdp ?? '')).toMatchObject({ codec: { name: 'PCMU' }, remote: { port: 40000 } });

    // DTMF by SIP INFO.
    const digits: string[] = [];
    agentDialog.onInfo((contentType, body) => digits.push(`${contentType} ${parseDtmfRelay(body)?.signal}`));
    await callerDialog.sendDtmf('5');
    await callerDialog.sendDtmf('#', 250);
    expect(digits).toEqual(['application/dtmf-relay 5', 'application/dtmf-relay #']);

    // Hold and resume by re-INVITE; the agent's answer bumps its o= version each time.
    const answers: NegotiatedAudio[] = [];
    agentDialog.onReinvite((reoffer) => {
      const answer = negotiateAnswer(reoffer ?? '', { ...AGENT_MEDIA, previous: answers.at(-1) ?? media });
      answers.push(answer);
      return answer.sdp;
    });
    const holdAnswer = await callerDialog.reinvite(offerSdp(30000, 'sendonly'));
    expect(answers[0]).toMatchObject({ hold: true, direction: 'recvonly' });
    expect(answers[0]?.origin.sessionVersion).toBe(media.origin.sessionVersion + 1);
    expect(parseAnswer(holdAnswer ?? '').direction).toBe('sendonly');
    expect(agentDialog.remoteSdp).toContain('a=sendonly');
    await callerDialog.reinvite(offerSdp(30000, 'sendrecv'));
    expect(answers[1]).toMatchObject({ hold: false, direction: 'sendrecv' });

    // Blind transfer: the caller accepts the REFER and reports the new call's progress.
    callerDialog.onRefer((refer) => {
      expect(refer.referTo.uri).toBe('sip:human@127.0.0.1:5099');
      setTimeout(() => void refer.notify(180).then(() => refer.notify(200)), 20);
      return true;
    });
    const transfer = await agentDialog.refer('sip:human@127.0.0.1:5099');
    expect(transfer).toMatchObject({ status: 202, accepted: true });
    const notified: number[] = [];
    transfer.onNotify((p) => notified.push(p.status));
    expect(await transfer.result).toEqual({ status: 200, reason: 'OK', endedBy: 'notify' });
    expect(notified).toEqual([100, 180, 200]);

    // The agent hangs up.
    const callerEnd = new Promise((resolve) => callerDialog.onTerminated(resolve));
    const byes: string[] = [];
    callerDialog.onBye((bye) => byes.push(bye.method));
    await agentDialog.bye();
    expect(await callerEnd).toBe('remote-bye');
    expect(byes).toEqual(['BYE']);
    expect(agentDialog.state).toBe('terminated');
    expect(agentDialog.endReason).toBe('local-bye');
    if (transport === 'tcp') {
      // One connection carried everything, both directions.
      expect(agent.activity().tcpConnections).toBe(1);
      expect(caller.activity().tcpConnections).toBe(1);
    }
    // Every transaction runs out and every timer is cleared.
    await waitFor(() => quiet(agent, caller), 8000, 'the stacks to go quiet');
  });

  it('is hung up by the caller, and a refused REFER reports its status', async () => {
    const agent = await startAgent();
    const caller = await startAgent();
    const incoming = nextCall(agent);
    const outgoing = caller.invite({ to: `sip:agent@127.0.0.1:${agent.ports[transport]};transport=${transport}`, sdp: offerSdp() });
    const call = await incoming;
    const [agentDialog, callerDialog] = await Promise.all([call.answer(negotiateAnswer(call.offer ?? '', AGENT_MEDIA).sdp), outgoing.answered]);

    callerDialog.onRefer(() => false);
    const refused = await agentDialog.refer('sip:human@127.0.0.1');
    expect(refused).toMatchObject({ accepted: false, status: 603 });
    expect(await refused.result).toMatchObject({ status: 603, endedBy: 'refer-rejected' });

    const hangup = new Promise((resolve) => agentDialog.onBye(resolve));
    const agentEnd = new Promise((resolve) => agentDialog.onTerminated(resolve));
    await callerDialog.bye();
    await hangup;
    expect(await agentEnd).toBe('remote-bye');
    expect(callerDialog.endReason).toBe('local-bye');
    await expect(callerDialog.info('text/plain', 'late')).rejects.toThrow(SipError);
  });

  it('cancels before the answer: 200 to the CANCEL, 487 to the INVITE', async () => {
    const agent = await startAgent();
    const caller = await startAgent();
    const incoming = nextCall(agent);
    const outgoing = caller.invite({ to: `sip:agent@127.0.0.1:${agent.ports[transport]}`, sdp: offerSdp(), transport });
    const call = await incoming;
    const cancelled = new Promise<void>((resolve) => call.onCancel(resolve));
    call.progress(180);
    outgoing.cancel();
    await cancelled;
    await expect(outgoing.answered).rejects.toMatchObject({ status: 487 });
    expect(call.state).toBe('cancelled');
    await expect(call.answer(negotiateAnswer(call.offer ?? '', AGENT_MEDIA).sdp)).rejects.toThrow(SipError);
    expect(call.reject(486)).toBe(false);
    expect(agent.activity().calls).toBe(0);
  });
});

describe('TCP connection management', () => {
  it('closes idle connections but keeps the one a dialog runs on until the call ends', async () => {
    const agent = await startAgent({ tcpIdleTimeoutMs: 150 });
    const caller = await startAgent({ tcpIdleTimeoutMs: 150 });
    const connections = () => [agent.activity().tcpConnections, caller.activity().tcpConnections];
    expect((await caller.options(`sip:agent@127.0.0.1:${agent.ports.tcp};transport=tcp`)).status).toBe(200);
    expect(connections()).toEqual([1, 1]);
    await waitFor(() => connections().every((n) => n === 0), 5000, 'the idle connection to close');

    const incoming = nextCall(agent);
    const outgoing = caller.invite({ to: `sip:agent@127.0.0.1:${agent.ports.tcp}`, sdp: offerSdp(), transport: 'tcp' });
    const call = await incoming;
    const [agentDialog] = await Promise.all([call.answer(negotiateAnswer(call.offer ?? '', AGENT_MEDIA).sdp), outgoing.answered]);
    await sleep(600);
    expect(connections()).toEqual([1, 1]);
    await agentDialog.bye();
    await waitFor(() => connections().every((n) => n === 0), 5000, 'the connection to close after the call');
  });
});

describe('call admission between two user agents', () => {
  it('challenges with digest auth: no or wrong credentials get 401, the right ones get through', async () => {
    const agent = await startAgent({
      auth: { realm: 'voiceagent', credentials: (user) => (user === 'caller' ? 's3cret' : undefined) },
    });
    const caller = await startAgent();
    const to = `sip:agent@127.0.0.1:${agent.ports.udp}`;
    await expect(caller.invite({ to, sdp: offerSdp() }).answered).rejects.toMatchObject({ status: 401 });
    await expect(
      caller.invite({ to, sdp: offerSdp(), credentials: { username: 'caller', password: 'wrong' } }).answered,
    ).rejects.toMatchObject({ status: 401 });
    const incoming = nextCall(agent);
    const outgoing = caller.invite({ to, sdp: offerSdp(), credentials: { username: 'caller', password: 's3cret' } });
    const call = await incoming;
    expect(call.headers.get('Authorization')).toMatch(/^Digest username="caller"/);
    const [dialog] = await Promise.all([call.answer(negotiateAnswer(call.offer ?? '', AGENT_MEDIA).sdp), outgoing.answered]);
    await dialog.bye();
  });

  it('refuses calls beyond maxCalls with 503 and Retry-After, yet answers OPTIONS', async () => {
    const agent = await startAgent({ maxCalls: 1, retryAfterSeconds: 7 });
    const caller = await startAgent();
    const to = `sip:agent@127.0.0.1:${agent.ports.udp}`;
    const incoming = nextCall(agent);
    const first = caller.invite({ to, sdp: offerSdp() });
    const call = await incoming;
    call.progress(180);
    const second = caller.invite({ to, sdp: offerSdp() });
    const refusal = await second.answered.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(SipRequestError);
    expect(refusal).toMatchObject({ status: 503 });
    expect((refusal as SipRequestError).response?.headers.get('Retry-After')).toBe('7');
    const probe = await caller.options(to);
    expect(probe.status).toBe(200);
    expect(probe.headers.get('Allow')).toContain('INVITE');
    call.reject(486);
    await expect(first.answered).rejects.toMatchObject({ status: 486 });
  });

  it('lets the policy hook refuse or silently drop callers', async () => {
    const agent = await startAgent({
      policy: (request) => {
        const user = request.headers.get('X-Caller');
        if (user === 'blocked') return { reject: 403, reason: 'Not On Allowlist' };
        if (user === 'scanner') return 'drop';
        return 'accept';
      },
      timers: { t1: 20, t2: 160, t4: 100, timerD: 100 },
    });
    const caller = await startAgent({ timers: { t1: 20, t2: 160, t4: 100, timerD: 100 } });
    const to = `sip:agent@127.0.0.1:${agent.ports.udp}`;
    await expect(caller.invite({ to, sdp: offerSdp(), headers: { 'X-Caller': 'blocked' } }).answered).rejects.toMatchObject({
      status: 403,
      reason: 'Not On Allowlist',
    });
    await expect(caller.invite({ to, sdp: offerSdp(), headers: { 'X-Caller': 'scanner' } }).answered).rejects.toMatchObject({
      status: 408,
    });
  });
});
