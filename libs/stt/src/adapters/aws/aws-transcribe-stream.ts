import { StartStreamTranscriptionCommand, type LanguageCode, type StartStreamTranscriptionCommandOutput, type TranscribeStreamingClient } from '@aws-sdk/client-transcribe-streaming';
import { BoundedQueue } from '../../domain/event-queue';
import type { SpeechEvent, SpeechStream } from '../../ports/speech-to-text';
import { AudioFeed } from './audio-feed';
import { Utterances } from './utterances';

export interface AwsStreamSettings {
  readonly client: TranscribeStreamingClient;
  readonly sampleRateHz: number;
  readonly channels: number;
  readonly language: string;
  readonly keepAliveMs: number;
  readonly maxStreamMs: number;
  readonly closeTimeoutMs: number;
  readonly maxBufferedAudioMs: number;
  readonly maxQueuedEvents: number;
  /** Called once when the stream is done. */
  readonly onClose: () => void;
}

/** Keep-alive silence sent per idle interval (Transcribe wants chunks of 50–200 ms). */
const keepAliveChunkMs = 100;
/** How long a due reconnect waits for the caller to pause before it cuts the utterance. */
const rolloverGraceMs = 60_000;

/** One StartStreamTranscription request: its audio, its results, and how to stop it. */
interface Session {
  readonly feed: AudioFeed;
  readonly abort: AbortController;
  readonly output: Promise<StartStreamTranscriptionCommandOutput>;
  /** Replaced by a newer session: its audio has ended, its last results are still read. */
  retired: boolean;
  /** Why we aborted it, when we did. */
  abortReason: string | undefined;
  timers: NodeJS.Timeout[];
}

/**
 * One call's stream on Amazon Transcribe streaming.
 *
 * Audio goes to the current session through a bounded buffer. Transcribe
 * fails a session that gets no audio for 15 s, so while nothing is pushed a
 * little silence is sent every `keepAliveMs`; a session may last at most four
 * hours, so after `maxStreamMs` (at the next pause) a new session takes the
 * audio and the old one is drained of its last results first. Transcribe
 * times results from the start of its session, keep-alive silence included;
 * each session's AudioFeed maps those times back to the call's audio, so
 * positions stay continuous across sessions. Sessions are read in order, one
 * at a time, so utterances never interleave.
 *
 * Failure of the current session (an exception event, a dropped connection)
 * ends the stream: open utterances are settled, then an `error` event is the
 * last event. No retry: the audio already sent cannot be replayed in order.
 */
export class AwsTranscribeStream implements SpeechStream {
  private readonly queue: BoundedQueue<SpeechEvent>;
  private readonly utterances: Utterances;
  private readonly sessions: Session[] = [];
  /** The session pushed audio goes to: the newest. */
  private current: Session;
  private readonly bytesPerFrame: number;
  private framesIn = 0;
  private state: 'open' | 'closing' | 'done' = 'open';
  private closeCalled = false;
  private closing: Promise<void> | undefined;
  private readonly keepAlive: NodeJS.Timeout;
  private rolloverDue = false;
  private dropping = false;
  private readonly running: Promise<void>;

  constructor(private readonly settings: AwsStreamSettings) {
    this.bytesPerFrame = 2 * settings.channels;
    this.queue = new BoundedQueue<SpeechEvent>({
      capacity: settings.maxQueuedEvents,
      supersedes: (queued, incoming) => queued.type === 'partial' && incoming.type === 'partial' && queued.channel === incoming.channel,
      overflowNotice: (dropped) => ({
        type: 'error',
        message: `${dropped} speech event(s) dropped: the reader fell behind (at most ${settings.maxQueuedEvents} are held)`,
      }),
    });
    this.utterances = new Utterances((event) => this.queue.push(event), settings.channels > 1);
    this.keepAlive = setTimeout(() => this.sendKeepAlive(), settings.keepAliveMs).unref();
    this.current = this.startSession();
    this.running = this.run();
  }

