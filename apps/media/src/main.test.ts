import { afterEach, describe, expect, it } from 'vitest';
import { publishTo, subscribeTo } from '@voiceagent/bus';
import { EndReason, topics, type CallEvent } from '@voiceagent/contracts';
import { startServices, type ServiceHarness } from '@voiceagent/runtime/testing';
import { RtpSession, SipRequestError, SipUserAgent, createOffer, type ClientCredentials, type Dialog } from '@voiceagent/sip';
import { eventually, freePort } from '@voiceagent/testing';
import { mediaService } from './main';

interface Caller {
  readonly ua: SipUserAgent;
  readonly rtp: RtpSession;
}

const opened: Array<{ close(): Promise<void> }> = [];
let harness: ServiceHarness | undefined;

afterEach(async () => {
  for (const resource of opened.splice(0).reverse()) await resource.close();
  await harness?.stop();
  harness = undefined;
});

async function startMedia(env: Record<string, string> = {}): Promise<{ port: number; lifecycle: CallEvent[] }> {
  const port = await freePort();
  harness = await startServices([mediaService], { SIP_PORT: String(port), SIP_HOST: '127.0.0.1', RTP_PORT_MIN: '31000', RTP_PORT_MAX: '31999', ...env });
  const lifecycle: CallEvent[] = [];
  subscribeTo(harness.bus, topics.lifecycle, (e) => void lifecycle.push(e));
  return { port, lifecycle };
}

async function caller(host = '127.0.0.1'): Promise<Caller> {
  const ua = await SipUserAgent.start({ udp: { host, port: 0 }, timers: { t1: 100 } });
  const rtp = await RtpSession.open({ codec: 'PCMU', telephoneEventPayloadType: 101, localAddress: host, port: 0 });
  opened.push(ua, rtp);
  return { ua, rtp };
}

function dial(c: Caller, port: number, options: { sdp?: string; credentials?: ClientCredentials } = {}): Promise<Dialog> {
  const host = c.rtp.localAddress;
  const sdp = options.sdp ?? createOffer({ localAddress: host, localPort: c.rtp.localPort, telephoneEvent: true }).sdp;
  return c.ua.invite({ to: `sip:agent@127.0.0.1:${port}`, from: `"Ann" <sip:+15550100@${host}>`, sdp, headers: { 'User-to-User': '00abcd;encoding=hex' }, credentials: options.credentials }).answered;
}

async function startedEvent(lifecycle: CallEvent[]): Promise<CallEvent> {
  return eventually(() => {
    const started = lifecycle.find((e) => e.event?.$case === 'started');
    if (!started) throw new Error('no call started yet');
    return started;
  });
}
const callIdOf = async (lifecycle: CallEvent[]) => (await startedEvent(lifecycle)).callId;

