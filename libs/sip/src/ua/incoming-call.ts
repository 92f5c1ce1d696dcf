import { newTag } from '../message/build';
import type { ReadonlySipHeaders } from '../message/headers';
import type { SipRequest } from '../message/message';
import type { NameAddr } from '../message/name-addr';
import type { InviteServerTransaction } from '../transaction/server';
import type { CancelTimer } from '../transaction/timers';
import type { TransportAddress } from '../transport/transport';
import type { Dialog, DialogCore, HeaderInit } from './dialog';
import { SipError } from './errors';

export type IncomingCallState = 'ringing' | 'answered' | 'rejected' | 'cancelled';

/** What an incoming call needs from the core beyond what dialogs need. */
export interface CallCore extends DialogCore {
  readonly answerTimeoutMs: number;
  createUasDialog(call: IncomingCall, toTag: string, localSdp: string): Dialog;
  callSettled(call: IncomingCall): void;
}

/** A new INVITE that passed policy, authentication and the call limit. */
export class IncomingCall {
  readonly callId: string;
  readonly from: NameAddr;
  readonly to: NameAddr;
  /** Where the INVITE came from. */
  readonly remote: TransportAddress;
  /** Every request header, case-insensitive (`user-to-user`, `x-*`...). */
  readonly headers: ReadonlySipHeaders;
  /** The SDP offer, or undefined for a delayed-offer INVITE. */
  readonly offer: string | undefined;
  /** Our To tag, used in every response to this INVITE. */
  readonly toTag = newTag();
  private current: IncomingCallState = 'ringing';
  private readonly cancelListeners: (() => void)[] = [];
  private readonly cancelAnswerTimer: CancelTimer;

  constructor(
    private readonly core: CallCore,
    readonly request: SipRequest,
    readonly transaction: InviteServerTransaction,
  ) {
    this.callId = request.callId;
    this.from = request.from;
    this.to = request.to;
    this.remote = transaction.source;
    this.headers = request.headers;
    this.offer = request.body.length > 0 ? request.bodyText : undefined;
    this.cancelAnswerTimer = core.pool.after(core.answerTimeoutMs, () => this.reject(480, 'No Answer'));
  }

  get state(): IncomingCallState {
    return this.current;
  }

  /** Sends a provisional response (180 Ringing, or 183 with early-media SDP). False once the call is settled. */
  progress(status = 180, sdp?: string): boolean {
    if (!(status > 100 && status < 200)) throw new RangeError('progress takes a 101-199 status');
    if (this.current !== 'ringing') return false;
    this.core.respond(this.transaction, status, {
      toTag: this.toTag,
      dialogForming: true,
      ...(sdp !== undefined && { body: sdp, contentType: 'application/sdp' }),
    });
    return true;
  }

  /**
   * Sends 200 OK with the SDP answer. Resolves with the dialog when the ACK
   * arrives; rejects (SipError) without an ACK in 64*T1 — the call is then
   * hung up — or if the call was already cancelled or settled.
   */
  async answer(sdpAnswer: string): Promise<Dialog> {
    if (this.current !== 'ringing') throw new SipError(`cannot answer a call that is ${this.current}`);
    this.settle('answered');
    const dialog = this.core.createUasDialog(this, this.toTag, sdpAnswer);
    const response = this.core.buildResponse(this.transaction, 200, {
      toTag: this.toTag,
      dialogForming: true,
      body: sdpAnswer,
      contentType: 'application/sdp',
    });
    await dialog.awaitAck(this.transaction, response);
    return dialog;
  }

  /** Refuses the call with a 3xx-6xx final response. False once the call is settled. */
  reject(status: number, reason?: string, headers?: HeaderInit): boolean {
    if (!(status >= 300 && status < 700)) throw new RangeError('reject takes a 300-699 status');
    if (this.current !== 'ringing') return false;
    this.settle('rejected');
    this.core.respond(this.transaction, status, {
      toTag: this.toTag,
      ...(reason !== undefined && { reason }),
      ...(headers && { headers }),
    });
    return true;
  }

  /** The caller cancelled before an answer (487 already sent). */
  onCancel(listener: () => void): void {
    if (this.current === 'cancelled') queueMicrotask(() => this.notifyCancel(listener));
    else this.cancelListeners.push(listener);
  }

  /** Called by the core when a CANCEL matches this INVITE. */
  cancel(): void {
    if (this.current !== 'ringing') return;
    this.settle('cancelled');
    this.core.respond(this.transaction, 487, { toTag: this.toTag });
    for (const listener of this.cancelListeners.splice(0)) this.notifyCancel(listener);
  }

  private notifyCancel(listener: () => void): void {
    try {
      listener();
    } catch (error) {
      this.core.logger.warn({ err: error, callId: this.callId }, 'cancel listener failed');
    }
  }

  private settle(state: IncomingCallState): void {
    this.current = state;
    this.cancelAnswerTimer();
    this.core.callSettled(this);
  }
}
