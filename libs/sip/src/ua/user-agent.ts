import type { SipResponse } from '../message/message';
import type { TransportProtocol } from '../transport/transport';
import { UserAgentCore, type SipUserAgentOptions, type UserAgentActivity } from './core';
import type { HeaderInit } from './dialog';
import type { IncomingCall } from './incoming-call';
import type { InviteOptions, OutgoingCall } from './outgoing-call';

/** A SIP endpoint (RFC 3261 UAC and UAS) listening on UDP and/or TCP. */
export class SipUserAgent {
  private constructor(private readonly core: UserAgentCore) {}

  static async start(options: SipUserAgentOptions): Promise<SipUserAgent> {
    return new SipUserAgent(await UserAgentCore.start(options));
  }

  /** The bound ports (useful with port 0). */
  get ports(): { readonly udp?: number; readonly tcp?: number } {
    return this.core.ports;
  }

  /** The host we put in Via and Contact. */
  get address(): string {
    return this.core.host;
  }

  /** Receives each new call that passed policy, authentication and the call limit. Without a handler calls get 480. */
  onCall(handler: (call: IncomingCall) => void): void {
    this.core.onCall(handler);
  }

  invite(options: InviteOptions): OutgoingCall {
    return this.core.invite(options);
  }

  /** OPTIONS probe; resolves with the final response whatever its status, rejects (SipRequestError 408/503) without one. */
  options(uri: string, options?: { transport?: TransportProtocol; headers?: HeaderInit }): Promise<SipResponse> {
    return this.core.options(uri, options);
  }

  activity(): UserAgentActivity {
    return this.core.activity();
  }

  /** Rejects ringing calls, cancels outgoing ones, hangs up dialogs (briefly waiting for the BYEs), then closes the sockets. */
  close(): Promise<void> {
    return this.core.close();
  }
}