describe('media service over SIP', () => {
  it('answers a call, announces it with caller, called and headers, and publishes caller audio', async () => {
    const { port, lifecycle } = await startMedia();
    const c = await caller();
    const dialog = await dial(c, port);
    const started = await startedEvent(lifecycle);
    expect(started.event).toMatchObject({ started: { caller: '+15550100', called: 'agent', sampleRateHz: 8000, sipHeaders: { 'user-to-user': '00abcd;encoding=hex' } } });
    const frames: number[] = [];
    subscribeTo(harness!.bus, topics.call(started.callId, 'audioIn'), (f) => void frames.push(f.pcm.length));
    await eventually(() => expect(frames.length).toBeGreaterThan(5), { timeoutMs: 3000 });
    expect(frames.every((n) => n === 320)).toBe(true);
    await dialog.bye();
    await eventually(() => expect(lifecycle.at(-1)?.event).toMatchObject({ ended: { reason: EndReason.END_REASON_CALLER_HANGUP } }));
  });

  it('plays agent audio to the caller, sends DTMF and hangs up on control messages', async () => {
    const { port, lifecycle } = await startMedia();
    const c = await caller();
    const heard: number[] = [];
    c.rtp.listen({ onAudio: (frame) => void heard.push(Math.max(...new Int16Array(frame.buffer, frame.byteOffset, 160).map(Math.abs))) });
    const dialog = await dial(c, port);
    const byed = new Promise<void>((resolve) => dialog.onBye(() => resolve()));
    const callId = await callIdOf(lifecycle);
    const tone = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    for (let i = 0; i < 25; i++) publishTo(harness!.bus, topics.call(callId, 'audioOut'), { callId, sequence: i, sampleRateHz: 8000, channels: 1, pcm: new Uint8Array(tone.buffer), capturedAtUs: 0, track: 2, endOfUtterance: false });
    await eventually(() => expect(heard.filter((peak) => peak > 4000).length).toBeGreaterThan(15), { timeoutMs: 3000 });
    publishTo(harness!.bus, topics.call(callId, 'control'), { callId, action: { $case: 'hangup', hangup: { reason: 'goodbye' } } });
    await byed;
    await eventually(() => expect(lifecycle.at(-1)?.event).toMatchObject({ ended: { reason: EndReason.END_REASON_AGENT_HANGUP } }));
  });

  it('publishes digits the caller presses, by RFC 4733 and by SIP INFO', async () => {
    const { port, lifecycle } = await startMedia();
    const c = await caller();
    const dialog = await dial(c, port);
    const callId = await callIdOf(lifecycle);
    const digits: string[] = [];
    subscribeTo(harness!.bus, topics.call(callId, 'dtmf'), (d) => void digits.push(d.digits));
    c.rtp.sendDtmf('7');
    await eventually(() => expect(digits).toEqual(['7']), { timeoutMs: 3000 });
    await dialog.sendDtmf('#', 160);
    await eventually(() => expect(digits).toEqual(['7', '#']));
    await dialog.bye();
  });

  it('transfers with REFER and reports the outcome before ending the call as transferred', async () => {
    const { port, lifecycle } = await startMedia();
    const c = await caller();
    const dialog = await dial(c, port);
    const referred: string[] = [];
    dialog.onRefer((refer) => {
      referred.push(refer.referTo.uri);
      refer.accept();
      setTimeout(() => void refer.notify(200), 20);
      return undefined;
    });
    const callId = await callIdOf(lifecycle);
    publishTo(harness!.bus, topics.call(callId, 'control'), { callId, action: { $case: 'transfer', transfer: { target: '+15550102000', reason: 'asked for a human' } } });
    await eventually(() => expect(lifecycle.at(-1)?.event).toMatchObject({ ended: { reason: EndReason.END_REASON_TRANSFERRED } }), { timeoutMs: 5000 });
    expect(referred).toEqual(['sip:+15550102000@127.0.0.1;user=phone']);
    expect(lifecycle.find((e) => e.event?.$case === 'transferResult')?.event).toMatchObject({ transferResult: { success: true, sipStatus: 200 } });
  });

  it('refuses what it cannot do: no G.711 (488), sources off the allowlist (403), beyond MAX_CALLS (503)', async () => {
    const { port } = await startMedia({ SIP_ALLOWED_SOURCES: '127.0.0.1/32', MAX_CALLS: '1' });
    const c = await caller();
    const g722 = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${c.rtp.localPort} RTP/AVP 9`, 'a=rtpmap:9 G722/8000', ''].join('\r\n');
    await expect(dial(c, port, { sdp: g722 })).rejects.toMatchObject({ status: 488 });
    const stranger = await caller('127.0.0.2');
    await expect(dial(stranger, port)).rejects.toMatchObject({ status: 403 });
    const first = await dial(c, port);
    const second = await caller();
    await expect(dial(second, port)).rejects.toMatchObject({ status: 503 });
    await first.bye();
  });

  it('requires digest authentication when SIP_DIGEST_USERS is set', async () => {
    const { port } = await startMedia({ SIP_DIGEST_USERS: 'trunk:s3cret', SIP_ALLOWED_SOURCES: '' });
    const c = await caller();
    const refused = await dial(c, port).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SipRequestError);
    expect((refused as SipRequestError).status).toBe(401);
    const wrong = await dial(c, port, { credentials: { username: 'trunk', password: 'nope' } }).catch((e: unknown) => e);
    expect((wrong as SipRequestError).status).toBe(401);
    const dialog = await dial(c, port, { credentials: { username: 'trunk', password: 's3cret' } });
    await dialog.bye();
  });

  it('hangs up calls in progress and releases every subscription when it stops', async () => {
    const { port, lifecycle } = await startMedia({ SHUTDOWN_GRACE_MS: '2000' });
    const c = await caller();
    const dialog = await dial(c, port);
    const byed = new Promise<void>((resolve) => dialog.onBye(() => resolve()));
    await callIdOf(lifecycle);
    const h = harness!;
    harness = undefined;
    await h.stop();
    await byed;
    expect(h.bus.state()).toBe('closed');
  });
});
