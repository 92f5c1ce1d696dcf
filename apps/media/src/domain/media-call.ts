import {
  EndReason,
  Route,
  Track,
  routeToJSON,
  type AudioFrame,
  type CallChannel as ChannelKind,
  type CallControl,
  type CallEvent,
  type CallRouted,
  type CallStarted,
} from '@voiceagent/contracts';
import type { Logger } from '@voiceagent/telemetry';
import type { CallChannel } from '../ports/call-channel';
import type { CallLeg, TransferOutcome } from '../ports/call-leg';
import type { CallRouter } from '../ports/call-router';
import type { VoicemailBox } from '../ports/voicemail-box';
import { PlayoutWatch, type PlayoutTiming } from './playout-watch';
import { voicemailTone } from './tone';
import { DEFAULT_VOICEMAIL_SETTINGS, VoicemailRecording, type VoicemailSettings } from './voicemail-recording';

export interface MediaCallOptions {
  readonly callId: string;
  readonly leg: CallLeg;
  readonly channel: CallChannel;
  readonly kind: ChannelKind;
  /** Play the caller's audio straight back (line test without the speech stages). */
  readonly echo: boolean;
  readonly logger: Logger;
  /** Asks how the call is routed before it is announced; absent: every call is an AI session. */
  readonly router?: CallRouter;
  /** Where a voicemail call's message is kept; absent: such a call is hung up after the announcement. */
  readonly voicemail?: VoicemailBox;
  readonly voicemailSettings?: VoicemailSettings;
  readonly playoutTiming?: PlayoutTiming;
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
  /** How the call was routed ("ROUTE_AI_SESSION", ...); "unrouted" when it ended before that. */
  readonly route: string;
  /** The voicemail the caller left, once stored. */
  readonly voicemailId?: string;
}

const aiSession = (reason: string): CallRouted => ({ route: Route.ROUTE_AI_SESSION, reason, target: '', announcement: '' });

/**
 * One answered call as the media service sees it. The call is routed first
 * (CallRouter: the gateway's rules) and announced on `calls.lifecycle` with
 * its route. An AI session moves caller audio to the bus and agent audio back
 * to the caller, and carries out control messages (hangup, transfer, flush,
 * DTMF, mute). A voicemail call plays the announcement, a tone, records the
 * caller until silence, the length limit or hangup, and stores the message.
 * A call for a person plays the announcement and is transferred (REFER); if
 * that fails the caller can leave a voicemail. The call ends exactly once,
 * releasing everything it held. Telephony details stay behind CallLeg, the
 * routing policy behind CallRouter.
 */
export class MediaCall {
  private readonly now: () => number;
  private readonly startedAtMs: number;
  private readonly frameBytes: number;
  private readonly playout: PlayoutWatch;
  private readonly voicemailSettings: VoicemailSettings;
  private sequence = 0;
  private muted = false;
  private framesIn = 0;
  private framesOut = 0;
  private framesFlushed = 0;
  private misfitFrames = 0;
  private routing: CallRouted | undefined;
  private recording: VoicemailRecording | undefined;
  private recordingStopped = false;
  private silenceTimer: ReturnType<typeof setTimeout> | undefined;
  private unfollow: (() => void) | undefined;
  private unfollowTranscript: (() => void) | undefined;
  private summary: CallSummary | undefined;
  private resolveEnded!: (summary: CallSummary) => void;
  /** Resolves once the call has ended, released its resources and stored its voicemail. */
  readonly ended = new Promise<CallSummary>((resolve) => (this.resolveEnded = resolve));

  constructor(private readonly options: MediaCallOptions) {
    this.now = options.now ?? Date.now;
    this.startedAtMs = this.now();
    this.frameBytes = (options.leg.parties.sampleRateHz / 50) * 2;
    this.playout = new PlayoutWatch(() => options.leg.isPlaying(), options.playoutTiming);
    this.voicemailSettings = options.voicemailSettings ?? DEFAULT_VOICEMAIL_SETTINGS;
  }

  get callId(): string {
    return this.options.callId;
  }

  /** Follows the call, asks how it is routed, then announces it on `calls.lifecycle` and carries the route out. */
  start(): void {
    const { leg, channel, logger } = this.options;
    this.unfollow = channel.follow({
      onAgentAudio: (frame, onSent) => this.playAgentAudio(frame, onSent),
      onControl: (control) => this.background(this.control(control), 'call control failed'),
      onCallerSpeech: () => this.bargeIn(),
    });
    leg.listen({
      onAudio: (pcm) => this.callerAudio(pcm),
      onDtmf: (digit, durationMs) => channel.publishDtmf(digit, durationMs),
      onEnded: (reason, detail) => this.finish(reason, detail),
    });
    void this.route()
      .then((routing) => this.announce(routing))
      .catch((err: unknown) => logger.error({ err, callId: this.callId }, 'call routing failed'));
  }

