import { networkInterfaces } from 'node:os';
import { silentLogger, type SipLogger } from '../logger';
import { createResponse, newBranch, newCallId, newTag, reasonPhrase } from '../message/build';
import type { SipParseError } from '../message/errors';
import { SipHeaders } from '../message/headers';
import { SipRequest, type AnySipMessage, type SipResponse } from '../message/message';
import { parseNameAddr } from '../message/name-addr';
import { DEFAULT_PARSE_LIMITS, type SipParseLimits } from '../message/parser';
import { serializeMessage } from '../message/serializer';
import { formatHost, parseSipUri, socketAddress, uriScheme } from '../message/uri';
import type { ClientTransaction, ClientTransactionUser } from '../transaction/client';
import { TransactionLayer } from '../transaction/layer';
import { responseTarget, type InviteServerTransaction, type ServerTransaction } from '../transaction/server';
import { TimerPool, resolveTimers, transactionTimeout, type SipTimers } from '../transaction/timers';
import {
  SipTransport,
  isUnspecified,
  recordSource,
  type ListenAddress,
  type TransportAddress,
  type TransportProtocol,
} from '../transport/transport';
import { DigestAuthenticator, type DigestCredentialsLookup } from './digest';
import { Dialog, dialogKey, type HeaderInit, type ResponseOptions } from './dialog';
import { SipError, SipRequestError } from './errors';
import { IncomingCall, type CallCore } from './incoming-call';
import { OutgoingCall, type InviteOptions, type OutgoingCallCore } from './outgoing-call';

export type PolicyDecision =
  | 'accept'
  /** Say nothing (scanners, blocked sources). */
  | 'drop'
  | { readonly reject: number; readonly reason?: string; readonly headers?: HeaderInit };

/** Decides on every out-of-dialog request before anything else (allowlists, per-source rate limits). */
export type SipPolicy = (request: SipRequest, source: TransportAddress) => PolicyDecision;

export interface SipUserAgentOptions {
  readonly udp?: ListenAddress;
  readonly tcp?: ListenAddress;
  /** Host for Via and Contact. Default: the listen host, or the first external IPv4 for a wildcard. */
  readonly advertisedAddress?: string;
  /** Sent as User-Agent and Server. */
  readonly userAgent?: string;
  /** User part of our Contact and default From. */
  readonly contactUser?: string;
  readonly timers?: Partial<SipTimers>;
  readonly logger?: SipLogger;
  readonly policy?: SipPolicy;
  /** Digest authentication of incoming INVITEs. */
  readonly auth?: DigestCredentialsLookup;
  /** Ringing plus established calls beyond which INVITEs get 503. */
  readonly maxCalls?: number;
  /** Retry-After of that 503 (default 5 s). */
  readonly retryAfterSeconds?: number;
  /** An incoming call neither answered nor rejected by then gets 480 (default 120 s). */
  readonly answerTimeoutMs?: number;
  readonly limits?: Partial<SipParseLimits>;
  /** Idle TCP connections not used by a dialog are closed after this (default 5 min). */
  readonly tcpIdleTimeoutMs?: number;
  readonly maxTcpConnections?: number;
}

export interface UserAgentActivity {
  /** Ringing incoming calls plus dialogs: what maxCalls counts. */
  readonly calls: number;
  readonly ringing: number;
  readonly dialogs: number;
  readonly transactions: number;
  /** Live timers of transactions, dialogs and calls; zero when the stack is idle. */
  readonly timers: number;
  readonly tcpConnections: number;
}

/** Methods we implement (the Allow header). */
const ALLOWED_METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'REFER', 'NOTIFY'];
// Methods we recognise but do not support get 405; anything else gets 501.
const KNOWN_METHODS = new Set([...ALLOWED_METHODS, 'REGISTER', 'SUBSCRIBE', 'PUBLISH', 'MESSAGE', 'PRACK', 'UPDATE']);
const ACCEPT = 'application/sdp, application/dtmf-relay, message/sipfrag';
const CLOSE_GRACE_MS = 2000;

