import { afterEach, describe, expect, it } from 'vitest';
import { mulaw } from '@voiceagent/audio';
import { PacingScheduler, RtpSession } from '../src/rtp';
import { FakeClock, fuzzSeeds, isSilent, mutate, pcmuPacket, RtpSink, samplesOf, seededRandom, sleep, throughCodec, toneFrames, until } from './rtp-helpers';

const opened: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe('RtpSession pacing over 10 simulated minutes', () => {
  it('sends one packet per tick with contiguous sequence numbers and timestamps that never drift from the clock', async () => {
    const random = seededRandom(21);
    // Timers fire up to 15 ms late, and one in fifty 60-150 ms late: catch-up bursts, but no skipped ticks.
    const clock = new FakeClock(() => (random() < 0.02 ? 60 + random() * 90 : random() * 15));
    const scheduler = new PacingScheduler({ clock });
    const peer = await RtpSink.open();
    opened.push(peer);
    const session = await RtpSession.open({ codec: 'PCMU', port: 0, localAddress: '127.0.0.1', remote: { address: '127.0.0.1', port: peer.port }, scheduler });
    opened.push(session);
    const tone = toneFrames(50);

    for (let second = 0; second < 600; second++) {
      // Some talk now and then; silence fills the rest.
      if (second % 60 === 0) for (const frame of tone) session.play(frame);
      clock.advance(1000);
      await until(() => peer.received.length === session.stats().packetsSent, 5000, `packets of second ${second}`);
    }

    const packets = peer.received.map((r) => r.packet);
    expect(packets.length).toBe(scheduler.stats().ticks);
    expect(packets.length).toBeGreaterThanOrEqual(30_000 - 8);
    expect(scheduler.stats().skippedTicks).toBe(0);
    expect(scheduler.stats().lateWakeUps).toBeGreaterThan(100);
    let discontinuities = 0;
    for (let i = 1; i < packets.length; i++) {
      const previous = packets[i - 1]!;
      const packet = packets[i]!;
      if (packet.sequenceNumber !== ((previous.sequenceNumber + 1) & 0xffff) || ((packet.timestamp - previous.timestamp) >>> 0) !== 160 || packet.ssrc !== previous.ssrc || packet.marker) discontinuities++;
    }
    expect(discontinuities).toBe(0);
    expect(packets[0]!.marker).toBe(true);
    expect(packets.filter((p) => !p.payload.every((b) => b === 0xff)).length).toBe(10 * 50);
  });
});

describe('RtpSession under fuzz', () => {
  it('survives 20,000 mutated packets from its peer and keeps carrying audio both ways', async () => {
    const random = seededRandom(0xf00d);
    const peer = await RtpSink.open();
    opened.push(peer);
    const session = await RtpSession.open({ codec: 'PCMU', telephoneEventPayloadType: 101, port: 0, localAddress: '127.0.0.1' });
    opened.push(session);
    const frames: Uint8Array[] = [];
    const errors: unknown[] = [];
    session.listen({ onAudio: (frame, kind) => kind === 'packet' && frames.push(frame), onError: (e) => errors.push(e) });

    const seeds = fuzzSeeds();
    // Every datagram lands in exactly one of these counters.
    const processed = () => {
      const { packetsReceived, rtcpReceived, invalidPackets, ignoredPackets } = session.stats();
      return packetsReceived + rtcpReceived + invalidPackets + ignoredPackets;
    };
    for (let sent = 0; sent < 20_000; ) {
      await peer.send(mutate(seeds[sent % seeds.length]!, random), session.localPort);
      // Batches small enough for the socket buffer: the test is about the session, not the kernel dropping.
      if (++sent % 100 === 0) await until(() => processed() === sent, 5000, `${sent} datagrams processed`);
    }
    const stats = session.stats();
    expect(stats.invalidPackets).toBeGreaterThan(1000);
    expect(stats.packetsReceived).toBeGreaterThan(1000);
    expect(stats.rtcpReceived).toBeGreaterThan(100);
    expect(session.isLatched).toBe(true);
    expect(session.remote?.port).toBe(peer.port);

    // A clean stream afterwards plays out, decoded exactly.
    const tone = toneFrames(40, 700);
    const sentBefore = peer.received.length;
    const heardBefore = frames.length;
    for (let n = 0; n < tone.length; n++) {
      await peer.send(pcmuPacket({ sequenceNumber: 30_000 + n, timestamp: 900_000 + n * 160, ssrc: 0x7e57, marker: n === 0 }, mulaw.encode(samplesOf(tone[n]!))), session.localPort);
      await sleep(20);
    }
    await until(() => frames.slice(heardBefore).filter((f) => !isSilent(f)).length >= 35, 3000, 'the clean tone');
    const expected = new Set(tone.map((f) => Buffer.from(throughCodec(mulaw, f)).toString('hex')));
    const heard = frames.slice(heardBefore).filter((f) => !isSilent(f));
    expect(heard.filter((f) => expected.has(Buffer.from(f).toString('hex'))).length).toBeGreaterThanOrEqual(35);
    expect(peer.received.length).toBeGreaterThan(sentBefore + 30);
    expect(errors).toEqual([]);
  });
});
