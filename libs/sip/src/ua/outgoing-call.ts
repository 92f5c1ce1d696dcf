import { newCallId, newTag } from '../message/build';
import { SipHeaders } from '../message/headers';
import { SipRequest, type SipResponse } from '../message/message';
import { parseNameAddr } from '../message/name-addr';
import type { ClientFailure, ClientTransaction, ClientTransactionUser } from '../transaction/client';
import { transactionTimeout, type CancelTimer } from '../transaction/timers';
import type { TransportAddress, TransportProtocol } from '../transport/transport';
import { authorizationFor, type ClientCredentials } from './digest';
import type { Dialog, DialogCore, HeaderInit } from './dialog';
import { SipRequestError } from './errors';

export interface InviteOptions {
  /** Request-URI, or a name-addr (`"Agent" <sip:agent@host>`). */
  readonly to: string;
  /** Our identity; defaults to the user agent's own address. */
  readonly from?: string;
  readonly sdp: string;
  readonly headers?: HeaderInit;
  /** Default: the URI's transport parameter, else UDP (or TCP when only TCP listens). */
  readonly transport?: TransportProtocol;
  /** Answers one 401/407 digest challenge. */
  readonly credentials?: ClientCredentials;
}

export interface CallProgress {
  readonly status: number;
  readonly reason: string;
  /** Early-media SDP, if the provisional response carried one. */
  readonly sdp?: string;
  readonly response: SipResponse;
}

/** What an outgoing call needs from the core beyond what dialogs need. */
export interface OutgoingCallCore extends DialogCore {
  readonly defaultFrom: string;
  createUacDialog(invite: SipRequest, response: SipResponse, transport: TransportAddress): Dialog;
}

/** The caller side of one INVITE (RFC 3261 §13.2). */
export class OutgoingCall {
  readonly callId = newCallId();
  /** Resolves with the confirmed dialog (ACK already sent); rejects with SipRequestError or SipError. */
  readonly answered: Promise<Dialog>;
  private resolveAnswered!: (dialog: Dialog) => void;
  private rejectAnswered!: (error: Error) => void;
  private readonly from: string;
  private readonly to: string;
  private readonly requestUri: string;
  private readonly target: TransportAddress;
  private readonly progressListeners: ((progress: CallProgress) => void)[] = [];
  private invite!: SipRequest;
  private transaction!: ClientTransaction;
  private seq = 1;
  private dialog: Dialog | undefined;
  private settled = false;
  private provisionalSeen = false;
  private cancelRequested = false;
  private cancelSent = false;
  private authTried = false;
  private cancelGiveUp: CancelTimer | undefined;

  constructor(
    private readonly core: OutgoingCallCore,
    private readonly options: InviteOptions,
  ) {
    this.answered = new Promise<Dialog>((resolve, reject) => {
      this.resolveAnswered = resolve;
      this.rejectAnswered = reject;
    });
    // Callers that only use onProgress/cancel must not trip unhandled-rejection checks.
    this.answered.catch(() => undefined);
    const to = options.to.includes('<') ? options.to : `<${options.to}>`;
    this.requestUri = parseNameAddr(to).uri;
    this.to = to;
    this.from = `${options.from ?? core.defaultFrom};tag=${newTag()}`;
    parseNameAddr(this.from);
    this.target = core.targetFor(this.requestUri, options.transport === undefined ? {} : { transport: options.transport });
    this.send();
  }

  onProgress(listener: (progress: CallProgress) => void): void {
    this.progressListeners.push(listener);
  }

  /**
   * Abandons the call. A CANCEL goes out once a provisional response has
   * arrived (RFC 3261 §9.1); `answered` then rejects with 487.
   */
  cancel(): void {
    if (this.settled || this.cancelRequested) return;
    this.cancelRequested = true;
    if (this.provisionalSeen) this.sendCancel();
  }