/** The user agent's machinery: dispatch, transactions, dialogs, admission. `SipUserAgent` is its public face. */
export class UserAgentCore implements CallCore, OutgoingCallCore {
  readonly timers: SipTimers;
  readonly pool = new TimerPool();
  readonly logger: SipLogger;
  readonly answerTimeoutMs: number;
  readonly host: string;
  readonly defaultFrom: string;
  private readonly layer: TransactionLayer;
  private readonly userAgent: string;
  private readonly contactUser: string;
  private readonly authenticator: DigestAuthenticator | undefined;
  private readonly dialogs = new Map<string, Dialog>();
  private readonly ringing = new Set<IncomingCall>();
  private readonly outgoing = new Set<OutgoingCall>();
  private readonly pendingInvites = new Map<InviteServerTransaction, { cancel: () => void; toTag?: string }>();
  private callHandler: ((call: IncomingCall) => void) | undefined;
  private transport!: SipTransport;
  private closing = false;

  private constructor(private readonly config: SipUserAgentOptions) {
    this.timers = resolveTimers(config.timers);
    this.logger = config.logger ?? silentLogger;
    this.answerTimeoutMs = config.answerTimeoutMs ?? 120_000;
    this.userAgent = config.userAgent ?? 'voiceagent';
    this.contactUser = config.contactUser ?? 'voiceagent';
    this.authenticator = config.auth && new DigestAuthenticator(config.auth);
    this.host = formatHost(config.advertisedAddress ?? defaultHost(config.udp?.host ?? config.tcp?.host ?? '0.0.0.0'));
    this.defaultFrom = `<sip:${this.contactUser}@${this.host}>`;
    this.layer = new TransactionLayer({
      timers: this.timers,
      pool: this.pool,
      logger: this.logger,
      send: (data, target) => this.transport.send(data, target),
    });
  }

  static async start(options: SipUserAgentOptions): Promise<UserAgentCore> {
    const core = new UserAgentCore(options);
    core.transport = await SipTransport.listen({
      ...(options.udp && { udp: options.udp }),
      ...(options.tcp && { tcp: options.tcp }),
      limits: { ...DEFAULT_PARSE_LIMITS, ...options.limits },
      tcpIdleTimeoutMs: options.tcpIdleTimeoutMs ?? 5 * 60_000,
      tcpConnectTimeoutMs: transactionTimeout(core.timers),
      maxTcpConnections: options.maxTcpConnections ?? 1024,
      logger: core.logger,
      onMessage: (message, source) => core.receive(message, source),
      onParseError: (error, source) => core.receiveMalformed(error, source),
    });
    return core;
  }

  get ports(): { readonly udp?: number; readonly tcp?: number } {
    return this.transport.ports;
  }

  onCall(handler: (call: IncomingCall) => void): void {
    this.callHandler = handler;
  }

  invite(options: InviteOptions): OutgoingCall {
    if (this.closing) throw new SipError('the user agent is closed');
    const call = new OutgoingCall(this, options);
    this.outgoing.add(call);
    call.answered.then(
      () => this.outgoing.delete(call),
      () => this.outgoing.delete(call),
    );
    return call;
  }

  /** Out-of-dialog OPTIONS (keepalive probe): resolves with any final response. */
  options(uri: string, options: { transport?: TransportProtocol; headers?: HeaderInit } = {}): Promise<SipResponse> {
    const to = `<${uri}>`;
    const target = this.targetFor(parseNameAddr(to).uri, options.transport === undefined ? {} : { transport: options.transport });
    const headers = new SipHeaders()
      .append('From', `${this.defaultFrom};tag=${newTag()}`)
      .append('To', to)
      .append('Call-ID', newCallId())
      .append('CSeq', '1 OPTIONS')
      .append('Accept', 'application/sdp');
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.append(name, value);
    const request = new SipRequest('OPTIONS', parseNameAddr(to).uri, headers);
    return new Promise((resolve, reject) => {
      this.sendRequest(request, target, {
        onResponse: (response) => {
          if (response.status >= 200) resolve(response);
        },
        onFailure: (failure) =>
          reject(failure === 'timeout' ? new SipRequestError(408, 'Request Timeout') : new SipRequestError(503, 'Transport Error')),
      });
    });
  }

