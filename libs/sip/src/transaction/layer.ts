import type { SipRequest, SipResponse } from '../message/message';
import { MAGIC_COOKIE } from '../message/via';
import type { TransportAddress } from '../transport/transport';
import {
  InviteClientTransaction,
  NonInviteClientTransaction,
  type ClientTransaction,
  type ClientTransactionUser,
} from './client';
import type { TransactionContext } from './context';
import { InviteServerTransaction, NonInviteServerTransaction, type ServerTransaction } from './server';

/**
 * RFC 3261 §17.2.3 server matching: branch + sent-by + method (ACK matches
 * its INVITE; CANCEL is its own transaction). Requests from RFC 2543 peers
 * without the magic cookie fall back to Call-ID, From tag, CSeq number and
 * the top Via.
 */
function serverTransactionKey(request: SipRequest, method = request.method): string {
  const via = request.topVia;
  const matchMethod = method === 'ACK' ? 'INVITE' : method;
  const sentBy = `${via.host.toLowerCase()}:${via.port ?? ''}`;
  if (via.branch?.startsWith(MAGIC_COOKIE)) return `${via.branch}|${sentBy}|${matchMethod}`;
  return `2543|${request.callId}|${request.from.tag ?? ''}|${request.cseq.seq}|${sentBy}|${via.branch ?? ''}|${matchMethod}`;
}

/** RFC 3261 §17.1.3: a response matches by its top Via branch and CSeq method. */
function clientTransactionKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

/** Holds live transactions and routes retransmissions and responses to them. */
export class TransactionLayer {
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly clients = new Map<string, ClientTransaction>();

  constructor(private readonly context: TransactionContext) {}

  get size(): number {
    return this.servers.size + this.clients.size;
  }

  /** True when the request was a retransmission (or non-2xx ACK) absorbed by an existing transaction. */
  matchRequest(request: SipRequest): boolean {
    const transaction = this.servers.get(serverTransactionKey(request));
    if (!transaction) return false;
    // An ACK for a 2xx belongs to the dialog, even from a peer that reuses the INVITE branch.
    if (request.method === 'ACK' && transaction.state === 'accepted') return false;
    transaction.receive(request);
    return true;
  }

  createServer(request: SipRequest, source: TransportAddress): ServerTransaction {
    const key = serverTransactionKey(request);
    const transaction =
      request.method === 'INVITE'
        ? new InviteServerTransaction(key, request, source, this.context)
        : new NonInviteServerTransaction(key, request, source, this.context);
    this.servers.set(key, transaction);
    transaction.onTerminated(() => {
      if (this.servers.get(key) === transaction) this.servers.delete(key);
    });
    if (transaction instanceof InviteServerTransaction) transaction.scheduleTrying();
    return transaction;
  }

  /** RFC 3261 §9.2: the INVITE transaction a CANCEL refers to. */
  findInviteFor(cancel: SipRequest): InviteServerTransaction | undefined {
    const transaction = this.servers.get(serverTransactionKey(cancel, 'INVITE'));
    return transaction instanceof InviteServerTransaction ? transaction : undefined;
  }

  /** Starts a client transaction; the request must carry its top Via with a fresh branch. */
  sendRequest(request: SipRequest, target: TransportAddress, user: ClientTransactionUser): ClientTransaction {
    const branch = request.topVia.branch ?? '';
    const key = clientTransactionKey(branch, request.method);
    const transaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction(key, request, target, user, this.context)
        : new NonInviteClientTransaction(key, request, target, user, this.context);
    this.clients.set(key, transaction);
    transaction.onTerminated(() => {
      if (this.clients.get(key) === transaction) this.clients.delete(key);
    });
    transaction.start();
    return transaction;
  }

  /** False for a stray response (no transaction): RFC 3261 §18.1.2 says drop it. */
  matchResponse(response: SipResponse): boolean {
    const branch = response.topVia.branch;
    if (branch === undefined) return false;
    const transaction = this.clients.get(clientTransactionKey(branch, response.cseq.method));
    if (!transaction) return false;
    transaction.receive(response);
    return true;
  }

  /** Ends every transaction at once (shutdown): timers cleared, nothing more sent. */
  terminateAll(): void {
    for (const transaction of [...this.servers.values(), ...this.clients.values()]) transaction.terminate();
  }
}