  /** Ends the call from our side (service stopping, or a hangup control). */
  async hangup(reason: EndReason, detail: string): Promise<CallSummary> {
    if (!this.summary) {
      await this.options.leg.hangup(detail).catch((err: unknown) => this.options.logger.warn({ err, callId: this.callId }, 'hangup failed'));
      this.finish(reason, detail);
    }
    return this.ended;
  }

  private startedCall(): CallStarted {
    const { leg, kind } = this.options;
    const { caller, called, headers, sampleRateHz } = leg.parties;
    return { channel: kind, caller, called, sipHeaders: { ...headers }, sampleRateHz, contactId: '' };
  }

  /** The router's decision; an AI session when there is no router or it does not answer (fail open). */
  private async route(): Promise<CallRouted> {
    const { router, logger } = this.options;
    if (!router) return aiSession('not routed');
    try {
      const routing = await router.route(this.callId, this.startedCall());
      if (routing.route === Route.ROUTE_HUMAN && !routing.target.trim()) return aiSession('no transfer target for a person');
      return routing.route === Route.ROUTE_UNSPECIFIED ? aiSession('router gave no route') : routing;
    } catch (err) {
      logger.warn({ err, callId: this.callId }, 'call routing unavailable: taking the call as an AI session');
      return aiSession('router unavailable');
    }
  }

  private announce(routing: CallRouted): void {
    // The caller hung up while the call was being routed: nothing to announce.
    if (this.summary) return;
    this.routing = routing;
    const { channel, logger } = this.options;
    // Watching starts before the stages hear of the call, so no announcement frame is missed.
    const announcement = routing.route === Route.ROUTE_AI_SESSION ? undefined : this.playout.announcement();
    channel.publishLifecycle(this.event({ $case: 'started', started: { ...this.startedCall(), routing } }));
    channel.publishLifecycle(this.event({ $case: 'routed', routed: routing }));
    logger.info({ callId: this.callId, route: routeToJSON(routing.route), reason: routing.reason, target: routing.target || undefined }, 'call routed');
    if (!announcement) return;
    if (routing.route === Route.ROUTE_HUMAN) this.background(this.transferToPerson(routing, announcement), 'transfer to a person failed');
    else this.background(this.takeVoicemail(announcement), 'voicemail failed');
  }

  /** Work started from an event handler: a failure is logged, never an unhandled rejection that would stop the process. */
  private background(work: Promise<unknown>, what: string): void {
    work.catch((err: unknown) => this.options.logger.error({ err, callId: this.callId }, what));
  }

  private async transferToPerson(routing: CallRouted, announcement: Promise<boolean>): Promise<void> {
    await announcement;
    if (this.summary) return;
    const outcome = await this.transfer(routing.target, routing.reason);
    if (outcome.success || this.summary) return;
    this.options.logger.warn({ callId: this.callId, target: routing.target }, 'transfer to a person failed: taking a voicemail instead');
    await this.takeVoicemail(Promise.resolve(false));
  }

  /** After the announcement: the tone, then the caller's message until silence, the length limit or hangup. */
  private async takeVoicemail(announcement: Promise<boolean>): Promise<void> {
    const { leg, channel, voicemail, logger } = this.options;
    await announcement;
    if (this.summary) return;
    if (!voicemail) {
      await this.hangup(EndReason.END_REASON_AGENT_HANGUP, 'no voicemail box');
      return;
    }
    for (const frame of voicemailTone(leg.parties.sampleRateHz)) leg.play(frame);
    await this.playout.playedOut();
    if (this.summary) return;
    const recording = new VoicemailRecording(leg.parties.sampleRateHz, this.voicemailSettings, this.now());
    this.recording = recording;
    this.unfollowTranscript = channel.followTranscript((text) => recording.hear(text));
    this.watchSilence(this.voicemailSettings.silenceMs);
    logger.info({ callId: this.callId, maxMs: this.voicemailSettings.maxMs, silenceMs: this.voicemailSettings.silenceMs }, 'recording voicemail');
  }

  private watchSilence(ms: number): void {
    this.silenceTimer = setTimeout(() => {
      const left = this.recording?.silenceLeftMs(this.now()) ?? 0;
      if (left > 0) this.watchSilence(left);
      else this.background(this.stopRecording('silence'), 'voicemail failed');
    }, ms);
  }

  private async stopRecording(why: string): Promise<void> {
    if (this.summary || this.recordingStopped) return;
    this.recordingStopped = true;
    clearTimeout(this.silenceTimer);
    await this.hangup(EndReason.END_REASON_AGENT_HANGUP, `voicemail recorded (${why})`);
  }