  activity(): UserAgentActivity {
    return {
      calls: this.ringing.size + this.dialogs.size,
      ringing: this.ringing.size,
      dialogs: this.dialogs.size,
      transactions: this.layer.size,
      timers: this.pool.size,
      tcpConnections: this.transport.connectionCount,
    };
  }

  /** Rejects ringing calls (503), cancels outgoing ones, hangs up dialogs, then stops listening. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const call of [...this.ringing]) call.reject(503);
    for (const call of [...this.outgoing]) call.cancel();
    const hangups = [...this.dialogs.values()].map((dialog) => dialog.hangup('shutdown'));
    await Promise.race([
      Promise.all(hangups),
      new Promise<void>((resolve) => this.pool.after(Math.min(CLOSE_GRACE_MS, transactionTimeout(this.timers)), resolve)),
    ]);
    this.layer.terminateAll();
    this.pool.clearAll();
    await this.transport.close();
  }

  // ----- DialogCore / CallCore -----

  buildResponse(transaction: ServerTransaction, status: number, options: ResponseOptions = {}): SipResponse {
    const request = transaction.request;
    const response = createResponse(request, status, options.reason ?? reasonPhrase(status));
    // RFC 3261 §8.2.6.2: every response but 100 carries our To tag.
    if (status > 100 && request.to.tag === undefined) {
      response.headers.set('To', `${request.headers.get('To') ?? ''};tag=${options.toTag ?? newTag()}`);
    }
    if (options.dialogForming && status > 100 && status < 300) {
      response.headers.append('Record-Route', request.headers.getAll('Record-Route'));
      response.headers.append('Contact', this.contact(transaction.source.transport));
    }
    const describesUs = status === 405 || status === 501 || (request.method === 'OPTIONS' && status < 300);
    if (describesUs || (options.dialogForming && status >= 200 && status < 300)) {
      response.headers.append('Allow', ALLOWED_METHODS.join(', '));
    }
    if (describesUs) response.headers.append('Accept', ACCEPT).append('Supported', '');
    response.headers.append('Server', this.userAgent);
    for (const [name, value] of Object.entries(options.headers ?? {})) response.headers.append(name, value);
    if (options.body !== undefined) {
      response.headers.set('Content-Type', options.contentType ?? 'application/sdp');
      response.body = Buffer.from(options.body, 'utf8');
    }
    return response;
  }

  respond(transaction: ServerTransaction, status: number, options?: ResponseOptions): void {
    transaction.respond(this.buildResponse(transaction, status, options));
  }

  sendRequest(request: SipRequest, target: TransportAddress, user: ClientTransactionUser): ClientTransaction {
    this.completeRequest(request, target);
    return this.layer.sendRequest(request, target, user);
  }

  prepareAck(ack: SipRequest, target: TransportAddress): Buffer {
    this.completeRequest(ack, target);
    return serializeMessage(ack);
  }

  sendBytes(bytes: Buffer, target: TransportAddress): void {
    this.transport.send(bytes, target).catch((error: unknown) => this.logger.debug({ err: error, target }, 'SIP send failed'));
  }

  /** Where a request for `uri` goes (RFC 3263 without DNS SRV/NAPTR: transport param, host, port or 5060). */
  targetFor(uri: string, preferred: { transport?: TransportProtocol; connectionId?: number } = {}): TransportAddress {
    const sipUri = parseSipUri(uri);
    if (sipUri.scheme === 'sips') throw new SipError('sips: needs TLS, which this stack does not offer');
    const param = sipUri.params.get('transport')?.toLowerCase();
    if (param !== undefined && param !== 'udp' && param !== 'tcp') throw new SipError(`unsupported transport "${param}"`);
    const transport = param ?? preferred.transport ?? (this.ports.udp !== undefined ? 'udp' : 'tcp');
    if (transport === 'udp' && this.ports.udp === undefined) throw new SipError('UDP is not enabled on this user agent');
    return {
      transport,
      address: socketAddress(sipUri.params.get('maddr') || sipUri.host),
      port: sipUri.port ?? 5060,
      ...(transport === 'tcp' && preferred.connectionId !== undefined && { connectionId: preferred.connectionId }),
    };
  }

