import { performance } from 'node:perf_hooks';
import { WavFileWriter, int16View, linear16Bytes } from '@voiceagent/audio';
import { RtpSession, SipRequestError, createOffer, parseAnswer, type Dialog, type SipUserAgent } from '@voiceagent/sip';
import { SpeechOnsetDetector, speechEnd } from './onset';
import { CALL_RATE_HZ, type Utterance } from './utterance';

const FRAME_SAMPLES = CALL_RATE_HZ / 50;
const FRAME_MS = 20;

export interface CallScript {
  /** Request-URI of the agent, e.g. sip:agent@127.0.0.1:5060. */
  readonly to: string;
  readonly transport?: 'udp' | 'tcp';
  /** The caller's From address, e.g. `<sip:+15125550199@127.0.0.1>` (the caller id the agent sees). */
  readonly from?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** What the caller says, one utterance per turn. */
  readonly turns: readonly Utterance[];
  /** Before the first turn, wait this long for a greeting to start (then for it to finish). */
  readonly greetingTimeoutMs?: number;
  /** The agent has finished a reply after this much silence. */
  readonly agentSilenceMs?: number;
  /** Give up waiting for a reply after this long. */
  readonly replyTimeoutMs?: number;
  /** After the last turn: hang up ('caller'), or wait for the agent to end the call ('agent'). */
  readonly hangup?: 'caller' | 'agent';
  /** Record everything heard (mono linear16 8 kHz WAV). */
  readonly recordPath?: string;
  /** The one codec offered (so the answer cannot pick another); default PCMU. */
  readonly codec?: 'PCMU' | 'PCMA';
  /** Local address for RTP and SDP. */
  readonly localAddress?: string;
  readonly rtpPorts?: { readonly min: number; readonly max: number };
}

export interface TurnReport {
  readonly said: string;
  /** End of the caller's speech → first agent speech energy, measured at the caller (null: no reply). */
  readonly latencyMs: number | null;
  /** How long the agent's reply lasted. */
  readonly replyMs: number;
  /** Where the reply starts in what was heard (and recorded), from the first frame; null without a reply. */
  readonly replyAtMs: number | null;
}

export interface CallReport {
  readonly answered: boolean;
  /** Final SIP status when the call was not answered. */
  readonly status?: number;
  readonly setupMs: number;
  readonly greetingMs: number;
  readonly turns: readonly TurnReport[];
  /** Refer-To targets the agent transferred us to. */
  readonly transfers: readonly string[];
  readonly endedBy: 'caller' | 'agent' | 'failed';
  readonly durationMs: number;
  readonly rtp: { readonly packetsReceived: number; readonly lost: number; readonly late: number; readonly concealed: number; readonly framesHeard: number };
  readonly recordPath?: string;
  readonly error?: string;
}

/** Speech heard after less of a gap than this continues what came before (an echo's tail, a breath). */
const MIN_GAP_MS = 150;

/** Frames as heard: a timeline the turn logic waits on. */
class Listener {
  private readonly onset = new SpeechOnsetDetector({ minGapMs: MIN_GAP_MS });
  private waiters: Array<() => void> = [];
  /** Start times (performance clock) of speech that followed a gap. */
  private readonly onsets: number[] = [];
  framesHeard = 0;
  /** When the first frame was heard: time zero of the recording. */
  firstHeardAt: number | undefined;

  constructor(
    private readonly rtp: RtpSession,
    private readonly recorder: WavFileWriter | undefined,
  ) {}

  hear(frame: Uint8Array): void {
    this.framesHeard++;
    // Frames come out of the jitter buffer; what it holds arrived that much earlier.
    const heardAt = performance.now() - this.rtp.stats().playoutDelayMs;
    this.firstHeardAt ??= heardAt;
    const onset = this.onset.push(int16View(frame), heardAt);
    if (onset !== undefined) this.onsets.push(onset);
    void this.recorder?.write(frame);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves with the start of the first speech after `since`, or undefined after `timeoutMs`. */
  async speechAfter(since: number, timeoutMs: number): Promise<number | undefined> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const onset = this.onsets.find((at) => at >= since);
      if (onset !== undefined) return onset;
      if (performance.now() >= deadline) return undefined;
      await this.nextFrame(deadline - performance.now());
    }
  }

  get lastSpeechAt(): number {
    return this.onset.lastSpeechAt;
  }

  /** Resolves once no speech was heard for `silenceMs` (or after `timeoutMs`). */
  async silence(silenceMs: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline && performance.now() - this.lastSpeechAt < silenceMs) {
      await this.nextFrame(Math.min(silenceMs, deadline - performance.now()));
    }
  }

  private nextFrame(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(1, timeoutMs));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * Places one call and plays the script: waits out the greeting, says each
 * utterance in real time, measures how long the agent takes to answer, and
 * records what it hears. Transfers (REFER) are accepted and reported.
 */