  /** Stores the message the caller left, if any; resolves with its id. */
  private async keepVoicemail(): Promise<string | undefined> {
    const { recording } = this;
    const { voicemail, leg, logger } = this.options;
    try {
      // Hung up at the tone: no message.
      if (!recording || !voicemail || recording.durationMs === 0) return undefined;
      const id = await voicemail.store({
        callId: this.callId,
        callerNumber: leg.parties.caller,
        pcm: recording.pcm,
        sampleRateHz: leg.parties.sampleRateHz,
        transcript: recording.transcript,
      });
      logger.info({ callId: this.callId, voicemailId: id, durationMs: recording.durationMs, transcribed: recording.transcript !== '' }, 'voicemail stored');
      return id;
    } catch (err) {
      logger.error({ err, callId: this.callId, durationMs: recording?.durationMs }, 'voicemail not stored');
      return undefined;
    } finally {
      this.unfollowTranscript?.();
    }
  }

  private callerAudio(pcm: Uint8Array): void {
    if (this.summary) return;
    this.framesIn++;
    if (this.options.echo) this.options.leg.play(pcm);
    // Nothing goes out before the call is announced: no stage follows it yet.
    if (this.muted || !this.routing) return;
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
    if (this.recording && !this.recordingStopped && !this.recording.add(pcm, this.now())) this.background(this.stopRecording('length limit'), 'voicemail failed');
  }

  private playAgentAudio(frame: AudioFrame, onSent?: (sent: boolean) => void): void {
    if (this.summary) return onSent?.(false);
    const { leg } = this.options;
    // The contract is 20 ms at the call's rate; a short last frame is padded,
    // anything else is a producer bug that must not reach the caller as noise.
    if (frame.sampleRateHz !== leg.parties.sampleRateHz || frame.pcm.length > this.frameBytes || frame.pcm.length % 2 !== 0) {
      if (this.misfitFrames++ === 0) {
        this.options.logger.warn({ callId: this.callId, sampleRateHz: frame.sampleRateHz, bytes: frame.pcm.length, expected: this.frameBytes }, 'agent audio frame does not fit the call; dropped');
      }
      return onSent?.(false);
    }
    let pcm = frame.pcm;
    if (pcm.length < this.frameBytes) {
      pcm = new Uint8Array(this.frameBytes);
      pcm.set(frame.pcm);
    }
    this.framesOut++;
    leg.play(pcm, onSent);
    this.playout.frame(frame.endOfUtterance);
  }

  /** The caller started speaking: stop the agent, except on announcements that must be heard whole. */
  private bargeIn(): void {
    if (this.routing && this.routing.route !== Route.ROUTE_AI_SESSION) return;
    this.flushPlayback('caller speech');
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
    const { logger, leg } = this.options;
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
      case 'transfer':
        await this.transfer(action.transfer.target, action.transfer.reason);
        return;
    }
  }

  /** Blind transfer: the outcome goes on `calls.lifecycle`, and a successful one ends the call. */
  private async transfer(target: string, reason: string): Promise<TransferOutcome> {
    const { logger, leg, channel } = this.options;
    logger.info({ callId: this.callId, target, reason }, 'transferring');
    const outcome = await leg.transfer(target).catch((err: unknown) => ({ success: false, sipStatus: 0, detail: err instanceof Error ? err.message : String(err) }));
    channel.publishLifecycle(this.event({ $case: 'transferResult', transferResult: { target, ...outcome } }));
    if (outcome.success) await this.hangup(EndReason.END_REASON_TRANSFERRED, `transferred to ${target}`);
    else logger.warn({ callId: this.callId, target, ...outcome }, 'transfer failed; the call stays');
    return outcome;
  }

  private finish(reason: EndReason, detail: string): void {
    if (this.summary) return;
    const durationMs = Math.max(0, this.now() - this.startedAtMs);
    const route = this.routing ? routeToJSON(this.routing.route) : 'unrouted';
    const summary: CallSummary = { reason, detail, durationMs, framesIn: this.framesIn, framesOut: this.framesOut, framesFlushed: this.framesFlushed, route };
    this.summary = summary;
    this.unfollow?.();
    this.playout.cancel();
    clearTimeout(this.silenceTimer);
    this.options.leg.release();
    // A call that ended while it was being routed was never announced.
    if (this.routing) this.options.channel.publishLifecycle(this.event({ $case: 'ended', ended: { reason, detail, durationMs } }));
    void this.keepVoicemail().then((voicemailId) => this.resolveEnded(voicemailId ? { ...summary, voicemailId } : summary));
  }

  private event(event: NonNullable<CallEvent['event']>): CallEvent {
    return { callId: this.callId, time: new Date(this.now()), event };
  }
}
