import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseWav, wavSamples } from '@voiceagent/audio';
import { placeCall, speak, type Utterance } from '@voiceagent/callgen';
import { EndReason } from '@voiceagent/contracts';
import { SipUserAgent } from '@voiceagent/sip';
import { startMedia, type MediaUnderTest } from '../src/media';
import { correlationPeak, longestSpeechRun } from '../src/signal';

// RTP ports of this file: the media service's and the caller's, apart from other test files'.
const MEDIA_RTP = { RTP_PORT_MIN: '32000', RTP_PORT_MAX: '32999' };
const CALLER_RTP = { min: 34000, max: 34999 };
/** The caller waits this long after the answer before speaking (there is no greeting in echo mode). */
const GREETING_WAIT_MS = 100;

let utterance: Utterance;
let dir: string;
let media: MediaUnderTest | undefined;
let ua: SipUserAgent | undefined;

beforeAll(async () => {
  utterance = await speak('What time do you open on Saturday?');
  dir = await mkdtemp(join(tmpdir(), 'e2e-echo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await ua?.close();
  await media?.stop();
  ua = undefined;
  media = undefined;
});

describe('a call to the media service in echo mode (MEDIA_ECHO=1), placed by callgen', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`hears the caller's utterance back, whole and on time (SIP over ${transport.toUpperCase()})`, async () => {
      media = await startMedia({ MEDIA_ECHO: '1', ...MEDIA_RTP });
      ua = await SipUserAgent.start({ udp: { host: '127.0.0.1', port: 0 }, tcp: { host: '127.0.0.1', port: 0 } });
      const recordPath = join(dir, `heard-${transport}.wav`);
      const report = await placeCall(ua, {
        to: media.uri,
        transport,
        turns: [utterance],
        recordPath,
        greetingTimeoutMs: GREETING_WAIT_MS,
        replyTimeoutMs: 1000,
        rtpPorts: CALLER_RTP,
      });

      expect(report.error).toBeUndefined();
      expect(report.answered).toBe(true);
      expect(report.endedBy).toBe('caller');
      expect(report.rtp).toMatchObject({ lost: 0, late: 0 });
      expect(report.rtp.framesHeard).toBeGreaterThan(utterance.samples.length / 160);

      const call = await media.nextCall();
      // callgen's own header comes through as an X- header the stages may read.
      expect(call.events[0]?.event).toMatchObject({ $case: 'started', started: { called: 'agent', sampleRateHz: 8000, sipHeaders: { 'x-callgen': '1' } } });
      expect(await media.ended(call.callId)).toMatchObject({ ended: { reason: EndReason.END_REASON_CALLER_HANGUP } });
      expect(media.harness.logs.find((line) => line.msg === 'SIP call answered')).toMatchObject({ callId: call.callId, transport });

      // The recording starts at the answer; the caller spoke GREETING_WAIT_MS later.
      const heard = wavSamples(parseWav(await readFile(recordPath)));
      const said = longestSpeechRun(utterance.samples);
      const echoed = longestSpeechRun(heard);
      expect(echoed, 'speech in the recording').toBeDefined();
      expect(Math.abs(echoed!.durationMs - said!.durationMs), `echoed ${echoed!.durationMs} ms of ${said!.durationMs} ms of speech`).toBeLessThanOrEqual(200);
      const peak = correlationPeak(heard, utterance.samples);
      // Two G.711 μ-law passes add little distortion: the echo is nearly a copy.
      expect(peak.value, 'normalised cross-correlation with the utterance').toBeGreaterThan(0.8);
      const echoDelayMs = peak.lagMs - GREETING_WAIT_MS;
      expect(echoDelayMs).toBeGreaterThan(0);
      expect(echoDelayMs, 'round trip through the media service').toBeLessThan(200);
    });
  }
});
