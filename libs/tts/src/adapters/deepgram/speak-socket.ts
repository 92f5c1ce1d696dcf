import type { IncomingMessage } from 'node:http';
import WebSocket, { type RawData } from 'ws';
import { TtsSetupError, TtsSynthesisError } from '../../ports/text-to-speech';

/** The connection ended under a sentence before any of its audio came: the sentence may be tried again on a new one. */
export class SpeakConnectionLost extends TtsSynthesisError {}

/** Deepgram refused a Flush (too many on this connection): like a lost connection, the sentence goes to a fresh one. */
export class SpeakFlushLimitReached extends SpeakConnectionLost {}

/** How many Flushes one connection may send in any window of `windowMs`. */
export interface FlushLimit {
  readonly flushes: number;
  readonly windowMs: number;
}

/** Deepgram's: 20 Flushes per 60 s on a connection, the next answered with a Warning (developers.deepgram.com/docs/tts-ws-flush). */
export const DEEPGRAM_FLUSH_LIMIT: FlushLimit = { flushes: 20, windowMs: 60_000 };

export interface SpeakSocketOptions {
  /** `wss://…/v1/speak?model=…&encoding=linear16&sample_rate=…` */
  readonly url: URL;
  readonly apiKey: string;
  /** The handshake, and a sentence, fail when Deepgram sends nothing for this long. */
  readonly responseTimeoutMs: number;
  /** Counted here so the session moves to a fresh connection before Deepgram refuses a Flush. */
  readonly flushLimit: FlushLimit;
}

interface Sentence {
  readonly onAudio: (audio: Uint8Array) => void;
  readonly done: (error?: Error) => void;
}

/** How long close() waits for Deepgram's close frame before cutting the connection. */
const CLOSE_GRACE_MS = 2000;

/**
 * One Aura WebSocket (`/v1/speak`) speaking one sentence at a time: Speak
 * (the sentence in pieces of at most 2000 characters), then Flush; the
 * binary frames that follow are that sentence's audio, until Flushed. A
 * Flush per sentence, not per reply: Flushed is the only mark of where a
 * sentence's audio ends, which the frame contract needs (sentenceIndex,
 * sentenceEnd, padding per sentence). The speaker flushes every sentence
 * anyway, so it costs no extra Flushes. Deepgram takes 20 per 60 s on a
 * connection and answers more with a Warning, so the Flushes sent are
 * counted (`canFlush`) and the session moves on to a fresh connection
 * before the limit; a flush-limit Warning all the same (clocks differ)
 * ends this connection with SpeakFlushLimitReached, and the sentence is
 * tried again on a fresh one.
 * Cancelling a sentence sends Clear; everything up to Cleared (audio, a
 * Flushed that crossed the Clear) belongs to the cancelled sentence and is
 * dropped. Other Warnings, and Errors, fail the sentence in flight.
 *
 * Plain `ws` rather than the SDK's speak socket (@deepgram/sdk v5): that
 * one hands binary audio over as Blobs, read asynchronously, so a Flushed
 * could be handled before the audio ahead of it; it reconnects by itself
 * unless told not to (a new connection has lost Deepgram's text buffer);
 * and it reports a refused handshake as a bare message, without Deepgram's
 * error body ("No such model …") that the errors here pass on.
 */
