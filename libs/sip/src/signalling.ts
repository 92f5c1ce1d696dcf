/**
 * SIP signalling for the voice agent: an RFC 3261 user agent (UAS and UAC)
 * over UDP and TCP (RFC 3581 rport, RFC 6026 2xx handling), digest auth,
 * REFER transfers (RFC 3515), INFO DTMF, and SDP offer/answer for G.711.
 *
 * User agent
 *   SipUserAgent.start(options: SipUserAgentOptions): Promise<SipUserAgent>
 *     options: udp?/tcp? { host, port (0 = any) }, advertisedAddress?, userAgent?, contactUser?,
 *              timers?: Partial<{ t1, t2, t4, timerD }>, logger? (pino-style debug/info/warn/error(obj, msg)),
 *              policy?: (request, source) => 'accept' | 'drop' | { reject, reason?, headers? },
 *              auth?: { realm, credentials(username) => password | undefined | Promise, nonceTtlMs? },
 *              maxCalls? (then 503 + Retry-After: retryAfterSeconds), answerTimeoutMs? (480),
 *              limits?: { maxMessageBytes, maxHeaders }, tcpIdleTimeoutMs?, maxTcpConnections?
 *   ua.ports: { udp?, tcp? }          ua.address: host in Via/Contact
 *   ua.onCall(handler: (call: IncomingCall) => void)   new INVITEs that passed policy, auth and maxCalls
 *   ua.invite(options: InviteOptions): OutgoingCall    { to, from?, sdp, headers?, transport?, credentials? }
 *   ua.options(uri, { transport?, headers? }?): Promise<SipResponse>   any final status; 408/503 SipRequestError
 *   ua.activity(): { calls, ringing, dialogs, transactions, timers, tcpConnections }
 *   ua.close(): Promise<void>          503 to ringing calls, CANCEL outgoing ones, BYE to dialogs
 *
 * IncomingCall
 *   callId, from, to (NameAddr), remote { transport, address, port }, headers (case-insensitive,
 *   e.g. 'user-to-user', 'x-*'), offer (SDP or undefined), request, state
 *   progress(status = 180, sdp?): boolean          answer(sdp): Promise<Dialog> (on ACK; rejects
 *   without ACK after 64*T1 — the call is then hung up — or when already cancelled/settled)
 *   reject(status, reason?, headers?): boolean     onCancel(listener)   (487 already sent)
 *
 * OutgoingCall
 *   callId, answered: Promise<Dialog> (ACK sent; rejects with SipRequestError { status, reason,
 *   response? }: a final response, 408 on timeout, 503 on transport failure, 487 after cancel)
 *   onProgress(listener: ({ status, reason, sdp?, response }) => void), cancel()
 *
 * Dialog (both roles)
 *   id, role, callId, localTag, remoteTag, remoteTarget, remote, localUri, remoteUri,
 *   localSdp, remoteSdp, state ('confirmed' | 'terminated'), endReason
 *   onBye(listener(request)), onTerminated(listener(reason)), onInfo(listener(contentType, body, request))
 *     — each returns an unsubscribe function; onTerminated fires even if the dialog already ended
 *   onReinvite(handler(offer | undefined, request) => sdp | { reject, reason? } | Promise of either)
 *     — hold (sendonly/inactive/0.0.0.0) and session refreshes arrive here; no handler: 488
 *   onRefer(handler(refer: IncomingRefer) => boolean | void) — true: 202 + NOTIFY "100 Trying";
 *     false: 603; nothing: call refer.accept()/reject() later; then refer.notify(status, reason?)
 *     sends the sipfrag NOTIFYs (>= 200 ends the subscription); no handler: 603
 *   bye(headers?): Promise<void>        reinvite(offerSdp, headers?): Promise<answerSdp | undefined>
 *   info(contentType, body, headers?): Promise<SipResponse>     sendDtmf(digit, durationMs = 160)
 *   refer(targetUri, headers?): Promise<ReferOutcome>  { status, reason, accepted (the REFER's
 *     response), result: Promise<{ status, reason, endedBy }> (final sipfrag, never rejects),
 *     onNotify(listener) }
 *   In-dialog requests are dispatched after pending promise callbacks, so handlers attached right
 *   after `await call.answer()` / `await call.answered` see everything.
 *
 * SDP (sdp-transform)
 *   negotiateAnswer(offerSdp, { localAddress, localPort, codecs?, ptimeMs?, previous? }): NegotiatedAudio
 *     { sdp, codec { name, payloadType, clockRate }, telephoneEventPayloadType?, remote { address, port },
 *       direction (ours), hold, origin } — throws SdpNegotiationError (status 488)
 *   createOffer({ localAddress, localPort, codecs?, telephoneEvent?, ptimeMs?, direction?, previous? })
 *   parseAnswer(answerSdp): NegotiatedAudio
 *
 * Codec layer: parseMessage / serializeMessage, SipStreamFramer for TCP, and SipParseError, the only
 * error malformed input produces.
 */
export { SipParseError } from './message/errors';
export { parseMessage, DEFAULT_PARSE_LIMITS, type SipParseLimits } from './message/parser';
export { serializeMessage } from './message/serializer';
export { SipStreamFramer, type FramedItem } from './message/framer';
export { SipHeaders, headerKey, type ReadonlySipHeaders } from './message/headers';
export { SipRequest, SipResponse, SipMessage, parseCSeq, type AnySipMessage, type CSeq } from './message/message';
export { parseNameAddr, formatNameAddr, type NameAddr } from './message/name-addr';
export { parseVia, formatVia, type Via } from './message/via';
export { parseSipUri, formatSipUri, type SipUri } from './message/uri';
export { createResponse, reasonPhrase } from './message/build';

export { DEFAULT_SIP_TIMERS, type SipTimers } from './transaction/timers';
export type { TransportAddress, TransportProtocol, ListenAddress } from './transport/transport';
export type { SipLogger } from './logger';

export { SipUserAgent } from './ua/user-agent';
export type { SipUserAgentOptions, SipPolicy, PolicyDecision, UserAgentActivity } from './ua/core';
export { IncomingCall, type IncomingCallState } from './ua/incoming-call';
export { OutgoingCall, type InviteOptions, type CallProgress } from './ua/outgoing-call';
export {
  Dialog,
  type DialogEndReason,
  type DialogRole,
  type HeaderInit,
  type InfoListener,
  type ReinviteAnswer,
  type ReinviteHandler,
  type ReferHandler,
} from './ua/dialog';
export { IncomingRefer, type ReferOutcome, type ReferResult, type ReferEnd, type SipStatus } from './ua/refer';
export { SipError, SipRequestError } from './ua/errors';
export { parseDtmfRelay, formatDtmfRelay, DTMF_RELAY, type DtmfRelay } from './ua/dtmf';
export type { ClientCredentials, DigestCredentialsLookup } from './ua/digest';

export {
  negotiateAnswer,
  createOffer,
  parseAnswer,
  SdpNegotiationError,
  type NegotiatedAudio,
  type AnswerOptions,
  type OfferOptions,
  type G711Codec,
  type MediaDirection,
  type SdpOrigin,
} from './sdp/sdp';
