import { afterEach, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { alaw, mulaw, type JitterFrameKind } from '@voiceagent/audio';
import { RtpPortError, RtpSession, sharedPacingScheduler, type DtmfDigitEvent, type RtpSessionOptions } from '../src/rtp';
import { hex, isSilent, pcmuPacket, RtpSink, samplesOf, sleep, throughCodec, toneFrames, until } from './rtp-helpers';

const opened: Array<{ close(): Promise<void> }> = [];

async function open(options: Partial<RtpSessionOptions> = {}): Promise<RtpSession> {
  const session = await RtpSession.open({ codec: 'PCMU', port: 0, localAddress: '127.0.0.1', ...options });
  opened.push(session);
  return session;
}

async function sink(): Promise<RtpSink> {
  const s = await RtpSink.open();
  opened.push(s);
  return s;
}

/** Two sessions on loopback, each sending to the other. */
async function pair(options: Partial<RtpSessionOptions> = {}): Promise<[RtpSession, RtpSession]> {
  const a = await open(options);
  const b = await open({ ...options, remote: { address: '127.0.0.1', port: a.localPort } });
  a.updateRemote('127.0.0.1', b.localPort);
  return [a, b];
}

interface Heard {
  readonly frames: Array<{ frame: Uint8Array; kind: JitterFrameKind }>;
  readonly digits: DtmfDigitEvent[];
  readonly errors: unknown[];
  /** Received packets carrying sound, in playout order. */
  sounds(): Uint8Array[];
}

function listen(session: RtpSession): Heard {
  const heard: Heard = {
    frames: [],
    digits: [],
    errors: [],
    sounds: () => heard.frames.filter((f) => f.kind === 'packet' && !isSilent(f.frame)).map((f) => f.frame),
  };
  session.listen({ onAudio: (frame, kind) => heard.frames.push({ frame, kind }), onDtmf: (d) => heard.digits.push(d), onError: (e) => heard.errors.push(e) });
  return heard;
}

const resources = (type: string) => process.getActiveResourcesInfo().filter((r) => r === type).length;

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe('RtpSession over loopback', () => {
  it.each([
    ['PCMU', mulaw],
    ['PCMA', alaw],
  ] as const)('carries a tone %s end to end: decoded frames arrive in order, bit-exact to the codec, 20 ms each', async (codecName, codec) => {
    const [a, b] = await pair({ codec: codecName });
    const heard = listen(b);
    const tone = toneFrames(50);
    for (const frame of tone) a.play(frame);
    expect(a.isPlaying()).toBe(true);
    await until(() => !a.isPlaying(), 5000, 'the tone to be sent');
    // The far end's jitter buffer holds at most 120 ms.
    await sleep(250);
    expect(heard.frames.every((f) => f.frame.length === 320)).toBe(true);
    // In order and bit-exact to the codec. On a loaded machine the jitter buffer may trim
    // a frame or two of latency after a stalled event loop, so a few may be missing.
    const sounds = heard.sounds();
    expect(sounds.length).toBeGreaterThanOrEqual(45);
    const expected = tone.map((f) => Buffer.from(throughCodec(codec, f)).toString('hex'));
    let next = 0;
    let signal = 0;
    let noise = 0;
    for (const frame of sounds) {
      const index = expected.indexOf(Buffer.from(frame).toString('hex'), next);
      expect(index).toBeGreaterThanOrEqual(next);
      next = index + 1;
      const sent = samplesOf(tone[index]!);
      samplesOf(frame).forEach((s, i) => {
        signal += sent[i]! ** 2;
        noise += (s - sent[i]!) ** 2;
      });
    }
    expect(10 * Math.log10(signal / noise)).toBeGreaterThan(30);
    expect(a.stats()).toMatchObject({ queuedFrames: 0, sendErrors: 0 });
    expect(b.stats()).toMatchObject({ lost: 0, invalidPackets: 0, ignoredPackets: 0 });
    expect(b.stats().bytesReceived).toBe(b.stats().packetsReceived * 160);
    expect(heard.errors).toEqual([]);
  });

  it('latches onto the real source when it differs from the SDP address, then ignores other sources until updateRemote()', async () => {
    const declared = await sink();
    const intruder = await sink();
    const a = await open();
    const b = await open({ remote: { address: '127.0.0.1', port: declared.port } });
    a.updateRemote('127.0.0.1', b.localPort);
    const heardByA = listen(a);
    await until(() => b.isLatched, 2000, 'latching');
    expect(b.remote).toEqual({ address: '127.0.0.1', port: a.localPort });

    for (const frame of toneFrames(10)) b.play(frame);
    await until(() => heardByA.sounds().length >= 10, 3000, 'B audio at A');
    const strayBefore = declared.received.length;
    await sleep(100);
    expect(declared.received.length).toBe(strayBefore);

    const ignoredBefore = b.stats().ignoredPackets;
    for (let i = 0; i < 5; i++) await intruder.send(pcmuPacket({ sequenceNumber: i, timestamp: i * 160, ssrc: 666 }), b.localPort);
    await until(() => b.stats().ignoredPackets === ignoredBefore + 5, 2000, 'intruder packets ignored');
    expect(b.remote?.port).toBe(a.localPort);
    expect(intruder.received).toHaveLength(0);

    // A re-INVITE moves the far end: A falls silent, the new source is latched.
    a.hold(true);
    await sleep(60);
    b.updateRemote('127.0.0.1', intruder.port);
    expect(b.isLatched).toBe(false);
    await until(() => intruder.received.length > 0, 2000, 'audio to the new remote');
    await intruder.send(pcmuPacket({ sequenceNumber: 9, timestamp: 9 * 160, ssrc: 666 }), b.localPort);
    await until(() => b.isLatched, 2000, 'latching on the new remote');
    expect(b.remote).toEqual({ address: '127.0.0.1', port: intruder.port });
  });

  it('with symmetric RTP off, keeps sending to the SDP address and takes packets from anywhere', async () => {
    const declared = await sink();
    const a = await open();
    const b = await open({ symmetric: false, remote: { address: '127.0.0.1', port: declared.port } });
    a.updateRemote('127.0.0.1', b.localPort);
    const heard = listen(b);
    for (const frame of toneFrames(5)) a.play(frame);
    await until(() => heard.sounds().length >= 5, 3000, 'audio at B');
    const before = declared.received.length;
    await until(() => declared.received.length > before + 5, 2000, 'B still sending to the SDP address');
    expect(b.isLatched).toBe(false);
  });

  it('flush() drops queued playback at once and says how much (barge-in)', async () => {
    const [a, b] = await pair();
    const heard = listen(b);
    for (const frame of toneFrames(150)) a.play(frame);
    await until(() => heard.sounds().length >= 10, 3000, 'playback to start');
    const dropped = a.flush();
    expect(dropped).toBeGreaterThan(100);
    expect(dropped).toBeLessThan(140);
    expect(a.isPlaying()).toBe(false);
    expect(a.flush()).toBe(0);
    expect(a.stats()).toMatchObject({ flushedFrames: dropped, queuedFrames: 0 });
    await sleep(300);
    // What was already sent plays out (less a frame or two the jitter buffer may trim on a loaded machine).
    expect(heard.sounds().length).toBeLessThanOrEqual(150 - dropped);
    expect(heard.sounds().length).toBeGreaterThanOrEqual(150 - dropped - 4);
    expect(heard.frames.slice(-5).every((f) => isSilent(f.frame))).toBe(true);
  });

  it('tells the sender when a frame has gone out, or that it never will (flushed, closed)', async () => {
    const far = await sink();
    const a = await open({ remote: { address: '127.0.0.1', port: far.port }, idleAudio: 'none' });
    const tone = toneFrames(3);
    const outcomes: Array<{ sent: boolean; packetsSent: number }> = [];
    a.play(tone[0]!);
    a.play(tone[1]!, (sent) => outcomes.push({ sent, packetsSent: a.stats().packetsSent }));
    a.play(tone[2]!);
    await until(() => outcomes.length > 0, 2000, 'the second frame to go out');
    // Told once, as its packet left: the one before it had gone already.
    expect(outcomes).toEqual([{ sent: true, packetsSent: 2 }]);
    await until(() => far.received.length >= 2, 2000, 'the packets to arrive');
    expect(Buffer.from(far.received[1]!.packet.payload).toString('hex')).toBe(Buffer.from(mulaw.encode(samplesOf(tone[1]!))).toString('hex'));

    const dropped: boolean[] = [];
    for (const frame of toneFrames(20)) a.play(frame);
    a.play(tone[0]!, (sent) => dropped.push(sent));
    a.flush();
    expect(dropped).toEqual([false]);
    a.play(tone[0]!, (sent) => dropped.push(sent));
    await a.close();
    expect(dropped).toEqual([false, false]);
    expect(outcomes).toHaveLength(1);
  });

  it('sends DTMF that the far end reports once per digit, ahead of queued audio, without counting loss', async () => {
    const [a, b] = await pair({ telephoneEventPayloadType: 101 });
    const heard = listen(b);
    for (const frame of toneFrames(20)) a.play(frame);
    a.sendDtmf('1*9#');
    await until(() => heard.digits.length === 4, 5000, 'four digits');
    expect(heard.digits.map((d) => d.digit)).toEqual(['1', '*', '9', '#']);
    expect(heard.digits.every((d) => d.durationMs === 100)).toBe(true);
    await until(() => heard.sounds().length >= 20, 3000, 'the audio after the digits');
    await sleep(300);
    expect(heard.digits).toHaveLength(4);
    expect(a.stats().dtmfSent).toBe(4);
    expect(b.stats()).toMatchObject({ dtmfReceived: 4, lost: 0 });
    expect(() => a.sendDtmf('12X')).toThrow(RangeError);
    expect(() => a.sendDtmf('1', { volume: 64 })).toThrow(RangeError);
    const withoutEvents = await open();
    expect(() => withoutEvents.sendDtmf('1')).toThrow(/not negotiated/);
  });

  it('with idleAudio "none" sends nothing between talkspurts, marks each start, keeps sequence numbers contiguous and timestamps on the clock; hold stops sending', async () => {
    const peer = await sink();
    const a = await open({ idleAudio: 'none', remote: { address: '127.0.0.1', port: peer.port } });
    await sleep(100);
    expect(peer.received).toHaveLength(0);
    for (const frame of toneFrames(5)) a.play(frame);
    await until(() => peer.received.length === 5, 2000, 'first talkspurt');
    await sleep(100);
    for (const frame of toneFrames(3)) a.play(frame);
    await until(() => peer.received.length === 8, 2000, 'second talkspurt');
    a.hold(true);
    for (const frame of toneFrames(3)) a.play(frame);
    await sleep(150);
    expect(peer.received).toHaveLength(8);
    a.hold(false);
    await until(() => peer.received.length === 11, 2000, 'after hold');

    const packets = peer.received.map((r) => r.packet);
    expect(packets.map((p) => p.marker)).toEqual([true, false, false, false, false, true, false, false, true, false, false]);
    packets.forEach((p, i) => {
      expect(p.payloadType).toBe(0);
      expect(p.ssrc).toBe(packets[0]!.ssrc);
      if (i > 0) expect(p.sequenceNumber).toBe((packets[i - 1]!.sequenceNumber + 1) & 0xffff);
    });
    const step = (i: number) => (packets[i]!.timestamp - packets[i - 1]!.timestamp) >>> 0;
    expect([1, 2, 3, 4, 6, 7, 9, 10].map(step)).toEqual(Array(8).fill(160));
    // The pauses advanced the timestamp by whole ticks (fewer than the 100 ms slept if a stalled loop caught up late ticks).
    for (const gap of [step(5), step(8)]) {
      expect(gap % 160).toBe(0);
      expect(gap).toBeGreaterThan(160);
    }
  });

  it('ignores RTCP, other payload types and unusable packets without latching on them', async () => {
    const peer = await sink();
    const b = await open();
    const heard = listen(b);
    await peer.send(hex('80 c8 00 06 00 00 0a bc 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00'), b.localPort);
    await peer.send(hex('81 cb 00 01 00 00 0a bc'), b.localPort);
    await peer.send(pcmuPacket({ sequenceNumber: 1, timestamp: 160, ssrc: 7, payloadType: 18 }, new Uint8Array(20)), b.localPort);
    await peer.send(pcmuPacket({ sequenceNumber: 2, timestamp: 320, ssrc: 7 }, new Uint8Array(1601)), b.localPort);
    await peer.send(hex('deadbeef'), b.localPort);
    await until(() => b.stats().invalidPackets === 2 && b.stats().rtcpReceived === 2 && b.stats().ignoredPackets === 1, 2000, 'counters');
    expect(b.isLatched).toBe(false);
    expect(b.stats().packetsReceived).toBe(0);
    await sleep(60);
    expect(heard.frames).toHaveLength(0);
    await peer.send(pcmuPacket({ sequenceNumber: 3, timestamp: 480, ssrc: 7 }), b.localPort);
    await until(() => b.isLatched, 2000, 'latching');
    expect(b.remote?.port).toBe(peer.port);
    await until(() => heard.frames.length > 0, 2000, 'playout to start');
  });

  it('releases its socket and its place on the shared clock on close(), leaving no handle behind', async () => {
    // Sockets of earlier tests finish closing first.
    await sleep(20);
    const udpBefore = resources('UDPWrap');
    const timersBefore = resources('Timeout');
    const sessions = await Promise.all([open(), open(), open()]);
    expect(resources('UDPWrap')).toBe(udpBefore + 3);
    expect(sharedPacingScheduler.size).toBe(3);
    expect(sharedPacingScheduler.active).toBe(true);
    await sleep(60);
    await Promise.all(sessions.map((s) => s.close()));
    await sessions[0]!.close();
    expect(sharedPacingScheduler.size).toBe(0);
    expect(sharedPacingScheduler.active).toBe(false);
    expect(resources('Timeout')).toBeLessThanOrEqual(timersBefore);
    // libuv finishes closing a handle on the next turn of the loop.
    await until(() => resources('UDPWrap') === udpBefore, 1000, 'the sockets to close');
    sessions[0]!.play(new Uint8Array(320));
    expect(sessions[0]!.isPlaying()).toBe(false);
  });

  it('runs a hundred sessions on the one shared timer', async () => {
    const timersBefore = resources('Timeout');
    const sessions: RtpSession[] = [];
    for (let i = 0; i < 50; i++) sessions.push(...(await pair()));
    const heard = sessions.map(listen);
    for (const session of sessions) for (const frame of toneFrames(10)) session.play(frame);
    expect(sharedPacingScheduler.size).toBe(100);
    expect(resources('Timeout')).toBeLessThanOrEqual(timersBefore + 1);
    await until(() => heard.every((h) => h.sounds().length >= 8), 10_000, 'every session to hear its peer');
    await Promise.all(sessions.map((s) => s.close()));
    expect(sharedPacingScheduler.active).toBe(false);
  });

  it('sends on a steady 20 ms clock in real time (~2 s, loose bounds)', async () => {
    const peer = await sink();
    await open({ remote: { address: '127.0.0.1', port: peer.port } });
    await sleep(2000);
    const received = peer.received;
    expect(received.length).toBeGreaterThanOrEqual(85);
    expect(received.length).toBeLessThanOrEqual(102);
    const span = received.at(-1)!.atMs - received[0]!.atMs;
    expect(span / (received.length - 1)).toBeGreaterThan(17);
    expect(span / (received.length - 1)).toBeLessThan(23);
    received.forEach((r, i) => {
      if (i === 0) return;
      const previous = received[i - 1]!.packet;
      expect(r.packet.sequenceNumber).toBe((previous.sequenceNumber + 1) & 0xffff);
      expect((r.packet.timestamp - previous.timestamp) >>> 0).toBe(160);
    });
  });
});

describe('RtpSession ports', () => {
  const bind = (port: number) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', (error) => {
        socket.close();
        reject(error);
      });
      socket.bind(port, '127.0.0.1', () => resolve(socket));
    });

  /** Binds an even port Q and Q+4, with Q+2 free, for a three-port range where only the middle is available. */
  async function blockedRange(): Promise<{ first: number; blockers: Socket[] }> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const low = await bind(0);
      const first = low.address().port;
      if (first % 2 === 0 && first + 4 <= 65535) {
        try {
          const high = await bind(first + 4);
          (await bind(first + 2)).close();
          return { first, blockers: [low, high] };
        } catch {
          // A neighbour is taken: try elsewhere.
        }
      }
      low.close();
    }
    throw new Error('no suitable port range found');
  }

  it('takes a free even port from the range, stepping over ports in use', async () => {
    const { first, blockers } = await blockedRange();
    try {
      for (let i = 0; i < 4; i++) {
        const session = await RtpSession.open({ codec: 'PCMU', localAddress: '127.0.0.1', portRange: { min: first, max: first + 5 } });
        expect(session.localPort).toBe(first + 2);
        await session.close();
      }
      await expect(RtpSession.open({ codec: 'PCMU', localAddress: '127.0.0.1', portRange: { min: first, max: first + 1 } })).rejects.toThrow(RtpPortError);
    } finally {
      for (const socket of blockers) socket.close();
    }
  });

  it('checks its options', async () => {
    await expect(RtpSession.open({ codec: 'PCMU', portRange: { min: 20001, max: 20001 } })).rejects.toThrow(RangeError);
    await expect(RtpSession.open({ codec: 'G729' as 'PCMU', port: 0 })).rejects.toThrow(/unsupported RTP codec/);
    await expect(RtpSession.open({ codec: 'PCMU', port: 0, telephoneEventPayloadType: 128 })).rejects.toThrow(RangeError);
    await expect(RtpSession.open({ codec: 'PCMU', port: 70000 })).rejects.toThrow(RangeError);
    const session = await open();
    expect(() => session.play(new Uint8Array(160))).toThrow(RangeError);
    expect(() => session.updateRemote('127.0.0.1', -1)).toThrow(RangeError);
    expect(sharedPacingScheduler.size).toBe(1);
  });
});