  contact(transport: TransportProtocol): string {
    const port = this.ports[transport] ?? this.ports.udp ?? this.ports.tcp;
    return `<sip:${this.contactUser}@${this.host}:${port}${transport === 'tcp' ? ';transport=tcp' : ''}>`;
  }

  trackInvite(transaction: InviteServerTransaction, onCancel: () => void, toTag?: string): void {
    this.pendingInvites.set(transaction, { cancel: onCancel, ...(toTag !== undefined && { toTag }) });
    transaction.onTerminated(() => this.pendingInvites.delete(transaction));
  }

  untrackInvite(transaction: InviteServerTransaction): void {
    this.pendingInvites.delete(transaction);
  }

  dialogEnded(dialog: Dialog): void {
    if (this.dialogs.get(dialog.id) === dialog) this.dialogs.delete(dialog.id);
    if (dialog.remote.connectionId !== undefined) this.transport.release(dialog.remote.connectionId);
  }

  createUasDialog(call: IncomingCall, toTag: string, localSdp: string): Dialog {
    const request = call.request;
    return this.addDialog(
      new Dialog(this, {
        role: 'uas',
        callId: call.callId,
        localTag: toTag,
        remoteTag: call.from.tag ?? '',
        localParty: `${request.headers.get('To') ?? ''};tag=${toTag}`,
        remoteParty: request.headers.get('From') ?? '',
        remoteTarget: parseNameAddr(request.headers.get('Contact') ?? '').uri,
        routeSet: request.headers.getAll('Record-Route'),
        localSeq: Math.floor(Math.random() * 10_000) + 1,
        remoteSeq: request.cseq.seq,
        transport: call.remote,
        localSdp,
        ...(call.offer !== undefined && { remoteSdp: call.offer }),
      }),
    );
  }

  createUacDialog(invite: SipRequest, response: SipResponse, transport: TransportAddress): Dialog {
    let remoteTarget = invite.uri;
    try {
      const contact = parseNameAddr(response.headers.get('Contact') ?? '').uri;
      parseSipUri(contact);
      remoteTarget = contact;
    } catch {
      this.logger.debug({ callId: invite.callId }, '2xx without a usable Contact; using the Request-URI');
    }
    return this.addDialog(
      new Dialog(this, {
        role: 'uac',
        callId: invite.callId,
        localTag: invite.from.tag ?? '',
        remoteTag: response.to.tag ?? '',
        localParty: invite.headers.get('From') ?? '',
        remoteParty: response.headers.get('To') ?? '',
        remoteTarget,
        // RFC 3261 §12.1.2: the UAC's route set is the Record-Route in reverse.
        routeSet: response.headers.getAll('Record-Route').reverse(),
        localSeq: invite.cseq.seq,
        transport,
        localSdp: invite.bodyText,
        ...(response.body.length > 0 && { remoteSdp: response.bodyText }),
      }),
    );
  }

  callSettled(call: IncomingCall): void {
    this.ringing.delete(call);
    this.untrackInvite(call.transaction);
  }

  // ----- inbound dispatch -----

  private receive(message: AnySipMessage, source: TransportAddress): void {
    if (this.closing) return;
    if (message.kind === 'response') {
      if (!this.layer.matchResponse(message)) this.logger.debug({ status: message.status, source }, 'stray SIP response dropped');
      return;
    }
    this.receiveRequest(message, source);
  }

