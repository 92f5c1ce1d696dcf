import { EndReason, Track, type AudioFrame, type CallChannel as ChannelKind, type CallControl, type CallEvent } from '@voiceagent/contracts';
import type { Logger } from '@voiceagent/telemetry';
import type { CallChannel } from '../ports/call-channel';
import type { CallLeg } from '../ports/call-leg';

export interface MediaCallOptions {
  readonly callId: string;
  readonly leg: CallLeg;
  readonly channel: CallChannel;
  readonly kind: ChannelKind;
  /** Play the caller's audio straight back (line test without the speech stages). */
  readonly echo: boolean;
  readonly logger: Logger;
  /** Wall clock in ms; injectable for tests. */
  readonly now?: () => number;
}

export interface CallSummary {
  readonly reason: EndReason;
  readonly detail: string;
  readonly durationMs: number;
  readonly framesIn: number;
  readonly framesOut: number;
  readonly framesFlushed: number;
}

/**
 * One answered call as the media service sees it: caller audio goes to the
 * bus, agent audio comes back to the caller, control messages (hangup,
 * transfer, flush, DTMF, mute) are carried out, and the call ends exactly
 * once, releasing everything it held. Telephony details stay behind CallLeg.
 */
export class MediaCall {
  private readonly now: () => number;
  private readonly startedAtMs: number;
  private readonly frameBytes: number;
  private sequence = 0;
  private muted = false;
  private framesIn = 0;
  private framesOut = 0;
  private framesFlushed = 0;
  private misfitFrames = 0;
  private unfollow: (() => void) | undefined;
  private summary: CallSummary | undefined;
  private resolveEnded!: (summary: CallSummary) => void;
  /** Resolves once the call has ended and released its resources. */
  readonly ended = new Promise<CallSummary>((resolve) => (this.resolveEnded = resolve));

  constructor(private readonly options: MediaCallOptions) {
    this.now = options.now ?? Date.now;
    this.startedAtMs = this.now();
    this.frameBytes = (options.leg.parties.sampleRateHz / 50) * 2;
  }

  get callId(): string {
    return this.options.callId;
  }

  /** Announces the call on `calls.lifecycle` and starts moving audio. */
  start(): void {
    const { leg, channel, kind } = this.options;
    this.unfollow = channel.follow({
      onAgentAudio: (frame) => this.playAgentAudio(frame),
      onControl: (control) => void this.control(control),
      onCallerSpeech: () => this.flushPlayback('caller speech'),
    });
    channel.publishLifecycle(
      this.event({
        $case: 'started',
        started: { channel: kind, caller: leg.parties.caller, called: leg.parties.called, sipHeaders: { ...leg.parties.headers }, sampleRateHz: leg.parties.sampleRateHz, contactId: '' },
      }),
    );
    leg.listen({
      onAudio: (pcm) => this.callerAudio(pcm),
      onDtmf: (digit, durationMs) => channel.publishDtmf(digit, durationMs),
      onEnded: (reason, detail) => this.finish(reason, detail),
    });
  }

  /** Ends the call from our side (service stopping, or a hangup control). */
  async hangup(reason: EndReason, detail: string): Promise<CallSummary> {
    if (!this.summary) {
      await this.options.leg.hangup(detail).catch((err: unknown) => this.options.logger.warn({ err, callId: this.callId }, 'hangup failed'));
      this.finish(reason, detail);
    }
    return this.ended;
  }

  private callerAudio(pcm: Uint8Array): void {
    if (this.summary) return;
    this.framesIn++;
    if (this.options.echo) this.options.leg.play(pcm);
    if (this.muted) return;
    this.options.channel.publishCallerAudio({
      callId: this.callId,
      sequence: this.sequence++,
      sampleRateHz: this.options.leg.parties.sampleRateHz,
      channels: 1,
      pcm,
      capturedAtUs: this.now() * 1000,
      track: Track.TRACK_CALLER,
      endOfUtterance: false,
    });
  }

  private playAgentAudio(frame: AudioFrame): void {
    if (this.summary) return;
    const { leg } = this.options;
    // The contract is 20 ms at the call's rate; a short last frame is padded,
    // anything else is a producer bug that must not reach the caller as noise.
    if (frame.sampleRateHz !== leg.parties.sampleRateHz || frame.pcm.length > this.frameBytes || frame.pcm.length % 2 !== 0) {
      if (this.misfitFrames++ === 0) {
        this.options.logger.warn({ callId: this.callId, sampleRateHz: frame.sampleRateHz, bytes: frame.pcm.length, expected: this.frameBytes }, 'agent audio frame does not fit the call; dropped');
      }
      return;
    }
    let pcm = frame.pcm;
    if (pcm.length < this.frameBytes) {
      pcm = new Uint8Array(this.frameBytes);
      pcm.set(frame.pcm);
    }
    this.framesOut++;
    leg.play(pcm);
  }

  private flushPlayback(why: string): void {
    if (this.summary || !this.options.leg.isPlaying()) return;
    const dropped = this.options.leg.flush();
    this.framesFlushed += dropped;
    this.options.logger.info({ callId: this.callId, dropped, why }, 'playback flushed');
  }

  private async control(control: CallControl): Promise<void> {
    if (this.summary || !control.action) return;
    const { action } = control;
    const { logger, leg, channel } = this.options;
    switch (action.$case) {
      case 'hangup':
        await this.hangup(EndReason.END_REASON_AGENT_HANGUP, action.hangup.reason || 'agent hung up');
        return;
      case 'flushPlayback':
        this.flushPlayback('flush control');
        return;
      case 'dtmf':
        leg.sendDtmf(action.dtmf.digits);
        return;
      case 'mute':
        this.muted = action.mute.muted;
        logger.info({ callId: this.callId, muted: this.muted }, 'caller audio mute changed');
        return;
      case 'transfer': {
        const { target, reason } = action.transfer;
        logger.info({ callId: this.callId, target, reason }, 'transferring');
        const outcome = await leg.transfer(target).catch((err: unknown) => ({ success: false, sipStatus: 0, detail: err instanceof Error ? err.message : String(err) }));
        channel.publishLifecycle(this.event({ $case: 'transferResult', transferResult: { target, ...outcome } }));
        if (outcome.success) await this.hangup(EndReason.END_REASON_TRANSFERRED, `transferred to ${target}`);
        else logger.warn({ callId: this.callId, target, ...outcome }, 'transfer failed; the call stays with the agent');
        return;
      }
    }
  }

  private finish(reason: EndReason, detail: string): void {
    if (this.summary) return;
    const durationMs = Math.max(0, this.now() - this.startedAtMs);
    this.summary = { reason, detail, durationMs, framesIn: this.framesIn, framesOut: this.framesOut, framesFlushed: this.framesFlushed };
    this.unfollow?.();
    this.options.leg.release();
    this.options.channel.publishLifecycle(this.event({ $case: 'ended', ended: { reason, detail, durationMs } }));
    this.resolveEnded(this.summary);
  }

  private event(event: NonNullable<CallEvent['event']>): CallEvent {
    return { callId: this.callId, time: new Date(this.now()), event };
  }
}