export async function placeCall(ua: SipUserAgent, script: CallScript): Promise<CallReport> {
  const began = performance.now();
  const localAddress = script.localAddress ?? '127.0.0.1';
  const codec = script.codec ?? 'PCMU';
  const rtp = await RtpSession.open({ codec, telephoneEventPayloadType: 101, localAddress, portRange: script.rtpPorts ?? { min: 40000, max: 60000 } });
  const recorder = script.recordPath ? await WavFileWriter.create(script.recordPath, { sampleRateHz: CALL_RATE_HZ }) : undefined;
  const transfers: string[] = [];
  const turns: TurnReport[] = [];
  let endedBy: CallReport['endedBy'] = 'caller';
  let dialog: Dialog | undefined;
  let setupMs = 0;
  let greetingMs = 0;
  const listener = new Listener(rtp, recorder);
  const report = (extra: Partial<CallReport>): CallReport => {
    const stats = rtp.stats();
    return {
      answered: dialog !== undefined,
      setupMs,
      greetingMs,
      turns,
      transfers,
      endedBy,
      durationMs: Math.round(performance.now() - began),
      rtp: { packetsReceived: stats.packetsReceived, lost: stats.lost, late: stats.late, concealed: stats.concealed, framesHeard: listener.framesHeard },
      recordPath: script.recordPath,
      ...extra,
    };
  };
  try {
    const offer = createOffer({ localAddress, localPort: rtp.localPort, codecs: [codec], telephoneEvent: true });
    const call = ua.invite({ to: script.to, from: script.from, sdp: offer.sdp, transport: script.transport, headers: { 'X-Callgen': '1', ...script.headers } });
    try {
      dialog = await call.answered;
    } catch (err) {
      endedBy = 'failed';
      return report({ status: err instanceof SipRequestError ? err.status : undefined, error: err instanceof Error ? err.message : String(err) });
    }
    setupMs = Math.round(performance.now() - began);
    const answer = parseAnswer(dialog.remoteSdp ?? '');
    rtp.updateRemote(answer.remote.address, answer.remote.port);
    let agentEnded = false;
    const ended = new Promise<void>((resolve) => dialog?.onTerminated(() => resolve()));
    dialog.onBye(() => {
      agentEnded = true;
      endedBy = 'agent';
    });
    dialog.onRefer((refer) => {
      transfers.push(refer.referTo.uri);
      refer.accept();
      // Our side of a blind transfer: pretend the new call connected.
      setTimeout(() => void refer.notify(200), 50);
      return undefined;
    });
    rtp.listen({ onAudio: (frame) => listener.hear(frame) });

    const agentSilenceMs = script.agentSilenceMs ?? 700;
    const replyTimeoutMs = script.replyTimeoutMs ?? 8000;
    const greetingStart = await Promise.race([listener.speechAfter(0, script.greetingTimeoutMs ?? 1500), ended.then(() => undefined)]);
    if (greetingStart !== undefined) {
      await Promise.race([listener.silence(agentSilenceMs, 20_000), ended]);
      greetingMs = Math.round(listener.lastSpeechAt - greetingStart);
    }

    for (const utterance of script.turns) {
      if (agentEnded) break;
      const spokenUntil = speakInto(rtp, utterance.samples);
      await sleepUntil(spokenUntil.endOfSpeechAt);
      const onset = await Promise.race([listener.speechAfter(spokenUntil.endOfSpeechAt, replyTimeoutMs), ended.then(() => undefined)]);
      if (onset === undefined) {
        turns.push({ said: utterance.label, latencyMs: null, replyMs: 0, replyAtMs: null });
        continue;
      }
      await Promise.race([listener.silence(agentSilenceMs, 30_000), ended]);
      turns.push({
        said: utterance.label,
        latencyMs: Math.round(onset - spokenUntil.endOfSpeechAt),
        replyMs: Math.round(listener.lastSpeechAt - onset),
        replyAtMs: Math.round(onset - (listener.firstHeardAt ?? onset)),
      });
    }

    if (!agentEnded) {
      if (script.hangup === 'agent') await Promise.race([ended, sleep(replyTimeoutMs)]);
      if (!agentEnded && dialog.state === 'confirmed') await dialog.bye();
    }
    return report({});
  } catch (err) {
    return report({ error: err instanceof Error ? err.message : String(err) });
  } finally {
    await rtp.close();
    await recorder?.close();
  }
}

/**
 * Queues an utterance for paced sending and works out when its last speech
 * sample leaves: frame k goes out on the k-th 20 ms tick from now (within one
 * tick of phase).
 */
function speakInto(rtp: RtpSession, samples: Int16Array): { endOfSpeechAt: number } {
  const startAt = performance.now() + FRAME_MS / 2 + rtp.stats().queuedFrames * FRAME_MS;
  for (let at = 0; at < samples.length; at += FRAME_SAMPLES) {
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(samples.subarray(at, Math.min(samples.length, at + FRAME_SAMPLES)));
    rtp.play(linear16Bytes(frame));
  }
  return { endOfSpeechAt: startAt + (speechEnd(samples, CALL_RATE_HZ) / CALL_RATE_HZ) * 1000 };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const sleepUntil = (at: number) => sleep(Math.max(0, at - performance.now()));