  private receiveRequest(request: SipRequest, source: TransportAddress): void {
    if (this.layer.matchRequest(request)) return;
    if (request.method === 'ACK') {
      const dialog = this.dialogs.get(dialogKey(request.callId, request.to.tag ?? '', request.from.tag ?? ''));
      if (dialog) dialog.receiveAck(request);
      else this.logger.debug({ callId: request.callId, source }, 'ACK outside any dialog dropped');
      return;
    }
    const inDialog = request.to.tag !== undefined;
    let rejection: Exclude<PolicyDecision, 'accept' | 'drop'> | undefined;
    if (!inDialog && request.method !== 'CANCEL') {
      const decision = this.decide(request, source);
      if (decision === 'drop') {
        this.logger.debug({ method: request.method, source }, 'SIP request dropped by policy');
        return;
      }
      if (decision !== 'accept') rejection = decision;
    }
    const transaction = this.layer.createServer(request, source);
    if (rejection) {
      return this.respond(transaction, rejection.reject, {
        ...(rejection.reason !== undefined && { reason: rejection.reason }),
        ...(rejection.headers && { headers: rejection.headers }),
      });
    }
    const refusal = this.screen(request);
    if (refusal) return this.respond(transaction, refusal.status, refusal.options);
    if (request.method === 'CANCEL') return this.receiveCancel(request, transaction);
    if (inDialog) {
      const dialog = this.dialogs.get(dialogKey(request.callId, request.to.tag ?? '', request.from.tag ?? ''));
      if (!dialog) return this.respond(transaction, 481);
      // Dispatch after pending promise continuations: one TCP read can carry the ACK and the next
      // request, and the application attaches its dialog handlers when answer() resolves on that ACK.
      setImmediate(() => {
        try {
          dialog.receiveRequest(request, transaction);
        } catch (error) {
          this.logger.error({ err: error, callId: request.callId }, 'in-dialog request handling failed');
          if (transaction.state === 'trying' || transaction.state === 'proceeding') this.respond(transaction, 500);
        }
      });
      return;
    }
    if (request.method === 'OPTIONS') return this.respond(transaction, 200);
    if (request.method === 'INVITE') return this.receiveInvite(request, transaction as InviteServerTransaction);
    // BYE, INFO, REFER and NOTIFY only make sense inside a dialog.
    this.respond(transaction, 481);
  }

  /** RFC 3261 §8.2.1-8.2.3 checks every new request goes through. */
  private screen(request: SipRequest): { status: number; options?: ResponseOptions } | undefined {
    const method = request.method;
    if (method !== 'OPTIONS' && Number(request.headers.get('Max-Forwards') ?? 70) === 0) return { status: 483 };
    if (!KNOWN_METHODS.has(method)) return { status: 501 };
    if (!ALLOWED_METHODS.includes(method)) return { status: 405 };
    const scheme = uriScheme(request.uri);
    if (scheme !== 'sip' && scheme !== 'sips') return { status: 416 };
    const required = request.headers.getAll('Require');
    if (method !== 'CANCEL' && required.length > 0) return { status: 420, options: { headers: { Unsupported: required.join(', ') } } };
    return undefined;
  }

  private decide(request: SipRequest, source: TransportAddress): PolicyDecision {
    if (!this.config.policy) return 'accept';
    try {
      return this.config.policy(request, source);
    } catch (error) {
      this.logger.error({ err: error, source }, 'SIP policy failed; refusing the request');
      return { reject: 500 };
    }
  }

  private receiveCancel(cancel: SipRequest, transaction: ServerTransaction): void {
    const invite = this.layer.findInviteFor(cancel);
    if (!invite) return this.respond(transaction, 481);
    const pending = this.pendingInvites.get(invite);
    this.respond(transaction, 200, pending?.toTag === undefined ? {} : { toTag: pending.toTag });
    if (pending && invite.state === 'proceeding') {
      this.pendingInvites.delete(invite);
      pending.cancel();
    }
  }

  private receiveInvite(request: SipRequest, transaction: InviteServerTransaction): void {
    // The dialog's remote target: exactly one sip: Contact (sips: would need TLS; '*' is for REGISTER).
    const contacts = request.headers.getAll('Contact');
    const [contact = '*'] = contacts;
    if (contacts.length !== 1 || contact === '*' || uriScheme(parseNameAddr(contact).uri) !== 'sip') {
      return this.respond(transaction, 400, { reason: 'Missing or Unusable Contact' });
    }
    if (request.body.length > 0 && request.contentType !== 'application/sdp') {
      return this.respond(transaction, 415, { headers: { Accept: 'application/sdp' } });
    }
    const toTag = newTag();
    this.trackInvite(transaction, () => this.respond(transaction, 487, { toTag }), toTag);
    this.admit(request, transaction).catch((error: unknown) => {
      this.logger.error({ err: error, callId: request.callId }, 'INVITE admission failed');
      if (transaction.state === 'proceeding') this.respond(transaction, 500);
    });
  }