  /** Audio pushed so far, in ms. */
  get positionMs(): number {
    return this.msOf(this.framesIn);
  }

  /** Events waiting for the reader. */
  get queuedEvents(): number {
    return this.queue.size;
  }

  /** Transcribe sessions opened so far (more than one after a reconnect). */
  get sessionCount(): number {
    return this.sessions.length;
  }

  pushFrame(pcm: Int16Array | Uint8Array): void {
    if (this.closeCalled) throw new Error('pushFrame() after close(): this speech stream is closed');
    if (pcm.byteLength % this.bytesPerFrame !== 0) {
      throw new RangeError(
        this.settings.channels === 1
          ? `linear16 bytes come in pairs; got ${pcm.byteLength} bytes`
          : `a frame of ${this.settings.channels} linear16 channels is ${this.bytesPerFrame} bytes; got ${pcm.byteLength} bytes`,
      );
    }
    // After a failure the reader has had its error event; the caller's media loop must not break on it.
    if (this.state !== 'open' || pcm.byteLength === 0) return;
    // A copy: callers reuse their frame buffers. Int16Array is little-endian on every platform Node runs on.
    const bytes = new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength).slice();
    const dropped = this.current.feed.push(bytes, this.framesIn);
    this.framesIn += bytes.byteLength / this.bytesPerFrame;
    this.keepAlive.refresh();
    if (dropped > 0 && !this.dropping) {
      this.queue.push({ type: 'error', message: `AWS Transcribe is not taking audio as fast as it comes: audio beyond ${this.settings.maxBufferedAudioMs} ms of backlog is being dropped` });
    }
    this.dropping = dropped > 0;
  }

  finalize(): void {
    if (this.state !== 'open') return;
    this.utterances.settle(this.positionMs);
    this.rolloverIfDue();
  }

  close(): Promise<void> {
    this.closeCalled = true;
    this.closing ??= (async () => {
      if (this.state === 'open') {
        this.state = 'closing';
        clearTimeout(this.keepAlive);
        // Ending the audio makes Transcribe send its last finals and end the results.
        for (const session of this.sessions) session.feed.end();
        const timer = setTimeout(() => {
          for (const session of this.sessions) this.stop(session, `AWS Transcribe did not finish within ${this.settings.closeTimeoutMs} ms of close(): its last results are lost`);
        }, this.settings.closeTimeoutMs);
        await this.running;
        clearTimeout(timer);
      }
      await this.running;
    })();
    return this.closing;
  }

  [Symbol.asyncIterator](): AsyncIterator<SpeechEvent> {
    return this.queue;
  }

  private msOf(frames: number): number {
    return Math.round((frames * 1000) / this.settings.sampleRateHz);
  }

  private startSession(): Session {
    const { client, sampleRateHz, channels, language } = this.settings;
    const feed = new AudioFeed(sampleRateHz, this.bytesPerFrame, Math.round((this.settings.maxBufferedAudioMs * sampleRateHz) / 1000));
    const abort = new AbortController();
    const command = new StartStreamTranscriptionCommand({
      LanguageCode: language as LanguageCode,
      MediaEncoding: 'pcm',
      MediaSampleRateHertz: sampleRateHz,
      EnablePartialResultsStabilization: true,
      PartialResultsStability: 'high',
      ShowSpeakerLabel: false,
      ...(channels > 1 ? { EnableChannelIdentification: true, NumberOfChannels: channels } : {}),
      AudioStream: feed,
    });
    const output = client.send(command, { abortSignal: abort.signal });
    // Read (and its failure reported) in turn by run(); until then a rejection must not count as unhandled.
    output.catch(() => undefined);
    const session: Session = { feed, abort, output, retired: false, abortReason: undefined, timers: [] };
    session.timers.push(setTimeout(() => this.deadlineReached(session), this.settings.maxStreamMs).unref());
    this.sessions.push(session);
    return session;
  }

  /** Reads the sessions in order until the last one ends; then the stream is done. */
  private async run(): Promise<void> {
    let failure: string | undefined;
    // A reconnect appends the next session before the one being read ends.
    for (let index = 0, session = this.sessions[0]; session && failure === undefined; session = this.sessions[++index]) {
      const problem = await this.read(session);
      // A session that ended leaves no utterance open: whatever it heard last is settled.
      this.utterances.settle(this.positionMs);
      this.release(session);
      if (problem === undefined) continue;
      if (session.retired) this.queue.push({ type: 'error', message: `${problem} (a reconnect had already started: the stream goes on)` });
      else failure = problem;
    }
    this.state = 'done';
    clearTimeout(this.keepAlive);
    for (const session of this.sessions) this.release(session);
    if (failure !== undefined) this.queue.push({ type: 'error', message: failure });
    this.queue.end();
    this.settings.onClose();
  }

  /** One session's results, mapped into events; a description of the failure, or undefined when it ended as asked. */
  private async read(session: Session): Promise<string | undefined> {
    try {
      const output = await session.output;
      const results = output.TranscriptResultStream;
      if (!results) return 'AWS Transcribe answered without a result stream';
      const clock = (seconds: number) => this.msOf(session.feed.toStreamFrames(seconds));
      for await (const event of results) {
        for (const result of event.TranscriptEvent?.Transcript?.Results ?? []) this.utterances.result(result, clock, this.positionMs);
        this.rolloverIfDue();
      }
      if (session.abortReason !== undefined) return session.abortReason;
      if (!session.feed.isEnded) return 'AWS Transcribe ended the stream while audio was still coming (the connection closed)';
      return undefined;
    } catch (error) {
      if (session.abortReason !== undefined) return session.abortReason;
      return `AWS Transcribe stream failed: ${describe(error)}`;
    }
  }

  private sendKeepAlive(): void {
    if (this.state !== 'open') return;
    this.current.feed.pushSilence(Math.round((keepAliveChunkMs * this.settings.sampleRateHz) / 1000), this.framesIn);
    this.keepAlive.refresh();
  }

  private deadlineReached(session: Session): void {
    if (session !== this.current || this.state !== 'open') return;
    this.rolloverDue = true;
    session.timers.push(setTimeout(() => this.rollover(), rolloverGraceMs).unref());
    this.rolloverIfDue();
  }

  /** A due reconnect happens between utterances, so no utterance is split across sessions. */
  private rolloverIfDue(): void {
    if (this.rolloverDue && this.utterances.openCount === 0) this.rollover();
  }

  private rollover(): void {
    if (!this.rolloverDue || this.state !== 'open') return;
    this.rolloverDue = false;
    const old = this.current;
    old.retired = true;
    for (const timer of old.timers) clearTimeout(timer);
    this.current = this.startSession();
    old.feed.end();
    // The new session's results wait for the old one's: don't let a stuck old session hold them for long.
    old.timers = [setTimeout(() => this.stop(old, `AWS Transcribe did not finish the replaced session within ${this.settings.closeTimeoutMs} ms`), this.settings.closeTimeoutMs).unref()];
  }

  /** Aborts a session's HTTP/2 stream (its reader then ends with `reason`). */
  private stop(session: Session, reason: string): void {
    if (session.abort.signal.aborted) return;
    session.abortReason ??= reason;
    session.feed.end();
    session.abort.abort();
  }

  /** A read session is over: its timers are cleared and its HTTP/2 stream closed if it is still open. */
  private release(session: Session): void {
    for (const timer of session.timers) clearTimeout(timer);
    session.timers = [];
    session.feed.end();
    if (!session.abort.signal.aborted) session.abort.abort();
  }
}

/** `BadRequestException: …` for the service's exceptions; the message for transport errors. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
}
