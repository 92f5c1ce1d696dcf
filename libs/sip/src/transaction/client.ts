// Hand-written RFC 3261 §17.1 client transactions (with the RFC 6026
// "Accepted" state): Node has no maintained SIP stack — the `sip` npm
// package is unmaintained since 2018 and drachtio needs its C++ server.
import { SipHeaders } from '../message/headers';
import { SipRequest, type SipResponse } from '../message/message';
import { serializeMessage } from '../message/serializer';
import type { TransportAddress } from '../transport/transport';
import { TransactionLifecycle, type TransactionContext } from './context';
import { transactionTimeout } from './timers';

export type ClientFailure = 'timeout' | 'transport';

export interface ClientTransactionUser {
  onResponse(response: SipResponse): void;
  /** Timer B/F fired (treat as 408) or the transport failed (treat as 503), RFC 3261 §8.1.3.1. */
  onFailure(failure: ClientFailure, error?: unknown): void;
}

export abstract class ClientTransaction extends TransactionLifecycle {
  abstract readonly state: string;
  protected readonly bytes: Buffer;
  private sentTo: TransportAddress;
  /** Set once a final response arrived: later transport trouble is no longer the TU's concern. */
  protected answered = false;

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    target: TransportAddress,
    protected readonly user: ClientTransactionUser,
    protected readonly context: TransactionContext,
  ) {
    super(context.pool);
    this.sentTo = target;
    this.bytes = serializeMessage(request);
  }

  /** Where the request went; for TCP it names the connection once it is open. */
  get target(): TransportAddress {
    return this.sentTo;
  }

  get reliable(): boolean {
    return this.sentTo.transport === 'tcp';
  }

  abstract start(): void;

  abstract receive(response: SipResponse): void;

  protected transmit(bytes: Buffer): void {
    this.context.send(bytes, this.sentTo).then(
      (used) => {
        this.sentTo = used;
      },
      (error: unknown) => {
        if (this.terminated) return;
        this.context.logger.debug({ err: error, target: this.sentTo }, 'SIP request could not be sent');
        this.terminate();
        if (!this.answered) this.user.onFailure('transport', error);
      },
    );
  }

  protected timeout(): void {
    this.terminate();
    this.user.onFailure('timeout');
  }
}

export type InviteClientState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

export class InviteClientTransaction extends ClientTransaction {
  private current: InviteClientState = 'calling';
  private ack: Buffer | undefined;

  get state(): InviteClientState {
    return this.terminated ? 'terminated' : this.current;
  }

  start(): void {
    this.transmit(this.bytes);
    if (!this.reliable) this.retransmit(this.context.timers.t1);
    this.timers.start('B', transactionTimeout(this.context.timers), () => this.timeout());
  }

  receive(response: SipResponse): void {
    const state = this.state;
    if (state === 'terminated') return;
    if (state === 'completed') {
      if (response.status >= 300 && this.ack) this.transmit(this.ack);
      return;
    }
    if (response.status < 200) {
      if (state === 'accepted') return;
      this.current = 'proceeding';
      this.timers.stop('A');
      this.timers.stop('B');
    } else if (response.status < 300) {
      if (state !== 'accepted') {
        this.current = 'accepted';
        this.answered = true;
        this.timers.stop('A');
        this.timers.stop('B');
        // Timer M: keep passing 2xx retransmissions and forked 2xx to the TU.
        this.timers.start('M', transactionTimeout(this.context.timers), () => this.terminate());
      }
    } else {
      if (state === 'accepted') return;
      this.current = 'completed';
      this.answered = true;
      this.timers.stop('A');
      this.timers.stop('B');
      this.ack = serializeMessage(ackForFailure(this.request, response));
      this.transmit(this.ack);
      this.user.onResponse(response);
      if (this.reliable) this.terminate();
      else this.timers.start('D', this.context.timers.timerD, () => this.terminate());
      return;
    }
    this.user.onResponse(response);
  }

  private retransmit(interval: number): void {
    this.timers.start('A', interval, () => {
      this.transmit(this.bytes);
      this.retransmit(2 * interval);
    });
  }
}

/** RFC 3261 §17.1.1.3: the ACK for a non-2xx final response belongs to the INVITE transaction. */
function ackForFailure(invite: SipRequest, response: SipResponse): SipRequest {
  const headers = new SipHeaders()
    .append('Via', invite.headers.get('Via') ?? '')
    .append('Max-Forwards', '70')
    .append('From', invite.headers.getAll('From'))
    .append('To', response.headers.getAll('To'))
    .append('Call-ID', invite.headers.getAll('Call-ID'))
    .append('CSeq', `${invite.cseq.seq} ACK`)
    .append('Route', invite.headers.getAll('Route'));
  return new SipRequest('ACK', invite.uri, headers);
}

export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export class NonInviteClientTransaction extends ClientTransaction {
  private current: NonInviteClientState = 'trying';

  get state(): NonInviteClientState {
    return this.terminated ? 'terminated' : this.current;
  }

  start(): void {
    this.transmit(this.bytes);
    if (!this.reliable) this.retransmit(this.context.timers.t1);
    this.timers.start('F', transactionTimeout(this.context.timers), () => this.timeout());
  }

  receive(response: SipResponse): void {
    const state = this.state;
    if (state !== 'trying' && state !== 'proceeding') return;
    if (response.status < 200) {
      this.current = 'proceeding';
      this.user.onResponse(response);
      return;
    }
    this.current = 'completed';
    this.answered = true;
    this.timers.stop('E');
    this.timers.stop('F');
    this.user.onResponse(response);
    if (this.reliable) this.terminate();
    else this.timers.start('K', this.context.timers.t4, () => this.terminate());
  }

  private retransmit(interval: number): void {
    this.timers.start('E', interval, () => {
      this.transmit(this.bytes);
      // Timer E doubles up to T2, and stays at T2 once a provisional response arrived.
      const next = this.current === 'proceeding' ? this.context.timers.t2 : Math.min(2 * interval, this.context.timers.t2);
      this.retransmit(next);
    });
  }
}