  private async admit(request: SipRequest, transaction: InviteServerTransaction): Promise<void> {
    if (this.authenticator) {
      const verdict = await this.authenticator.verify(request);
      if (transaction.state !== 'proceeding') return;
      if (verdict !== 'ok') {
        this.untrackInvite(transaction);
        return this.respond(transaction, 401, {
          headers: { 'WWW-Authenticate': this.authenticator.challenge(verdict === 'stale') },
        });
      }
    }
    this.untrackInvite(transaction);
    const { maxCalls } = this.config;
    if (maxCalls !== undefined && this.ringing.size + this.dialogs.size >= maxCalls) {
      return this.respond(transaction, 503, { headers: { 'Retry-After': String(this.config.retryAfterSeconds ?? 5) } });
    }
    const call = new IncomingCall(this, request, transaction);
    this.ringing.add(call);
    this.trackInvite(transaction, () => call.cancel(), call.toTag);
    const handler = this.callHandler;
    if (!handler) {
      call.reject(480);
      return;
    }
    try {
      handler(call);
    } catch (error) {
      this.logger.error({ err: error, callId: call.callId }, 'call handler failed');
      call.reject(500);
    }
  }

  /** A request we could not fully parse: answer 400 when we know enough to, else drop (RFC 3261 §8.2). */
  private receiveMalformed(error: SipParseError, source: TransportAddress): void {
    const request = error.partial;
    if (this.closing || request?.kind !== 'request' || request.method === 'ACK') {
      this.logger.debug({ reason: error.reason, source }, 'malformed SIP message dropped');
      return;
    }
    let response: SipResponse;
    let target: TransportAddress;
    try {
      recordSource(request, source);
      target = responseTarget(request, source);
      // RFC 3261 §8.2.6: a response copies these, so each must be readable (the getters throw otherwise).
      if (!(request.callId && request.cseq && request.from && request.to)) return;
      if (this.decide(request, source) !== 'accept') return;
      response = createResponse(request, error.status, error.reason.charAt(0).toUpperCase() + error.reason.slice(1));
      if (request.to.tag === undefined) response.headers.set('To', `${request.headers.get('To') ?? ''};tag=${newTag()}`);
      response.headers.append('Server', this.userAgent);
    } catch {
      this.logger.debug({ reason: error.reason, source }, 'malformed SIP request dropped: too broken to answer');
      return;
    }
    this.logger.debug({ reason: error.reason, source }, 'answering malformed SIP request');
    this.sendBytes(serializeMessage(response), target);
  }

  private completeRequest(request: SipRequest, target: TransportAddress): void {
    if (!request.headers.has('Via')) {
      const port = this.ports[target.transport] ?? this.ports.udp ?? this.ports.tcp;
      request.headers.prepend('Via', `SIP/2.0/${target.transport.toUpperCase()} ${this.host}:${port};branch=${newBranch()};rport`);
    }
    if (!request.headers.has('Max-Forwards')) request.headers.append('Max-Forwards', '70');
    if (!request.headers.has('User-Agent')) request.headers.append('User-Agent', this.userAgent);
  }

  private addDialog(dialog: Dialog): Dialog {
    this.dialogs.set(dialog.id, dialog);
    if (dialog.remote.connectionId !== undefined) this.transport.retain(dialog.remote.connectionId);
    return dialog;
  }
}

function defaultHost(listenHost: string): string {
  if (!isUnspecified(listenHost)) return socketAddress(listenHost);
  for (const addresses of Object.values(networkInterfaces())) {
    const external = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (external) return external.address;
  }
  return '127.0.0.1';
}
