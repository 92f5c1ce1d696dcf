// Hand-written RFC 3261 §17.2 server transactions (with the RFC 6026
// "Accepted" state): Node has no maintained SIP stack — the `sip` npm
// package is unmaintained since 2018 and drachtio needs its C++ server.
import { createResponse } from '../message/build';
import type { SipRequest, SipResponse } from '../message/message';
import { serializeMessage } from '../message/serializer';
import type { TransportAddress } from '../transport/transport';
import { TransactionLifecycle, type TransactionContext } from './context';
import { transactionTimeout } from './timers';

/** RFC 3261 §18.2.2 with RFC 3581: where responses to this request go. */
export function responseTarget(request: SipRequest, source: TransportAddress): TransportAddress {
  const via = request.topVia;
  const sentBy = via.received ?? via.host;
  if (source.transport === 'tcp') {
    // Same connection while it lives; otherwise a new one to the sent-by port.
    return { ...source, address: sentBy, port: via.port ?? 5060 };
  }
  if (typeof via.rport === 'number') return { transport: 'udp', address: via.received ?? source.address, port: via.rport };
  return { transport: 'udp', address: sentBy, port: via.port ?? 5060 };
}

export abstract class ServerTransaction extends TransactionLifecycle {
  abstract readonly state: string;
  readonly target: TransportAddress;
  /** The final response sent, once there is one. */
  finalResponse: SipResponse | undefined;

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    readonly source: TransportAddress,
    protected readonly context: TransactionContext,
  ) {
    super(context.pool);
    this.target = responseTarget(request, source);
  }

  get reliable(): boolean {
    return this.source.transport === 'tcp';
  }

  /** The TU's response; ignored (and logged) when the state machine does not allow it. */
  abstract respond(response: SipResponse): void;

  /** A retransmitted request, or the ACK of an INVITE's non-2xx response. */
  abstract receive(request: SipRequest): void;

  protected transmit(bytes: Buffer): void {
    this.context.send(bytes, this.target).catch((error: unknown) => {
      this.context.logger.debug({ err: error, target: this.target }, 'SIP response could not be sent');
      this.terminate();
    });
  }

  protected ignored(response: SipResponse): void {
    this.context.logger.debug({ status: response.status, state: this.state }, 'SIP response not allowed in this transaction state');
  }
}

export type InviteServerState = 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

export class InviteServerTransaction extends ServerTransaction {
  private current: InviteServerState = 'proceeding';
  private provisional: Buffer | undefined;
  private final: Buffer | undefined;

  get state(): InviteServerState {
    return this.terminated ? 'terminated' : this.current;
  }

  /** Sends 100 Trying on the next turn unless the TU has answered by then (RFC 3261 §17.2.1). */
  scheduleTrying(): void {
    this.timers.start('trying', 0, () => {
      if (this.current === 'proceeding' && !this.provisional) this.respond(createResponse(this.request, 100));
    });
  }

  respond(response: SipResponse): void {
    const bytes = serializeMessage(response);
    const timeout = transactionTimeout(this.context.timers);
    if (this.state === 'accepted' && response.status >= 200 && response.status < 300) {
      // RFC 6026 §7.1: the TU retransmits its 2xx through the transaction.
      this.transmit(bytes);
      return;
    }
    if (this.state !== 'proceeding') return this.ignored(response);
    this.timers.stop('trying');
    if (response.status < 200) {
      this.provisional = bytes;
    } else if (response.status < 300) {
      this.current = 'accepted';
      this.finalResponse = response;
      this.timers.start('L', timeout, () => this.terminate());
    } else {
      this.current = 'completed';
      this.finalResponse = response;
      this.final = bytes;
      if (!this.reliable) this.retransmitFinal(this.context.timers.t1);
      this.timers.start('H', timeout, () => {
        this.context.logger.debug({ callId: this.request.callId }, 'no ACK for INVITE final response (Timer H)');
        this.terminate();
      });
    }
    this.transmit(bytes);
  }

  receive(request: SipRequest): void {
    if (request.method === 'ACK') {
      if (this.state !== 'completed') return;
      this.current = 'confirmed';
      this.timers.stop('G');
      this.timers.stop('H');
      if (this.reliable) this.terminate();
      else this.timers.start('I', this.context.timers.t4, () => this.terminate());
      return;
    }
    if (this.state === 'proceeding' && this.provisional) this.transmit(this.provisional);
    else if (this.state === 'completed' && this.final) this.transmit(this.final);
  }

  private retransmitFinal(interval: number): void {
    this.timers.start('G', interval, () => {
      if (this.final) this.transmit(this.final);
      this.retransmitFinal(Math.min(2 * interval, this.context.timers.t2));
    });
  }
}

export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

export class NonInviteServerTransaction extends ServerTransaction {
  private current: NonInviteServerState = 'trying';
  private last: Buffer | undefined;

  get state(): NonInviteServerState {
    return this.terminated ? 'terminated' : this.current;
  }

  respond(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return this.ignored(response);
    this.last = serializeMessage(response);
    if (response.status < 200) {
      this.current = 'proceeding';
    } else {
      this.current = 'completed';
      this.finalResponse = response;
      // Timer J: absorb retransmissions for 64*T1 on UDP, none on TCP.
      if (this.reliable) this.timers.start('J', 0, () => this.terminate());
      else this.timers.start('J', transactionTimeout(this.context.timers), () => this.terminate());
    }
    this.transmit(this.last);
  }

  receive(): void {
    if (this.last && (this.state === 'proceeding' || this.state === 'completed')) this.transmit(this.last);
  }
}
