import type { IncomingMessage } from 'node:http';
import WebSocket, { type RawData } from 'ws';
import { TtsSetupError, TtsSynthesisError } from '../../ports/text-to-speech';

/** The connection ended under a sentence before any of its audio came: the sentence may be tried again on a new one. */
export class SpeakConnectionLost extends TtsSynthesisError {}

export interface SpeakSocketOptions {
  /** `wss://…/v1/speak?model=…&encoding=linear16&sample_rate=…` */
  readonly url: URL;
  readonly apiKey: string;
  /** The handshake, and a sentence, fail when Deepgram sends nothing for this long. */
  readonly responseTimeoutMs: number;
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
 * anyway, so it costs no extra Flushes; Deepgram takes 20 per 60 s on a
 * connection and answers more with a Warning.
 * Cancelling a sentence sends Clear; everything up to Cleared (audio, a
 * Flushed that crossed the Clear) belongs to the cancelled sentence and is
 * dropped. Warning and Error messages fail the sentence in flight.
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

  /** Open, or opening, and not failed: worth sending the next sentence to. */
  get usable(): boolean {
    return this.ended === undefined && this.ws.readyState <= WebSocket.OPEN;
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
      this.restartTimer();
    });
  }

  /** Sends Close and closes the connection; resolves once it is closed. */
  close(): Promise<void> {
    this.closing ??= (async () => {
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
        return;
      case 'Cleared':
        this.clearsPending = Math.max(0, this.clearsPending - 1);
        return;
      case 'Warning':
        this.sentence?.done(new TtsSynthesisError(`Deepgram text-to-speech warning: ${describe(message)}`));
        return;
      case 'Error':
        this.fail(new TtsSynthesisError(`Deepgram text-to-speech error: ${describe(message)}`));
        return;
      // Metadata, and message types newer than this code: nothing to do.
    }
  }

  /** The connection is unusable: fail the sentence in flight and close. */
  private fail(error: Error): void {
    this.ended ??= error;
    this.sentence?.done(error);
    void this.close();
  }

  private closed(code: number, reason: string): void {
    this.stopTimer();
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

type ServerMessage = { readonly type?: unknown; readonly description?: unknown; readonly code?: unknown; readonly err_msg?: unknown };

function parseMessage(data: RawData): ServerMessage {
  try {
    const parsed: unknown = JSON.parse(bytes(data).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as ServerMessage) : {};
  } catch {
    return {};
  }
}

function describe(message: ServerMessage): string {
  const text = [message.description, message.err_msg].find((v) => typeof v === 'string') ?? 'no description';
  return typeof message.code === 'string' ? `${message.code}: ${String(text)}` : String(text);
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