export class SpeakSocket {
  /** Settles once the handshake is done (rejects with TtsSetupError for a refused key or voice). */
  readonly opened: Promise<void>;
  private readonly ws: WebSocket;
  /** Resolves once the connection is closed, whoever closed it. */
  readonly whenClosed: Promise<void>;
  private sentence: Sentence | undefined;
  /** Clears sent whose Cleared has not come back: until then, what arrives is stale. */
  private clearsPending = 0;
  /** Why this socket can no longer be used. */
  private ended: Error | undefined;
  private lastError: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  /** When each Flush went out (performance.now()), oldest first, for Deepgram's sliding limit. */
  private readonly flushTimes: number[] = [];
  /** Speaks no more: closes once Deepgram has answered what it owes (see retire()). */
  private retiring = false;
  private retireTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SpeakSocketOptions) {
    this.ws = new WebSocket(options.url, { headers: { Authorization: `Token ${options.apiKey}` }, handshakeTimeout: options.responseTimeoutMs });
    let refuse: (error: Error) => void = () => undefined;
    this.opened = new Promise<void>((resolve, reject) => {
      refuse = reject;
      this.ws.once('open', () => resolve());
    });
    this.opened.catch(() => undefined); // awaited by whoever speaks; a failed connect alone is not an unhandled rejection
    this.ws.once('unexpected-response', (_request, response) => {
      void readBody(response).then((body) => {
        this.ended ??= httpError(response.statusCode ?? 0, body);
        refuse(this.ended);
        this.ws.terminate();
      });
    });
    this.whenClosed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.closed(code, reason.toString());
        refuse(this.ended ?? new SpeakConnectionLost('closed'));
        resolve();
      });
    });
    this.ws.on('error', (error) => {
      this.lastError = error;
    });
    this.ws.on('message', (data, isBinary) => this.receive(data, isBinary));
  }

  /** Open, or opening, not failed and not retired: worth sending the next sentence to. */
  get usable(): boolean {
    return this.ended === undefined && !this.retiring && this.ws.readyState <= WebSocket.OPEN;
  }

  /** Whether one more Flush fits in the limit: fewer than `flushes` went out in the last `windowMs`. */
  get canFlush(): boolean {
    const { flushes, windowMs } = this.options.flushLimit;
    const now = performance.now();
    while (this.flushTimes.length > 0 && now - (this.flushTimes[0] ?? now) >= windowMs) this.flushTimes.shift();
    return this.flushTimes.length < flushes;
  }

  /** Speaks one sentence (call once `opened` has resolved); resolves at its Flushed. Audio goes to `onAudio` as it arrives. */
  speak(pieces: readonly string[], signal: AbortSignal, onAudio: (audio: Uint8Array) => void): Promise<void> {
    if (this.ended) return Promise.reject(this.ended);
    if (this.sentence) return Promise.reject(new Error('a Deepgram speak socket synthesizes one sentence at a time'));
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const cancel = () => {
        this.sentence = undefined;
        this.stopTimer();
        this.send({ type: 'Clear' });
        this.clearsPending++;
        reject(signal.reason);
      };
      this.sentence = {
        onAudio,
        done: (error) => {
          this.sentence = undefined;
          this.stopTimer();
          signal.removeEventListener('abort', cancel);
          if (error) reject(error);
          else resolve();
        },
      };
      signal.addEventListener('abort', cancel, { once: true });
      for (const text of pieces) this.send({ type: 'Speak', text });
      this.send({ type: 'Flush' });
      this.flushTimes.push(performance.now());
      this.restartTimer();
    });
  }

  /**
   * Takes no more sentences, and closes once Deepgram has answered what it
   * owes (the Flushed of a sentence in flight, the Cleared of a cancelled
   * one), or after the response timeout.
   */
  retire(): void {
    if (this.retiring) return;
    this.retiring = true;
    if (this.ended || this.idle) {
      void this.close();
      return;
    }
    this.retireTimer = setTimeout(() => void this.close(), this.options.responseTimeoutMs);
  }

  /** Sends Close and closes the connection; resolves once it is closed. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.retireTimer);
      this.ended ??= new TtsSynthesisError('the Deepgram text-to-speech connection was closed');
      this.sentence?.done(this.ended);
      if (this.ws.readyState === WebSocket.OPEN) {
        this.send({ type: 'Close' });
        this.ws.close(1000);
      } else if (this.ws.readyState === WebSocket.CONNECTING) {
        this.ws.terminate();
      }
      const cut = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
      await this.whenClosed;
      clearTimeout(cut);
    })();
    return this.closing;
  }

  private send(message: { readonly type: string; readonly text?: string }): void {
    // Once the socket is closing this is a no-op; its close event fails the sentence.
    this.ws.send(JSON.stringify(message));
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.sentence) this.restartTimer();
    if (isBinary) {
      if (this.clearsPending === 0) this.sentence?.onAudio(bytes(data));
      return;
    }
    const message = parseMessage(data);
    switch (message.type) {
      case 'Flushed':
        if (this.clearsPending === 0) this.sentence?.done();
        this.closeIfRetiredAndIdle();
        return;
      case 'Cleared':
        this.clearsPending = Math.max(0, this.clearsPending - 1);
        this.closeIfRetiredAndIdle();
        return;
      case 'Warning':
        if (isFlushLimit(message)) {
          // This connection takes no Flush for a while: drop the text Deepgram holds and go.
          this.send({ type: 'Clear' });
          this.fail(new SpeakFlushLimitReached(`Deepgram refused a Flush on the text-to-speech connection to ${this.options.url.host} (${describe(message)})`));
          return;
        }
        this.sentence?.done(new TtsSynthesisError(`Deepgram text-to-speech warning: ${describe(message)}`));
        return;
      case 'Error':
        this.fail(new TtsSynthesisError(`Deepgram text-to-speech error: ${describe(message)}`));
        return;
      // Metadata, and message types newer than this code: nothing to do.
    }
  }

  /** Nothing in flight and every Clear answered. */
  private get idle(): boolean {
    return this.sentence === undefined && this.clearsPending === 0;
  }

  private closeIfRetiredAndIdle(): void {
    if (this.retiring && this.idle) void this.close();
  }

  /** The connection is unusable: fail the sentence in flight and close. */
  private fail(error: Error): void {
    this.ended ??= error;
    this.sentence?.done(error);
    void this.close();
  }

  private closed(code: number, reason: string): void {
    this.stopTimer();
    clearTimeout(this.retireTimer);
    const cause = reason || this.lastError?.message || (code === 1006 ? 'no close frame' : '');
    this.ended ??= new SpeakConnectionLost(`the Deepgram text-to-speech connection to ${this.options.url.host} closed (code ${code}${cause ? `: ${cause}` : ''})`);
    this.sentence?.done(this.ended);
  }

  private restartTimer(): void {
    this.stopTimer();
    const ms = this.options.responseTimeoutMs;
    this.timer = setTimeout(() => this.fail(new TtsSynthesisError(`Deepgram text-to-speech sent nothing for ${ms} ms while synthesizing a sentence`)), ms);
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function bytes(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? Buffer.from(data) : data;
}

/** What Deepgram sends as text: the v5 spec names a Warning's fields code/description, the service sends warn_code/warn_msg. */
type ServerMessage = {
  readonly type?: unknown;
  readonly description?: unknown;
  readonly code?: unknown;
  readonly err_msg?: unknown;
  readonly warn_code?: unknown;
  readonly warn_msg?: unknown;
};

function parseMessage(data: RawData): ServerMessage {
  try {
    const parsed: unknown = JSON.parse(bytes(data).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as ServerMessage) : {};
  } catch {
    return {};
  }
}

function describe(message: ServerMessage): string {
  const text = [message.description, message.warn_msg, message.err_msg].find((v) => typeof v === 'string') ?? 'no description';
  const code = [message.code, message.warn_code].find((v) => typeof v === 'string');
  return code ? `${String(code)}: ${String(text)}` : String(text);
}

/** Deepgram's answer to a Flush past the limit (EXCESSIVE_FLUSH; matched on its words too, in case the code changes). */
function isFlushLimit(message: ServerMessage): boolean {
  return message.warn_code === 'EXCESSIVE_FLUSH' || message.code === 'EXCESSIVE_FLUSH' || /\bflush/i.test(describe(message));
}

/** The first 2 KB of a refused handshake's body. */
async function readBody(response: IncomingMessage): Promise<string> {
  let body = '';
  try {
    for await (const chunk of response) {
      body += String(chunk);
      if (body.length > 2048) break;
    }
  } catch {
    // the reason is in the status
  }
  return body;
}

/** Deepgram's error body (`{"err_code","err_msg"}`) in a sentence. */
export function errorDetail(body: unknown): string {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim().slice(0, 300);
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return '';
  const { err_msg: message, err_code: code } = parsed as { err_msg?: unknown; err_code?: unknown };
  return [code, message].filter((v) => typeof v === 'string' && v).join(': ');
}

/** An HTTP error from Deepgram (a refused WebSocket handshake, or REST) as the port's error, with what to check. */
export function httpError(status: number, body: unknown): Error {
  const detail = errorDetail(body);
  const said = `HTTP ${status}${detail ? `, ${detail}` : ''}`;
  if (status === 401 || status === 403) return new TtsSetupError(`Deepgram refused the API key (${said}): check DEEPGRAM_API_KEY`);
  if (status === 400) return new TtsSetupError(`Deepgram refused the text-to-speech request (${said}): check TTS_VOICE (an Aura model such as aura-2-thalia-en) and the sample rate`);
  if (status === 429) return new TtsSynthesisError(`Deepgram is limiting requests (${said}): too many concurrent requests for this project`);
  return new TtsSynthesisError(`Deepgram text-to-speech failed (${said})`);
}
