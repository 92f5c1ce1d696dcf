import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseWav, wavSamples } from '@voiceagent/audio';
import { placeCall, speak, type Utterance } from '@voiceagent/callgen';
import { RtpSession, SipUserAgent, negotiateAnswer, type G711Codec } from '@voiceagent/sip';
import { correlationPeak } from '../src/signal';

const CALLER_RTP = { min: 34000, max: 34999 };

let utterance: Utterance;
let dir: string;
const opened: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  utterance = await speak('What time do you open on Saturday?');
  dir = await mkdtemp(join(tmpdir(), 'e2e-codecs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const resource of opened.splice(0).reverse()) await resource.close();
});

/**
 * A far end that takes only `codecs` and echoes the caller's audio as
 * MEDIA_ECHO does, built from our SIP stack so the test controls its codecs.
 */
async function echoFarEnd(codecs: readonly G711Codec[]): Promise<string> {
  const ua = await SipUserAgent.start({ udp: { host: '127.0.0.1', port: 0 } });
  opened.push(ua);
  ua.onCall((call) => {
    void (async () => {
      let media;
      try {
        media = negotiateAnswer(call.offer ?? '', { localAddress: '127.0.0.1', localPort: 9, codecs });
      } catch {
        call.reject(488);
        return;
      }
      const rtp = await RtpSession.open({ codec: media.codec.name, localAddress: '127.0.0.1', port: 0 });
      opened.push(rtp);
      media = negotiateAnswer(call.offer ?? '', { localAddress: '127.0.0.1', localPort: rtp.localPort, codecs });
      rtp.updateRemote(media.remote.address, media.remote.port);
      rtp.listen({ onAudio: (frame) => rtp.play(frame) });
      const dialog = await call.answer(media.sdp);
      dialog.onTerminated(() => void rtp.close());
    })();
  });
  return `sip:echo@127.0.0.1:${ua.ports.udp}`;
}

describe('callgen offers one codec and talks in it (PCMU, PCMA)', () => {
  it('is refused (488) by a far end without its codec, and says so', async () => {
    const to = await echoFarEnd(['PCMU']);
    const ua = await SipUserAgent.start({ udp: { host: '127.0.0.1', port: 0 } });
    opened.push(ua);
    const report = await placeCall(ua, { to, codec: 'PCMA', turns: [utterance], rtpPorts: CALLER_RTP });
    expect(report).toMatchObject({ answered: false, status: 488, endedBy: 'failed' });
  });

  for (const codec of ['PCMU', 'PCMA'] as const) {
    it(`speaks and hears in ${codec}`, async () => {
      const to = await echoFarEnd(['PCMU', 'PCMA']);
      const ua = await SipUserAgent.start({ udp: { host: '127.0.0.1', port: 0 } });
      opened.push(ua);
      const recordPath = join(dir, `heard-${codec}.wav`);
      const report = await placeCall(ua, { to, codec, turns: [utterance], recordPath, greetingTimeoutMs: 100, replyTimeoutMs: 1000, rtpPorts: CALLER_RTP });
      expect(report.answered).toBe(true);
      expect(report.error).toBeUndefined();
      expect(report.rtp.packetsReceived, 'RTP packets callgen accepted from the far end').toBeGreaterThan(100);
      const heard = wavSamples(parseWav(await readFile(recordPath)));
      expect(correlationPeak(heard, utterance.samples).value, 'the utterance, echoed').toBeGreaterThan(0.8);
    });
  }
});