  private send(authorization?: { name: string; value: string }): void {
    const headers = new SipHeaders()
      .append('From', this.from)
      .append('To', this.to)
      .append('Call-ID', this.callId)
      .append('CSeq', `${this.seq} INVITE`)
      .append('Contact', this.core.contact(this.target.transport))
      .append('Content-Type', 'application/sdp');
    for (const [name, value] of Object.entries(this.options.headers ?? {})) headers.append(name, value);
    if (authorization) headers.append(authorization.name, authorization.value);
    this.invite = new SipRequest('INVITE', this.requestUri, headers, Buffer.from(this.options.sdp, 'utf8'));
    const user: ClientTransactionUser = {
      onResponse: (response) => this.receive(response),
      onFailure: (failure) => this.fail(failure),
    };
    this.transaction = this.core.sendRequest(this.invite, this.target, user);
  }

  private receive(response: SipResponse): void {
    if (response.status < 200) {
      this.provisionalSeen = true;
      if (this.cancelRequested && !this.cancelSent) this.sendCancel();
      if (response.status > 100 && !this.settled) this.emitProgress(response);
      return;
    }
    if (response.status < 300) return this.accept(response);
    const challenged = response.status === 401 || response.status === 407;
    if (challenged && this.options.credentials && !this.authTried && !this.cancelRequested) {
      this.authTried = true;
      const challenge = response.headers.get(response.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
      if (challenge !== undefined) {
        this.seq++;
        const value = authorizationFor(challenge, this.invite, this.options.credentials);
        this.send({ name: response.status === 401 ? 'Authorization' : 'Proxy-Authorization', value });
        return;
      }
    }
    this.finish(new SipRequestError(response.status, response.reason, response));
  }

  private accept(response: SipResponse): void {
    const existing = this.dialog;
    if (existing && response.to.tag === existing.remoteTag) {
      existing.acknowledge(this.seq);
      return;
    }
    // A first 2xx, or one from another fork: each is ACKed; extra forks are hung up.
    const dialog = this.core.createUacDialog(this.invite, response, this.transaction.target);
    dialog.acknowledge(this.seq);
    if (existing || this.cancelRequested || this.settled) {
      dialog.hangup('local-bye').catch((error: unknown) => this.core.logger.warn({ err: error, callId: this.callId }, 'BYE failed'));
      this.finish(new SipRequestError(487, 'Request Terminated'));
      return;
    }
    this.dialog = dialog;
    this.finish(dialog);
  }

  private fail(failure: ClientFailure): void {
    if (failure === 'timeout') this.finish(new SipRequestError(408, 'Request Timeout'));
    else this.finish(new SipRequestError(503, 'Transport Error'));
  }

  private finish(outcome: Dialog | Error): void {
    this.cancelGiveUp?.();
    if (this.settled) return;
    this.settled = true;
    if (outcome instanceof Error) this.rejectAnswered(outcome);
    else this.resolveAnswered(outcome);
  }

  /** RFC 3261 §9.1: same Request-URI, Call-ID, From, To, CSeq number and top Via as the INVITE. */
  private sendCancel(): void {
    this.cancelSent = true;
    const headers = new SipHeaders()
      .append('Via', this.invite.headers.get('Via') ?? '')
      .append('From', this.from)
      .append('To', this.to)
      .append('Call-ID', this.callId)
      .append('CSeq', `${this.seq} CANCEL`)
      .append('Route', this.invite.headers.getAll('Route'));
    const cancel = new SipRequest('CANCEL', this.invite.uri, headers);
    this.core.sendRequest(cancel, this.transaction.target, { onResponse: () => undefined, onFailure: () => undefined });
    // If the INVITE never gets its final response, give up on it after 64*T1.
    this.cancelGiveUp = this.core.pool.after(transactionTimeout(this.core.timers), () => {
      this.transaction.terminate();
      this.finish(new SipRequestError(487, 'Request Terminated'));
    });
  }

  private emitProgress(response: SipResponse): void {
    const progress: CallProgress = {
      status: response.status,
      reason: response.reason,
      ...(response.body.length > 0 && { sdp: response.bodyText }),
      response,
    };
    for (const listener of this.progressListeners) {
      try {
        listener(progress);
      } catch (error) {
        this.core.logger.warn({ err: error, callId: this.callId }, 'progress listener failed');
      }
    }
  }
}
