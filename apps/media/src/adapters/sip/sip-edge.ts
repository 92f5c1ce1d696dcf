import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import {
  RtpPortError,
  RtpSession,
  SdpNegotiationError,
  SipUserAgent,
  negotiateAnswer,
  type IncomingCall,
  type ListenAddress,
  type SipTimers,
} from '@voiceagent/sip';
import type { Logger } from '@voiceagent/telemetry';
import type { CallLeg } from '../../ports/call-leg';
import type { SourcePolicy } from '../../domain/source-policy';
import { forwardedHeaders, partyOf } from './sip-addressing';
import { SipCallLeg } from './sip-call-leg';

export interface SipEdgeOptions {
  readonly host: string;
  readonly port: number;
  readonly transports: readonly ('udp' | 'tcp')[];
  /** Address for SDP and Contact; default: worked out from the listen address. */
  readonly publicAddress?: string;
  readonly rtpPorts: { readonly min: number; readonly max: number };
  readonly sources: SourcePolicy;
  readonly digest?: { readonly realm: string; readonly users: ReadonlyMap<string, string> };
  readonly maxCalls: number;
  /** Ring this long before answering (lets a caller's CANCEL win; 0 answers at once). */
  readonly answerDelayMs?: number;
  readonly timers?: Partial<SipTimers>;
  readonly logger: Logger;
  /** A call was answered and its media is flowing. */
  onCall(callId: string, leg: CallLeg): void;
}

/**
 * The SIP/RTP edge: takes INVITEs that pass the source policy, digest
 * authentication and the call limit, negotiates G.711 (488 otherwise), opens
 * an RTP session from the configured port range, answers and hands the call
 * to the media domain as a CallLeg.
 */
export class SipEdge {
  private accepting = true;

  private constructor(
    private readonly ua: SipUserAgent,
    private readonly options: SipEdgeOptions,
  ) {
    ua.onCall((call) => void this.answer(call));
  }

  static async start(options: SipEdgeOptions): Promise<SipEdge> {
    const listen: ListenAddress = { host: options.host, port: options.port };
    const { logger } = options;
    const users = options.digest?.users;
    const ua = await SipUserAgent.start({
      udp: options.transports.includes('udp') ? listen : undefined,
      // With port 0 (tests) the OS picks a different port for each; `ports` tells which.
      tcp: options.transports.includes('tcp') ? listen : undefined,
      advertisedAddress: options.publicAddress,
      userAgent: 'voice-agent',
      contactUser: 'agent',
      timers: options.timers,
      logger,
      maxCalls: options.maxCalls,
      auth: options.digest && users ? { realm: options.digest.realm, credentials: (user) => users.get(user) } : undefined,
      policy: (request, source) => {
        const verdict = options.sources.decide(source.address, Date.now());
        if (verdict.kind === 'accept') return 'accept';
        logger.warn({ source: `${source.address}:${source.port}`, method: request.method, reason: verdict.reason }, 'SIP request refused');
        return verdict.kind === 'drop' ? 'drop' : { reject: 403, reason: 'Forbidden' };
      },
    });
    return new SipEdge(ua, options);
  }

  get ports(): { udp?: number; tcp?: number } {
    return this.ua.ports;
  }

  activity(): { calls: number; ringing: number } {
    const { calls, ringing } = this.ua.activity();
    return { calls, ringing };
  }

  /** New INVITEs get 503 from now on; calls in progress go on. */
  stopAccepting(): void {
    this.accepting = false;
  }

  async close(): Promise<void> {
    this.accepting = false;
    await this.ua.close();
  }

  private async answer(call: IncomingCall): Promise<void> {
    const { logger } = this.options;
    const sipCallId = call.callId;
    if (!this.accepting) {
      call.reject(503, 'Service Unavailable', { 'Retry-After': '5' });
      return;
    }
    if (!call.offer) {
      // Offerless INVITEs (answer in the ACK) are not something trunks send to a bot.
      call.reject(488, 'Not Acceptable Here', { Warning: '399 voice-agent "an SDP offer is required"' });
      return;
    }
    const localAddress = this.localAddressFor(call.remote.address);
    let probe;
    try {
      probe = negotiateAnswer(call.offer, { localAddress, localPort: 9 });
    } catch (err) {
      if (!(err instanceof SdpNegotiationError)) throw err;
      logger.warn({ sipCallId, reason: err.message }, 'INVITE refused: no acceptable media');
      call.reject(err.status, 'Not Acceptable Here', { Warning: `304 voice-agent "${err.message.replaceAll('"', "'")}"` });
      return;
    }
    let rtp: RtpSession;
    try {
      rtp = await RtpSession.open({
        codec: probe.codec.name,
        payloadType: probe.codec.payloadType,
        telephoneEventPayloadType: probe.telephoneEventPayloadType,
        localAddress: isIP(this.options.host) ? this.options.host : undefined,
        portRange: this.options.rtpPorts,
        remote: probe.remote,
      });
    } catch (err) {
      logger.error({ err, sipCallId }, err instanceof RtpPortError ? 'no free RTP port' : 'RTP session failed');
      call.reject(503, 'Service Unavailable', { 'Retry-After': '5' });
      return;
    }
    try {
      const media = negotiateAnswer(call.offer, { localAddress, localPort: rtp.localPort });
      rtp.hold(media.hold);
      if (this.options.answerDelayMs) {
        call.progress(180);
        await new Promise((resolve) => setTimeout(resolve, this.options.answerDelayMs));
        if (call.state !== 'ringing') throw new Error(`call ${call.state} while ringing`);
      }
      const dialog = await call.answer(media.sdp);
      const callId = randomUUID();
      const parties = {
        caller: partyOf(call.headers.get('p-asserted-identity') ?? call.request.headers.get('from')),
        called: partyOf(call.request.uri) || partyOf(call.headers.get('to')),
        headers: forwardedHeaders(call.headers, sipCallId, { trusted: this.options.sources.isListed(call.remote.address) }),
        sampleRateHz: 8000,
      };
      const leg = new SipCallLeg(parties, dialog, rtp, media, localAddress, logger);
      logger.info({ callId, ...leg.describe(), caller: parties.caller, called: parties.called, transport: call.remote.transport }, 'SIP call answered');
      this.options.onCall(callId, leg);
    } catch (err) {
      await rtp.close();
      logger.info({ sipCallId, reason: err instanceof Error ? err.message : String(err) }, 'call ended before it was set up');
    }
  }

  /** What to put in our SDP: the configured public address, loopback for local callers, else the UA's own choice. */
  private localAddressFor(peer: string): string {
    if (this.options.publicAddress) return this.options.publicAddress;
    if (peer.startsWith('127.') || peer === '::1' || peer === '::ffff:127.0.0.1') return '127.0.0.1';
    return this.ua.address;
  }
}
