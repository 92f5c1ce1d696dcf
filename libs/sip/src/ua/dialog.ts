import type { SipLogger } from '../logger';
import { SipParseError } from '../message/errors';
import { SipHeaders } from '../message/headers';
import { SipRequest, type SipResponse } from '../message/message';
import { parseNameAddr, type NameAddr } from '../message/name-addr';
import { parseSipUri } from '../message/uri';
import type { ClientTransaction, ClientTransactionUser } from '../transaction/client';
import type { InviteServerTransaction, ServerTransaction } from '../transaction/server';
import { transactionTimeout, type CancelTimer, type SipTimers, type TimerPool } from '../transaction/timers';
import type { TransportAddress, TransportProtocol } from '../transport/transport';
import { DTMF_RELAY, formatDtmfRelay } from './dtmf';
import { SipError, SipRequestError } from './errors';
import { IncomingRefer, ReferSubscription, SIPFRAG, parseSipfrag, type ReferOutcome } from './refer';

export type HeaderInit = Readonly<Record<string, string | readonly string[]>>;

export interface ResponseOptions {
  readonly reason?: string;
  /** Our To tag; one is generated when the request has none. */
  readonly toTag?: string;
  readonly headers?: HeaderInit;
  readonly body?: string;
  readonly contentType?: string;
  /** Adds our Contact (and copies Record-Route) for responses that set up or refresh a dialog. */
  readonly dialogForming?: boolean;
}

/** What dialogs, calls and transfers need from the user agent core. */
export interface DialogCore {
  readonly timers: SipTimers;
  readonly pool: TimerPool;
  readonly logger: SipLogger;
  buildResponse(transaction: ServerTransaction, status: number, options?: ResponseOptions): SipResponse;
  respond(transaction: ServerTransaction, status: number, options?: ResponseOptions): void;
  sendRequest(request: SipRequest, target: TransportAddress, user: ClientTransactionUser): ClientTransaction;
  /** Completes and serializes an ACK for a 2xx; ACKs travel outside any transaction. */
  prepareAck(ack: SipRequest, target: TransportAddress): Buffer;
  sendBytes(bytes: Buffer, target: TransportAddress): void;
  targetFor(uri: string, preferred?: { transport?: TransportProtocol; connectionId?: number }): TransportAddress;
  contact(transport: TransportProtocol): string;
  trackInvite(transaction: InviteServerTransaction, onCancel: () => void): void;
  untrackInvite(transaction: InviteServerTransaction): void;
  dialogEnded(dialog: Dialog): void;
}

export type DialogRole = 'uas' | 'uac';
export type DialogEndReason = 'remote-bye' | 'local-bye' | 'no-ack' | 'request-failed' | 'shutdown';

/** An offer's answer SDP, or a refusal (488 keeps the old session, RFC 3261 §14.2). */
export type ReinviteAnswer = string | { readonly reject: number; readonly reason?: string };
export type ReinviteHandler = (offer: string | undefined, request: SipRequest) => ReinviteAnswer | Promise<ReinviteAnswer>;
export type InfoListener = (contentType: string | undefined, body: string, request: SipRequest) => void;
/** Return true/false to accept/refuse at once, or nothing and call `accept`/`reject` later. */
export type ReferHandler = (refer: IncomingRefer) => boolean | void;

