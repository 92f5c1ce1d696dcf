import type { DeepgramClient, listen } from '@deepgram/sdk';
import { BoundedQueue } from '../../domain/event-queue';
import type { SpeechEvent, SpeechStream } from '../../ports/speech-to-text';
import { DeepgramTurns } from './deepgram-turns';

/** The SDK's live `/v1/listen` socket. */
export type ListenSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;

export interface DeepgramStreamParts {
  /** Makes the socket (not yet connected) with this stream's query parameters. */
  readonly createSocket: () => Promise<ListenSocket>;
  readonly sampleRateHz: number;
  readonly channels: number;
  readonly utteranceEndMs: number;
  /** A KeepAlive goes out when no audio was sent for a whole interval. */
  readonly keepAliveIntervalMs: number;
  /** How long close() waits for Deepgram's last results and close. */
  readonly closeTimeoutMs: number;
  /** Audio held while the socket opens; the oldest goes first beyond it. */
  readonly maxPendingAudioMs: number;
  readonly maxQueuedEvents: number;
  readonly log: (line: string) => void;
  /** Called once when the stream has released everything. */
  readonly onClose: () => void;
}

type State = 'connecting' | 'open' | 'closing' | 'done';

/** Deepgram's live `Error` message (not in the SDK's listen types). */
interface ListenError {
  readonly type: 'Error';
  readonly description?: string;
  readonly message?: string;
}

type ListenMessage = listen.ListenV1Results | listen.ListenV1Metadata | listen.ListenV1UtteranceEnd | listen.ListenV1SpeechStarted | ListenError;

/**
 * One call's stream on Deepgram live `/v1/listen`, through `@deepgram/sdk`.
 * Audio pushed before the socket opens is held (bounded) and sent on open;
 * KeepAlive covers pauses in the audio (Deepgram closes a socket idle for
 * 10 s); close() sends CloseStream and waits for the last results. The SDK
 * never reconnects: a new connection would restart Deepgram's clock and lose
 * the utterance, so a dropped socket ends the stream with an `error` event.
 */
export class DeepgramSpeechStream implements SpeechStream {
  private readonly queue: BoundedQueue<SpeechEvent>;
  private readonly turns: DeepgramTurns;
  private readonly bytesPerSecond: number;
  private state: State = 'connecting';
  private socket: ListenSocket | undefined;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private droppedBytes = 0;
  private finalizePending = false;
  private closeRequested = false;
  private closing: Promise<void> | undefined;
  private bytesIn = 0;
  private sentSinceKeepAlive = false;
  private keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  /** The socket's last error (it comes with, or just after, the close it explains). */
  private socketError: string | undefined;
  private readonly finished: Promise<void>;
  private markFinished!: () => void;

  constructor(private readonly parts: DeepgramStreamParts) {
    this.bytesPerSecond = parts.sampleRateHz * 2 * parts.channels;
    this.turns = new DeepgramTurns({ multichannel: parts.channels > 1, utteranceEndMs: parts.utteranceEndMs });
    this.queue = new BoundedQueue<SpeechEvent>({
      capacity: parts.maxQueuedEvents,
      supersedes: (queued, incoming) => queued.type === 'partial' && incoming.type === 'partial' && queued.channel === incoming.channel,
      overflowNotice: (dropped) => ({
        type: 'error',
        message: `${dropped} speech event(s) dropped: the reader fell behind (at most ${parts.maxQueuedEvents} are held)`,
      }),
    });
    this.finished = new Promise((resolve) => {
      this.markFinished = resolve;
    });
    void this.connect();
  }

  /** Audio pushed so far, in ms. */
  get positionMs(): number {
    return (this.bytesIn / this.bytesPerSecond) * 1000;
  }

