import http2, { type Http2Server, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { EventStreamCodec, getChunkedStream, type Message, type MessageHeaders } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';

/**
 * A local stand-in for an AWS streaming API (Transcribe streaming, Polly
 * bidirectional synthesis): HTTP/2 in cleartext (h2c), which the SDK's
 * NodeHttp2Handler speaks when the client's endpoint is `http://127.0.0.1:port`,
 * with `application/vnd.amazon.eventstream` bodies both ways. Framing is
 * @smithy's EventStreamCodec, the SDK's own.
 *
 * The client signs every input event and wraps it in an envelope
 * (`:date`, `:chunk-signature`, body = the encoded event); the last envelope
 * has an empty body. Handlers see the unwrapped events.
 */

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One event the client sent, unwrapped from its signed envelope. */
export interface AwsInputEvent {
  /** `:event-type`, e.g. `AudioEvent`. */
  readonly eventType: string;
  /** `:message-type`, normally `event`. */
  readonly messageType: string;
  readonly headers: MessageHeaders;
  readonly body: Uint8Array;
  /** The envelope's `:chunk-signature` and `:date` were there. */
  readonly signed: boolean;
}

export interface AwsEventStreamRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Input events in order; ends at the client's empty end frame or when its request body ends. */
  readonly events: AsyncIterable<AwsInputEvent>;
  /**
   * Answer with an HTTP error instead of an event stream, as AWS does for a
   * bad request (`x-amzn-errortype` and a JSON `{"message"}` body). Call it
   * synchronously in the handler, before anything is emitted.
   */
  reject(status: number, errorType: string, message: string): void;
  /** Sends an event: a JSON payload, or bytes (`application/octet-stream`). */
  emit(eventType: string, payload: unknown): void;
  /**
   * Sends a modelled exception (`:message-type: exception`) and ends the response, as AWS does.
   * A string becomes `{"Message"}` (Transcribe's shape); an object is the whole JSON body (Polly's: `{"message", …}`).
   */
  exception(exceptionType: string, message: string | Record<string, unknown>): void;
  /** Ends the response cleanly. */
  end(): void;
  /** Drops the connection: the socket is destroyed with no goodbye. */
  drop(): void;
  /** Resolves when the HTTP/2 stream has closed, whichever side closed it. */
  readonly closed: Promise<void>;
}

export type AwsEventStreamHandler = (request: AwsEventStreamRequest) => void | Promise<void>;

const str = (value: string) => ({ type: 'string' as const, value });

export class AwsEventStreamServer {
  private readonly sessions = new Set<Http2Session>();
  /** Raw TCP sockets by the client's port: an HTTP/2 session only lends a guarded proxy of its socket. */
  private readonly sockets = new Map<number, Socket>();
  private requestCount = 0;

  private constructor(
    private readonly server: Http2Server,
    readonly port: number,
  ) {}

  /**
   * Listens on a free loopback port; `handler` runs once per request.
   * `plain` may take a request first (an operation of the same service that
   * answers without an event stream, e.g. Polly's SynthesizeSpeech): it returns true when it did.
   */
  static async start(handler: AwsEventStreamHandler, plain?: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => boolean): Promise<AwsEventStreamServer> {
    const server = http2.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('the event stream server has no port');
    const self = new AwsEventStreamServer(server, address.port);
    server.on('connection', (socket: Socket) => {
      const port = socket.remotePort;
      if (port === undefined) return;
      self.sockets.set(port, socket);
      socket.once('close', () => self.sockets.delete(port));
    });
    server.on('session', (session) => {
      self.sessions.add(session);
      session.on('close', () => self.sessions.delete(session));
      // A dropped client resets its session: nothing to report.
      session.on('error', () => undefined);
    });
    server.on('stream', (stream, headers) => {
      self.requestCount += 1;
      if (plain?.(stream, headers)) return;
      self.serve(stream, headers, handler);
    });
    return self;
  }

  /** The client's `endpoint` setting. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests received so far. */
  get requests(): number {
    return this.requestCount;
  }

  /** Open HTTP/2 connections. */
  get connections(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, handler: AwsEventStreamHandler): void {
    stream.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    let answered = false;
    const respond = () => {
      if (answered || stream.destroyed || stream.closed) return false;
      answered = true;
      stream.respond({ ':status': 200, 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-request-id': `req-${this.requestCount}` });
      return true;
    };
    const write = (message: Message) => {
      if (!answered) respond();
      if (stream.writable) stream.write(codec.encode(message));
    };
    const request: AwsEventStreamRequest = {
      method: String(headers[':method']),
      path: String(headers[':path']),
      headers,
      events: inputEvents(stream),
      reject: (status, errorType, message) => {
        if (answered) throw new Error('reject() after the response started');
        answered = true;
        stream.respond({ ':status': status, 'content-type': 'application/json', 'x-amzn-errortype': `${errorType}:`, 'x-amzn-request-id': `req-${this.requestCount}` });
        stream.end(JSON.stringify({ message }));
      },
      emit: (eventType, payload) => {
        const bytes = payload instanceof Uint8Array;
        write({
          headers: { ':message-type': str('event'), ':event-type': str(eventType), ':content-type': str(bytes ? 'application/octet-stream' : 'application/json') },
          body: bytes ? payload : fromUtf8(JSON.stringify(payload)),
        });
      },
      exception: (exceptionType, message) => {
        write({
          headers: { ':message-type': str('exception'), ':exception-type': str(exceptionType), ':content-type': str('application/json') },
          body: fromUtf8(JSON.stringify(typeof message === 'string' ? { Message: message } : message)),
        });
        stream.end();
      },
      end: () => {
        respond();
        stream.end();
      },
      drop: () => {
        const port = stream.session?.socket.remotePort;
        if (port !== undefined) this.sockets.get(port)?.destroy();
      },
      closed,
    };
    void (async () => {
      try {
        const pending = handler(request);
        // Like AWS, start the response at once unless the handler rejected: the SDK waits for it before streaming results.
        respond();
        await pending;
      } catch (error) {
        // A broken handler is a broken test: make it loud, on the wire too.
        console.error('event stream handler failed', error);
        stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      }
    })();
  }
}

/** The request body's envelopes, unwrapped; stops at the empty end frame. */
async function* inputEvents(stream: ServerHttp2Stream): AsyncGenerator<AwsInputEvent> {
  try {
    for await (const bytes of getChunkedStream(stream as AsyncIterable<Uint8Array>)) {
      const envelope = codec.decode(bytes);
      if (envelope.body.byteLength === 0) return;
      const event = codec.decode(envelope.body);
      yield {
        eventType: headerString(event.headers, ':event-type'),
        messageType: headerString(event.headers, ':message-type'),
        headers: event.headers,
        body: event.body,
        signed: envelope.headers[':chunk-signature']?.type === 'binary' && envelope.headers[':date']?.type === 'timestamp',
      };
    }
  } catch {
    // The client went away mid-message (a dropped connection): the input just ends.
  }
}

function headerString(headers: MessageHeaders, name: string): string {
  const header = headers[name];
  return header?.type === 'string' ? header.value : '';
}