export interface DialogInit {
  readonly role: DialogRole;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** Our From (UAC) or To (UAS) header value, with our tag. */
  readonly localParty: string;
  readonly remoteParty: string;
  readonly remoteTarget: string;
  readonly routeSet: readonly string[];
  readonly localSeq: number;
  readonly remoteSeq?: number;
  /** Where the dialog was set up; for TCP its connection is reused. */
  readonly transport: TransportAddress;
  readonly localSdp?: string;
  readonly remoteSdp?: string;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\n${localTag}\n${remoteTag}`;
}

const NOTIFY_EXPIRES_S = 60;
const DEFAULT_REFER_WAIT_S = 60;

interface AckWait {
  readonly cseq: number;
  readonly stop: () => void;
  readonly resolve: (ack: SipRequest) => void;
  readonly reject: (error: Error) => void;
  /** Settles with the wait, whichever way it goes. */
  readonly settled: Promise<void>;
}

/** A confirmed dialog (RFC 3261 §12): in-dialog requests both ways, hangup, re-INVITE, INFO and REFER. */
export class Dialog {
  readonly id: string;
  readonly role: DialogRole;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** Where the dialog was set up (source of the INVITE, or where ours went). */
  readonly remote: TransportAddress;
  private target: string;
  private readonly routeSet: readonly string[];
  private readonly localParty: string;
  private readonly remoteParty: string;
  private localSeq: number;
  private remoteSeq: number | undefined;
  private local: string | undefined;
  private remoteDescription: string | undefined;
  private ended: DialogEndReason | undefined;
  private ackWait: AckWait | undefined;
  private pendingReinvite: InviteServerTransaction | undefined;
  private reinviting = false;
  private lastAck: { cseq: number; bytes: Buffer; target: TransportAddress } | undefined;
  private readonly referSubscriptions = new Map<number, ReferSubscription>();
  private readonly byeListeners: ((request: SipRequest) => void)[] = [];
  private readonly endListeners: ((reason: DialogEndReason) => void)[] = [];
  private readonly infoListeners: InfoListener[] = [];
  private reinviteHandler: ReinviteHandler | undefined;
  private referHandler: ReferHandler | undefined;

  constructor(
    private readonly core: DialogCore,
    init: DialogInit,
  ) {
    this.id = dialogKey(init.callId, init.localTag, init.remoteTag);
    this.role = init.role;
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.remote = init.transport;
    this.target = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localParty = init.localParty;
    this.remoteParty = init.remoteParty;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.local = init.localSdp;
    this.remoteDescription = init.remoteSdp;
  }

  /** The remote Contact URI, where in-dialog requests go (updated by target refreshes). */
  get remoteTarget(): string {
    return this.target;
  }

  get localUri(): NameAddr {
    return parseNameAddr(this.localParty);
  }

  get remoteUri(): NameAddr {
    return parseNameAddr(this.remoteParty);
  }

  get localSdp(): string | undefined {
    return this.local;
  }

  get remoteSdp(): string | undefined {
    return this.remoteDescription;
  }

  get state(): 'confirmed' | 'terminated' {
    return this.ended ? 'terminated' : 'confirmed';
  }

  get endReason(): DialogEndReason | undefined {
    return this.ended;
  }

  /** The remote party hung up (a 200 OK has been sent). Returns an unsubscribe function. */
  onBye(listener: (request: SipRequest) => void): () => void {
    return subscribe(this.byeListeners, listener);
  }

  /** Fires once however the dialog ends; at once (next tick) if it already has. */
  onTerminated(listener: (reason: DialogEndReason) => void): () => void {
    const ended = this.ended;
    if (ended) {
      queueMicrotask(() => this.guard(() => listener(ended), 'termination listener'));
      return () => undefined;
    }
    return subscribe(this.endListeners, listener);
  }

  onInfo(listener: InfoListener): () => void {
    return subscribe(this.infoListeners, listener);
  }

  /** Answers re-INVITEs (hold, resume, session refresh). Without a handler they get 488. */
  onReinvite(handler: ReinviteHandler): void {
    this.reinviteHandler = handler;
  }

  /** Decides on REFERs. Without a handler they get 603 Decline. */
  onRefer(handler: ReferHandler): void {
    this.referHandler = handler;
  }

  /** Hangs up. Resolves once the BYE is answered or times out; the dialog ends at once. */
  async bye(headers?: HeaderInit): Promise<void> {
    // RFC 3261 §15: a callee waits for the ACK of its 2xx (or its timeout) before BYE.
    if (this.ackWait) await this.ackWait.settled;
    if (this.ended) return;
    await this.hangup('local-bye', headers);
  }

  /** Sends a re-INVITE with a new offer; resolves with the answer SDP. */
  async reinvite(offerSdp: string, headers?: HeaderInit): Promise<string | undefined> {
    if (this.ended) throw new SipError('the dialog has ended');
    // RFC 3261 §14.1: one INVITE transaction at a time in each direction.
    if (this.reinviting || this.pendingReinvite || this.ackWait) throw new SipError('an INVITE is already in progress');
    const request = this.buildRequest('INVITE', { headers, body: offerSdp, contentType: 'application/sdp' });
    this.reinviting = true;
    return new Promise((resolve, reject) => {
      let answered = false;
      this.core.sendRequest(request.message, request.target, {
        onResponse: (response) => {
          if (response.status < 200) return;
          if (response.status < 300) {
            this.acknowledge(request.message.cseq.seq);
            if (answered) return;
            answered = true;
            this.reinviting = false;
            this.refreshTarget(response);
            this.local = offerSdp;
            if (response.body.length > 0) this.remoteDescription = response.bodyText;
            resolve(response.body.length > 0 ? response.bodyText : undefined);
            return;
          }
          this.reinviting = false;
          reject(this.failed(response.status, response.reason, response));
        },
        onFailure: (failure) => {
          this.reinviting = false;
          reject(this.failed(failure === 'timeout' ? 408 : 503, failure === 'timeout' ? 'Request Timeout' : 'Transport Error'));
        },
      });
    });
  }

  /** Sends INFO; resolves with the 2xx. */
  async info(contentType: string, body: string, headers?: HeaderInit): Promise<SipResponse> {
    return this.send('INFO', { headers, body, contentType });
  }

  /** DTMF over SIP INFO (application/dtmf-relay). */
  async sendDtmf(signal: string, durationMs = 160): Promise<void> {
    await this.info(DTMF_RELAY, formatDtmfRelay(signal, durationMs));
  }

  /** Transfers the remote party to `target` (RFC 3515); see ReferOutcome for how the result arrives. */
  async refer(target: string, headers?: HeaderInit): Promise<ReferOutcome> {
    if (this.ended) throw new SipError('the dialog has ended');
    const referTo = target.trim().includes('<') ? target.trim() : `<${target.trim()}>`;
    parseNameAddr(referTo);
    const request = this.buildRequest('REFER', { headers: { 'Refer-To': referTo, 'Referred-By': `<${this.localUri.uri}>`, ...headers } });
    const subscription = new ReferSubscription(request.message.cseq.seq, this.core.pool, this.core.logger);
    this.referSubscriptions.set(subscription.id, subscription);
    subscription.result.then(() => this.referSubscriptions.delete(subscription.id), () => undefined);
    const outcome = (status: number, reason: string, accepted: boolean): ReferOutcome => ({
      status,
      reason,
      accepted,
      result: subscription.result,
      onNotify: (listener) => subscription.onNotify(listener),
    });
    try {
      const response = await this.transact(request.message, request.target);
      subscription.extend(DEFAULT_REFER_WAIT_S);
      return outcome(response.status, response.reason, true);
    } catch (error) {
      if (!(error instanceof SipRequestError)) throw error;
      subscription.finish({ status: error.status, reason: error.reason, endedBy: 'refer-rejected' });
      return outcome(error.status, error.reason, false);
    }
  }

  // ----- driven by the user agent core -----

  /** An in-dialog request that passed the core's checks. */
  receiveRequest(request: SipRequest, transaction: ServerTransaction): void {
    if (this.ended) return this.core.respond(transaction, 481);
    const seq = request.cseq.seq;
    // RFC 3261 §12.2.2: requests must arrive in CSeq order.
    if (this.remoteSeq !== undefined && seq < this.remoteSeq) {
      return this.core.respond(transaction, 500, { reason: 'CSeq Out of Order' });
    }
    this.remoteSeq = seq;
    switch (request.method) {
      case 'BYE':
        this.core.respond(transaction, 200);
        this.end('remote-bye', request);
        return;
      case 'INVITE':
        this.receiveReinvite(request, transaction as InviteServerTransaction).catch((error: unknown) => {
          this.core.logger.error({ err: error, callId: this.callId }, 're-INVITE handling failed');
        });
        return;
      case 'INFO':
        this.core.respond(transaction, 200);
        for (const listener of [...this.infoListeners]) {
          this.guard(() => listener(request.contentType, request.bodyText, request), 'INFO listener');
        }
        return;
      case 'REFER':
        return this.receiveRefer(request, transaction);
      case 'NOTIFY':
        return this.receiveNotify(request, transaction);
      default:
        // OPTIONS, the only other method the core lets through.
        this.core.respond(transaction, 200);
    }
  }

  /** An ACK for one of our 2xx responses. */
  receiveAck(ack: SipRequest): void {
    const wait = this.ackWait;
    if (!wait || ack.cseq.seq !== wait.cseq) return;
    this.ackWait = undefined;
    wait.stop();
    // With an offer in our 2xx, the ACK carries the answer.
    if (ack.body.length > 0 && ack.contentType === 'application/sdp') this.remoteDescription = ack.bodyText;
    wait.resolve(ack);
  }

  /**
   * Sends our 2xx and resends it (T1 doubling to T2) until the ACK arrives
   * (RFC 3261 §13.3.1.4). Without an ACK after 64*T1 the call is hung up.
   */
  awaitAck(transaction: InviteServerTransaction, response: SipResponse): Promise<SipRequest> {
    transaction.respond(response);
    const { t1, t2 } = this.core.timers;
    let cancelResend: CancelTimer = () => undefined;
    const resend = (interval: number): void => {
      cancelResend = this.core.pool.after(interval, () => {
        transaction.respond(response);
        resend(Math.min(2 * interval, t2));
      });
    };
    resend(t1);
    let resolve!: (ack: SipRequest) => void;
    let reject!: (error: Error) => void;
    const acked = new Promise<SipRequest>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const cancelGiveUp = this.core.pool.after(transactionTimeout(this.core.timers), () => {
      this.ackWait = undefined;
      cancelResend();
      reject(new SipError('no ACK for the 2xx response'));
      this.hangup('no-ack').catch((error: unknown) => this.core.logger.warn({ err: error, callId: this.callId }, 'BYE failed'));
    });
    const stop = (): void => {
      cancelResend();
      cancelGiveUp();
    };
    this.ackWait = { cseq: response.cseq.seq, stop, resolve, reject, settled: acked.then(noop, noop) };
    return acked;
  }

  /** UAC: ACKs a 2xx to our INVITE; resends the identical ACK for 2xx retransmissions. */
  acknowledge(inviteSeq: number): void {
    if (this.lastAck?.cseq !== inviteSeq) {
      const { message, target } = this.buildRequest('ACK', { cseq: inviteSeq });
      this.lastAck = { cseq: inviteSeq, bytes: this.core.prepareAck(message, target), target };
    }
    this.core.sendBytes(this.lastAck.bytes, this.lastAck.target);
  }

  /** Sends BYE (when possible) and ends the dialog with `reason`. */
  async hangup(reason: DialogEndReason, headers?: HeaderInit): Promise<void> {
    if (this.ended) return;
    let bye: { message: SipRequest; target: TransportAddress };
    try {
      bye = this.buildRequest('BYE', { headers });
    } catch (error) {
      this.core.logger.warn({ err: error, callId: this.callId }, 'cannot send BYE; ending the dialog locally');
      this.end(reason);
      return;
    }
    this.end(reason);
    await new Promise<void>((resolve) => {
      this.core.sendRequest(bye.message, bye.target, {
        onResponse: (response) => {
          if (response.status >= 200) resolve();
        },
        onFailure: () => resolve(),
      });
    });
  }

  /** Ends the dialog without signalling (remote BYE, shutdown, failures). */
  end(reason: DialogEndReason, bye?: SipRequest): void {
    if (this.ended) return;
    this.ended = reason;
    const wait = this.ackWait;
    this.ackWait = undefined;
    if (wait) {
      wait.stop();
      wait.reject(new SipError(`the call ended before the ACK (${reason})`));
    }
    const reinvite = this.pendingReinvite;
    this.pendingReinvite = undefined;
    if (reinvite) {
      this.core.untrackInvite(reinvite);
      this.core.respond(reinvite, 487);
    }
    for (const subscription of this.referSubscriptions.values()) {
      subscription.finish({ status: 487, reason: 'Dialog ended before the final NOTIFY', endedBy: 'dialog-ended' });
    }
    this.core.dialogEnded(this);
    if (bye) for (const listener of this.byeListeners.splice(0)) this.guard(() => listener(bye), 'BYE listener');
    for (const listener of this.endListeners.splice(0)) this.guard(() => listener(reason), 'termination listener');
  }

  // ----- internals -----

  private async receiveReinvite(request: SipRequest, transaction: InviteServerTransaction): Promise<void> {
    if (this.pendingReinvite || this.ackWait) {
      // RFC 3261 §14.2: still busy with the previous INVITE.
      return this.core.respond(transaction, 500, { headers: { 'Retry-After': String(Math.floor(Math.random() * 10)) } });
    }
    if (this.reinviting) return this.core.respond(transaction, 491);
    this.pendingReinvite = transaction;
    this.core.trackInvite(transaction, () => {
      this.pendingReinvite = undefined;
      this.core.respond(transaction, 487);
    });
    const offer = request.body.length > 0 && request.contentType === 'application/sdp' ? request.bodyText : undefined;
    let answer: ReinviteAnswer;
    try {
      answer = this.reinviteHandler ? await this.reinviteHandler(offer, request) : { reject: 488 };
    } catch (error) {
      this.core.logger.warn({ err: error, callId: this.callId }, 're-INVITE handler failed');
      answer = { reject: 500 };
    }
    // Cancelled, or the dialog ended, while the application was deciding.
    if (this.pendingReinvite !== transaction) return;
    this.pendingReinvite = undefined;
    this.core.untrackInvite(transaction);
    if (typeof answer !== 'string') {
      return this.core.respond(transaction, answer.reject, answer.reason === undefined ? {} : { reason: answer.reason });
    }
    this.refreshTarget(request);
    this.local = answer;
    if (offer !== undefined) this.remoteDescription = offer;
    const response = this.core.buildResponse(transaction, 200, { body: answer, contentType: 'application/sdp', dialogForming: true });
    this.awaitAck(transaction, response).catch(() => undefined);
  }

  private receiveRefer(request: SipRequest, transaction: ServerTransaction): void {
    let referTo: NameAddr;
    try {
      if (request.headers.lineCount('Refer-To') !== 1) throw new SipParseError('exactly one Refer-To is required');
      referTo = parseNameAddr(request.headers.get('Refer-To') ?? '');
    } catch {
      return this.core.respond(transaction, 400, { reason: 'Bad Refer-To' });
    }
    const id = request.cseq.seq;
    const refer = new IncomingRefer(referTo, request, {
      respond: (status, reason) => this.core.respond(transaction, status, reason === undefined ? {} : { reason }),
      notify: (fragment, terminated) => this.sendNotify(id, fragment, terminated),
    });
    const handler = this.referHandler;
    if (!handler) {
      refer.reject(603);
      return;
    }
    try {
      const decision = handler(refer);
      if (decision === true) refer.accept();
      else if (decision === false) refer.reject();
    } catch (error) {
      this.core.logger.warn({ err: error, callId: this.callId }, 'REFER handler failed');
      refer.reject(500);
    }
  }

  private receiveNotify(request: SipRequest, transaction: ServerTransaction): void {
    const event = /^\s*refer\s*(;.*)?$/i.exec(request.headers.get('Event') ?? '');
    if (!event) return this.core.respond(transaction, 489);
    const id = /;\s*id\s*=\s*(\d+)/i.exec(event[1] ?? '')?.[1];
    const subscription =
      id === undefined ? [...this.referSubscriptions.values()].at(-1) : this.referSubscriptions.get(Number(id));
    if (!subscription) return this.core.respond(transaction, 481, { reason: 'Subscription Does Not Exist' });
    this.core.respond(transaction, 200);
    const state = request.headers.get('Subscription-State') ?? '';
    const expires = /;\s*expires\s*=\s*(\d+)/i.exec(state)?.[1];
    if (expires !== undefined) subscription.extend(Number(expires));
    const fragment = request.contentType === SIPFRAG ? parseSipfrag(request.bodyText) : undefined;
    subscription.notify(fragment, /^\s*terminated/i.test(state));
  }

  private async sendNotify(referId: number, fragment: string, terminated: boolean): Promise<void> {
    if (this.ended) return;
    try {
      const request = this.buildRequest('NOTIFY', {
        headers: {
          Event: `refer;id=${referId}`,
          'Subscription-State': terminated ? 'terminated;reason=noresource' : `active;expires=${NOTIFY_EXPIRES_S}`,
        },
        body: fragment,
        contentType: `${SIPFRAG};version=2.0`,
      });
      await this.transact(request.message, request.target);
    } catch (error) {
      this.core.logger.debug({ err: error, callId: this.callId }, 'NOTIFY for REFER failed');
    }
  }

  private async send(method: string, options: RequestOptions): Promise<SipResponse> {
    if (this.ended) throw new SipError('the dialog has ended');
    const request = this.buildRequest(method, options);
    return this.transact(request.message, request.target);
  }

  /** Runs a non-INVITE request; resolves with its 2xx, rejects with SipRequestError otherwise. */
  private transact(request: SipRequest, target: TransportAddress): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      this.core.sendRequest(request, target, {
        onResponse: (response) => {
          if (response.status < 200) return;
          if (response.status < 300) resolve(response);
          else reject(this.failed(response.status, response.reason, response));
        },
        onFailure: (failure) => {
          reject(this.failed(failure === 'timeout' ? 408 : 503, failure === 'timeout' ? 'Request Timeout' : 'Transport Error'));
        },
      });
    });
  }

  /** RFC 3261 §12.2.1.2: a 481 or 408 to an in-dialog request ends the dialog. */
  private failed(status: number, reason: string, response?: SipResponse): SipRequestError {
    if (status === 481 || status === 408) this.end('request-failed');
    return new SipRequestError(status, reason, response);
  }

  /** Target refresh (RFC 3261 §12.2): a Contact in a re-INVITE or its 2xx becomes the remote target. */
  private refreshTarget(message: SipRequest | SipResponse): void {
    const contact = message.headers.get('Contact');
    if (contact === undefined) return;
    try {
      const uri = parseNameAddr(contact).uri;
      parseSipUri(uri);
      this.target = uri;
    } catch {
      this.core.logger.debug({ callId: this.callId }, 'ignoring unusable Contact in target refresh');
    }
  }

  /** RFC 3261 §12.2.1.1: Request-URI, Route and destination from the route set and remote target. */
  private buildRequest(method: string, options: RequestOptions = {}): { message: SipRequest; target: TransportAddress } {
    let uri = this.target;
    let routes = [...this.routeSet];
    const [first] = routes;
    if (first !== undefined && !isLooseRoute(first)) {
      // Strict router: it goes in the Request-URI and the remote target joins the end of the route.
      uri = parseNameAddr(first).uri;
      routes = [...routes.slice(1), `<${this.target}>`];
    }
    const nextHop = first !== undefined && isLooseRoute(first) ? parseNameAddr(first).uri : uri;
    const seq = options.cseq ?? ++this.localSeq;
    const headers = new SipHeaders()
      .append('From', this.localParty)
      .append('To', this.remoteParty)
      .append('Call-ID', this.callId)
      .append('CSeq', `${seq} ${method}`)
      .append('Route', routes);
    const target = this.core.targetFor(nextHop, this.remote);
    if (method === 'INVITE' || method === 'REFER' || method === 'NOTIFY') headers.append('Contact', this.core.contact(target.transport));
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.append(name, value);
    if (options.body !== undefined) headers.set('Content-Type', options.contentType ?? 'application/sdp');
    const message = new SipRequest(method, uri, headers, options.body === undefined ? undefined : Buffer.from(options.body, 'utf8'));
    return { message, target };
  }

  private guard(run: () => void, what: string): void {
    try {
      run();
    } catch (error) {
      this.core.logger.warn({ err: error, callId: this.callId }, `${what} failed`);
    }
  }
}

interface RequestOptions {
  readonly headers?: HeaderInit | undefined;
  readonly body?: string;
  readonly contentType?: string;
  /** For ACK: the CSeq number of the INVITE it acknowledges. */
  readonly cseq?: number;
}

function isLooseRoute(route: string): boolean {
  try {
    return parseSipUri(parseNameAddr(route).uri).params.has('lr');
  } catch {
    return true;
  }
}

const noop = (): undefined => undefined;

function subscribe<T>(list: T[], listener: T): () => void {
  list.push(listener);
  return () => {
    const index = list.indexOf(listener);
    if (index >= 0) list.splice(index, 1);
  };
}
