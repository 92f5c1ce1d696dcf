// Call transfer with REFER and its implicit subscription (RFC 3515): the
// referrer learns the outcome from NOTIFYs carrying message/sipfrag.
import { reasonPhrase, sanitizeReason } from '../message/build';
import type { ReadonlySipHeaders } from '../message/headers';
import type { SipRequest } from '../message/message';
import type { NameAddr } from '../message/name-addr';
import type { SipLogger } from '../logger';
import type { CancelTimer, TimerPool } from '../transaction/timers';

export const SIPFRAG = 'message/sipfrag';

export interface SipStatus {
  readonly status: number;
  readonly reason: string;
}

export function formatSipfrag(status: number, reason = reasonPhrase(status)): string {
  return `SIP/2.0 ${status} ${sanitizeReason(reason)}\r\n`;
}

/** The status line of a message/sipfrag body (RFC 3420), or undefined. */
export function parseSipfrag(body: string): SipStatus | undefined {
  const match = /^\s*SIP\/2\.0 ([1-6]\d\d)(?: ([^\r\n]*))?/i.exec(body);
  return match ? { status: Number(match[1]), reason: match[2] ?? '' } : undefined;
}

export type ReferEnd = 'notify' | 'refer-rejected' | 'timeout' | 'dialog-ended';

export interface ReferResult extends SipStatus {
  /** How the outcome was learnt: a final sipfrag, a refused REFER, silence, or the dialog ending first. */
  readonly endedBy: ReferEnd;
}

export interface ReferOutcome extends SipStatus {
  /** The REFER got a 2xx (normally 202 Accepted); `status`/`reason` are that response. */
  readonly accepted: boolean;
  /** Final status of the referred call from the NOTIFYs; settles once, never rejects. */
  readonly result: Promise<ReferResult>;
  /** Each sipfrag status as NOTIFYs arrive (100 Trying, 180 Ringing, 200 OK...). */
  onNotify(listener: (progress: SipStatus) => void): void;
}

/** Referrer side: follows the NOTIFYs of one REFER. */
export class ReferSubscription {
  readonly result: Promise<ReferResult>;
  private settle!: (result: ReferResult) => void;
  private readonly listeners: ((progress: SipStatus) => void)[] = [];
  // A NOTIFY may overtake the 202 (RFC 3515 §2.4.4), so late listeners get the history.
  private readonly history: SipStatus[] = [];
  private cancelTimer: CancelTimer | undefined;
  private done = false;

  constructor(
    /** The REFER's CSeq number: the `id` of its NOTIFYs' Event header. */
    readonly id: number,
    private readonly pool: TimerPool,
    private readonly logger: SipLogger,
  ) {
    this.result = new Promise((resolve) => (this.settle = resolve));
  }

  get settled(): boolean {
    return this.done;
  }

  onNotify(listener: (progress: SipStatus) => void): void {
    for (const progress of this.history) this.tell(listener, progress);
    this.listeners.push(listener);
  }

  /** Keeps the subscription alive for `seconds` more (its Subscription-State expires). */
  extend(seconds: number): void {
    if (this.done) return;
    this.cancelTimer?.();
    this.cancelTimer = this.pool.after(seconds * 1000, () =>
      this.finish({ status: 408, reason: 'No final NOTIFY', endedBy: 'timeout' }),
    );
  }

  notify(fragment: SipStatus | undefined, terminated: boolean): void {
    if (this.done) return;
    if (fragment) {
      this.history.push(fragment);
      for (const listener of this.listeners) this.tell(listener, fragment);
    }
    if (fragment && fragment.status >= 200) this.finish({ ...fragment, endedBy: 'notify' });
    else if (terminated) this.finish({ status: 408, reason: 'Subscription ended without a final status', endedBy: 'notify' });
  }

  private tell(listener: (progress: SipStatus) => void, progress: SipStatus): void {
    try {
      listener(progress);
    } catch (error) {
      this.logger.warn({ err: error }, 'REFER progress listener failed');
    }
  }

  finish(result: ReferResult): void {
    if (this.done) return;
    this.done = true;
    this.cancelTimer?.();
    this.settle(result);
  }
}

/** What a REFER recipient needs from its dialog. */
export interface ReferTransport {
  respond(status: number, reason?: string): void;
  notify(fragment: string, terminated: boolean): Promise<void>;
}

/**
 * Transferee side: the application accepts or refuses the REFER, then
 * reports how the new call goes; each report becomes a NOTIFY.
 */
export class IncomingRefer {
  private decided = false;
  private finished = false;

  constructor(
    readonly referTo: NameAddr,
    readonly request: SipRequest,
    private readonly transport: ReferTransport,
  ) {}

  get headers(): ReadonlySipHeaders {
    return this.request.headers;
  }

  /** Sends 202 Accepted and the first NOTIFY (100 Trying). False if already decided. */
  accept(): boolean {
    if (this.decided) return false;
    this.decided = true;
    this.transport.respond(202);
    void this.notify(100);
    return true;
  }

  reject(status = 603, reason?: string): boolean {
    if (this.decided) return false;
    this.decided = true;
    this.finished = true;
    this.transport.respond(status, reason);
    return true;
  }

  /** Reports the referred call's progress; a final status (>= 200) ends the subscription. */
  async notify(status: number, reason?: string): Promise<void> {
    if (!this.decided || this.finished) return;
    if (status >= 200) this.finished = true;
    await this.transport.notify(formatSipfrag(status, reason), status >= 200);
  }
}