  pushFrame(pcm: Int16Array | Uint8Array): void {
    if (this.closeRequested) throw new Error('pushFrame() after close(): this speech stream is closed');
    // linear16 is little-endian, as on every platform Node runs on.
    const view = pcm instanceof Int16Array ? new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength) : pcm;
    const frameBytes = 2 * this.parts.channels;
    if (view.byteLength % frameBytes !== 0) {
      throw new RangeError(`linear16 audio of ${this.parts.channels} channel(s) comes in ${frameBytes}-byte frames; got ${view.byteLength} bytes`);
    }
    if (view.byteLength === 0 || this.state === 'done') return;
    // A copy: callers reuse their frame buffers, and the socket may still hold this one after we return.
    const bytes = view.slice();
    this.bytesIn += bytes.byteLength;
    if (this.state === 'connecting') {
      this.hold(bytes);
      return;
    }
    this.send(() => this.socket?.sendMedia(bytes));
    this.sentSinceKeepAlive = true;
  }

  finalize(): void {
    if (this.closeRequested || this.state === 'done') return;
    if (this.state === 'connecting') this.finalizePending = true;
    else this.send(() => this.socket?.sendFinalize({ type: 'Finalize' }));
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  [Symbol.asyncIterator](): AsyncIterator<SpeechEvent> {
    return this.queue;
  }

  private async connect(): Promise<void> {
    let socket: ListenSocket;
    try {
      socket = await this.parts.createSocket();
    } catch (error) {
      this.finish(`cannot open a Deepgram stream: ${messageOf(error)}`);
      return;
    }
    // Closed while the SDK was preparing: the socket was made closed and never connected.
    if (this.state === 'done') return;
    this.socket = socket;
    socket.on('open', () => this.opened());
    socket.on('message', (message) => this.received(message as ListenMessage));
    socket.on('error', (error) => {
      this.socketError = error.message;
    });
    // The SDK reports a failed handshake as a close followed by the error: look once both are in.
    socket.on('close', (event) => queueMicrotask(() => this.closed(event.code, event.reason)));
    socket.connect();
  }

  private opened(): void {
    if (this.state !== 'connecting') return;
    this.state = 'open';
    const held = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const chunk of held) this.send(() => this.socket?.sendMedia(chunk));
    if (held.length > 0) this.sentSinceKeepAlive = true;
    if (this.droppedBytes > 0) {
      const ms = Math.round((this.droppedBytes / this.bytesPerSecond) * 1000);
      this.queue.push({ type: 'error', message: `${ms} ms of audio dropped while connecting to Deepgram (at most ${this.parts.maxPendingAudioMs} ms are held)` });
    }
    if (this.finalizePending) this.send(() => this.socket?.sendFinalize({ type: 'Finalize' }));
    this.keepAliveTimer = setInterval(() => this.keepAlive(), this.parts.keepAliveIntervalMs);
    if (this.closeRequested) this.sendCloseStream();
  }

  private received(message: ListenMessage): void {
    if (this.state === 'done' || typeof message !== 'object' || message === null) return;
    switch (message.type) {
      case 'Results':
        this.pushAll(this.turns.results(message));
        break;
      case 'SpeechStarted':
        this.pushAll(this.turns.speechStarted(message));
        break;
      case 'UtteranceEnd':
        this.pushAll(this.turns.utteranceEnd(message));
        break;
      case 'Metadata':
        this.parts.log(`deepgram stream ${message.request_id}: ${message.duration} s of audio`);
        break;
      case 'Error':
        this.queue.push({ type: 'error', message: `Deepgram error: ${message.description ?? message.message ?? JSON.stringify(message)}` });
        break;
      default:
        this.parts.log(`deepgram stream: ignored a ${(message as { type?: unknown }).type} message`);
    }
  }

  private closed(code: number, reason: string): void {
    if (this.state === 'done') return;
    if (this.state === 'closing' && code === 1000 && !this.socketError) {
      this.finish();
    } else if (this.socketError) {
      const hint = /\b401\b/.test(this.socketError) ? ' (check DEEPGRAM_API_KEY)' : '';
      this.finish(`Deepgram connection failed: ${this.socketError}${hint}`);
    } else {
      this.finish(`Deepgram closed the stream unexpectedly (code ${code}${reason ? `: ${reason}` : ''})`);
    }
  }

  private keepAlive(): void {
    if (this.state !== 'open') return;
    if (!this.sentSinceKeepAlive) this.send(() => this.socket?.sendKeepAlive({ type: 'KeepAlive' }));
    this.sentSinceKeepAlive = false;
  }

  private async shutDown(): Promise<void> {
    this.closeRequested = true;
    if (this.state === 'done') return;
    this.closeTimer = setTimeout(
      () => this.finish(`Deepgram did not finish the stream within ${this.parts.closeTimeoutMs} ms of close(): the last results may be missing`),
      this.parts.closeTimeoutMs,
    );
    if (this.state === 'open') this.sendCloseStream();
    await this.finished;
  }

  private sendCloseStream(): void {
    this.state = 'closing';
    clearInterval(this.keepAliveTimer);
    this.send(() => this.socket?.sendCloseStream({ type: 'CloseStream' }));
  }

  /** Holds audio until the socket opens; beyond the bound the oldest goes, and Deepgram's clock starts that much later. */
  private hold(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.pendingBytes += bytes.byteLength;
    const maxBytes = Math.max((this.parts.maxPendingAudioMs / 1000) * this.bytesPerSecond, bytes.byteLength);
    for (let oldest = this.pending[0]; oldest && this.pendingBytes > maxBytes; oldest = this.pending[0]) {
      this.pending.shift();
      this.pendingBytes -= oldest.byteLength;
      this.droppedBytes += oldest.byteLength;
    }
    this.turns.offsetMs = Math.round((this.droppedBytes / this.bytesPerSecond) * 1000);
  }

  /** A send on a socket that has just gone away fails; its close event tells the reader why. */
  private send(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.parts.log(`deepgram stream: send failed: ${messageOf(error)}`);
    }
  }

  private pushAll(events: readonly SpeechEvent[]): void {
    for (const event of events) this.queue.push(event);
  }

  /** Ends the stream: open utterances are ended, then the error (if it failed) is the last event; everything is released. */
  private finish(error?: string): void {
    if (this.state === 'done') return;
    this.state = 'done';
    clearInterval(this.keepAliveTimer);
    clearTimeout(this.closeTimer);
    this.pending = [];
    this.pushAll(this.turns.endAll(Math.round(this.positionMs)));
    if (error) this.queue.push({ type: 'error', message: error });
    this.queue.end();
    const socket = this.socket;
    this.socket = undefined;
    socket?.close();
    this.parts.onClose();
    this.markFinished();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
