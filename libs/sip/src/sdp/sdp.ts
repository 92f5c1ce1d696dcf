import { randomInt } from 'node:crypto';
import { parse, write, type MediaDescription, type SessionDescription } from 'sdp-transform';

// SDP offer/answer (RFC 3264) for G.711 telephony audio, built on sdp-transform.

export type G711Codec = 'PCMU' | 'PCMA';
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpOrigin {
  readonly sessionId: string;
  readonly sessionVersion: number;
}

export interface NegotiatedAudio {
  /** The answer we wrote (negotiateAnswer) or the remote answer (parseAnswer). */
  readonly sdp: string;
  readonly codec: { readonly name: G711Codec; readonly payloadType: number; readonly clockRate: 8000 };
  /** RFC 4733 DTMF events, when both sides have them. */
  readonly telephoneEventPayloadType?: number;
  /** Where to send RTP. */
  readonly remote: { readonly address: string; readonly port: number };
  /** What we may do with the stream, from our side. */
  readonly direction: MediaDirection;
  /** The remote side holds the call: it sends nothing (sendonly/inactive) or gave 0.0.0.0 as its address. */
  readonly hold: boolean;
  /** The o= of `sdp`; pass it back as `previous` when answering a re-offer. */
  readonly origin: SdpOrigin;
}

export interface AnswerOptions {
  readonly localAddress: string;
  readonly localPort: number;
  /** Codecs we accept; the offerer's order decides among them. Default PCMU, PCMA. */
  readonly codecs?: readonly G711Codec[];
  readonly ptimeMs?: number;
  /** Our previous description in this session, so a re-answer keeps its o= session id and bumps the version. */
  readonly previous?: { readonly origin: SdpOrigin; readonly sdp: string };
}

export interface OfferOptions {
  readonly localAddress: string;
  readonly localPort: number;
  readonly codecs?: readonly G711Codec[];
  readonly telephoneEvent?: boolean;
  readonly ptimeMs?: number;
  readonly direction?: MediaDirection;
  readonly previous?: { readonly origin: SdpOrigin; readonly sdp: string };
}

/** Nothing acceptable in the SDP; answer the request with `status` (488). */
export class SdpNegotiationError extends Error {
  override readonly name = 'SdpNegotiationError';
  readonly status = 488;
}

const STATIC_PAYLOADS = new Map<number, G711Codec>([
  [0, 'PCMU'],
  [8, 'PCMA'],
]);
const TELEPHONE_EVENT_PT = 101;
const MIRRORED: Record<MediaDirection, MediaDirection> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};
const RTP_PROFILES = new Set(['RTP/AVP', 'RTP/AVPF']);

interface AudioFormats {
  readonly codecs: { name: G711Codec; payloadType: number }[];
  readonly telephoneEvent?: { payloadType: number; fmtp?: string };
}

export function negotiateAnswer(offerSdp: string, options: AnswerOptions): NegotiatedAudio {
  const offer = parseDescription(offerSdp);
  const accepted = new Set(options.codecs ?? ['PCMU', 'PCMA']);
  let chosen: { index: number; codec: { name: G711Codec; payloadType: number }; formats: AudioFormats } | undefined;
  offer.media.forEach((media, index) => {
    if (chosen || media.type !== 'audio' || media.port === 0 || !RTP_PROFILES.has(media.protocol)) return;
    const formats = audioFormats(media);
    const codec = formats.codecs.find((c) => accepted.has(c.name));
    if (codec) chosen = { index, codec, formats };
  });
  if (!chosen) throw new SdpNegotiationError('no PCMU/PCMA audio stream at 8 kHz in the offer');

  const offered = offer.media[chosen.index] as MediaDescription;
  const remoteDirection = directionOf(offered, offer);
  const remote = connectionOf(offered, offer);
  const telephoneEvent = chosen.formats.telephoneEvent;
  const answerMedia: MediaDescription = {
    type: 'audio',
    port: options.localPort,
    protocol: offered.protocol,
    payloads: [chosen.codec.payloadType, ...(telephoneEvent ? [telephoneEvent.payloadType] : [])].join(' '),
    rtp: [
      { payload: chosen.codec.payloadType, codec: chosen.codec.name, rate: 8000 },
      ...(telephoneEvent ? [{ payload: telephoneEvent.payloadType, codec: 'telephone-event', rate: 8000 }] : []),
    ],
    fmtp: telephoneEvent ? [{ payload: telephoneEvent.payloadType, config: telephoneEvent.fmtp ?? '0-16' }] : [],
    ptime: options.ptimeMs ?? 20,
    direction: MIRRORED[remoteDirection],
  };
  // RFC 3264 §6: one m= line per offered one; the ones we do not take are rejected with port 0.
  const media = offer.media.map((m, index): MediaDescription => {
    if (index === chosen?.index) return answerMedia;
    const firstPayload = String(m.payloads ?? '').split(' ')[0] || '0';
    return { type: m.type, port: 0, protocol: m.protocol, payloads: firstPayload, rtp: [], fmtp: [] };
  });
  const { sdp, origin } = writeDescription(options.localAddress, media, offer.timing, options.previous);
  return {
    sdp,
    codec: { ...chosen.codec, clockRate: 8000 },
    ...(telephoneEvent && { telephoneEventPayloadType: telephoneEvent.payloadType }),
    remote,
    direction: MIRRORED[remoteDirection],
    hold: isHold(remoteDirection, remote.address),
    origin,
  };
}

export function createOffer(options: OfferOptions): { sdp: string; origin: SdpOrigin } {
  const codecs = options.codecs ?? ['PCMU', 'PCMA'];
  const payloadTypes = codecs.map((name) => (name === 'PCMU' ? 0 : 8));
  const withEvents = options.telephoneEvent ?? true;
  const media: MediaDescription = {
    type: 'audio',
    port: options.localPort,
    protocol: 'RTP/AVP',
    payloads: [...payloadTypes, ...(withEvents ? [TELEPHONE_EVENT_PT] : [])].join(' '),
    rtp: [
      ...codecs.map((name, i) => ({ payload: payloadTypes[i] ?? 0, codec: name, rate: 8000 })),
      ...(withEvents ? [{ payload: TELEPHONE_EVENT_PT, codec: 'telephone-event', rate: 8000 }] : []),
    ],
    fmtp: withEvents ? [{ payload: TELEPHONE_EVENT_PT, config: '0-16' }] : [],
    ptime: options.ptimeMs ?? 20,
    direction: options.direction ?? 'sendrecv',
  };
  return writeDescription(options.localAddress, [media], { start: 0, stop: 0 }, options.previous);
}

/** Reads the answer to our offer: the codec and address to use from now on. */
export function parseAnswer(answerSdp: string): NegotiatedAudio {
  const answer = parseDescription(answerSdp);
  const media = answer.media.find((m) => m.type === 'audio' && m.port !== 0 && RTP_PROFILES.has(m.protocol));
  if (!media) throw new SdpNegotiationError('the answer rejected the audio stream');
  const formats = audioFormats(media);
  const [codec] = formats.codecs;
  if (!codec) throw new SdpNegotiationError('the answer has no PCMU/PCMA at 8 kHz');
  const remoteDirection = directionOf(media, answer);
  const remote = connectionOf(media, answer);
  return {
    sdp: answerSdp,
    codec: { ...codec, clockRate: 8000 },
    ...(formats.telephoneEvent && { telephoneEventPayloadType: formats.telephoneEvent.payloadType }),
    remote,
    direction: MIRRORED[remoteDirection],
    hold: isHold(remoteDirection, remote.address),
    origin: { sessionId: String(answer.origin.sessionId), sessionVersion: Number(answer.origin.sessionVersion) },
  };
}

function parseDescription(text: string): SessionDescription {
  let description: SessionDescription;
  try {
    description = parse(text);
  } catch (error) {
    throw new SdpNegotiationError(`unreadable SDP: ${(error as Error).message}`);
  }
  // sdp-transform skips lines it does not understand, so check what offer/answer needs.
  if (description.version !== 0) throw new SdpNegotiationError('SDP without v=0');
  const origin = description.origin as SessionDescription['origin'] | undefined;
  if (!origin || !/^\d+$/.test(String(origin.sessionVersion))) throw new SdpNegotiationError('SDP without a valid o= line');
  if (!Array.isArray(description.media) || description.media.length === 0) throw new SdpNegotiationError('SDP without m= lines');
  for (const media of description.media) {
    if (!Number.isInteger(media.port) || media.port < 0 || media.port > 65535) throw new SdpNegotiationError('bad m= port');
  }
  return description;
}

function audioFormats(media: MediaDescription): AudioFormats {
  const codecs: { name: G711Codec; payloadType: number }[] = [];
  let telephoneEvent: AudioFormats['telephoneEvent'];
  for (const payloadType of String(media.payloads ?? '').split(' ').filter(Boolean).map(Number)) {
    const rtpmap = media.rtp.find((r) => r.payload === payloadType);
    const name = rtpmap ? rtpmap.codec.toUpperCase() : STATIC_PAYLOADS.get(payloadType);
    const rate = rtpmap ? rtpmap.rate : 8000;
    if (rate !== 8000) continue;
    if (name === 'PCMU' || name === 'PCMA') codecs.push({ name, payloadType });
    else if (name === 'TELEPHONE-EVENT' && !telephoneEvent) {
      const fmtp = media.fmtp.find((f) => f.payload === payloadType)?.config;
      telephoneEvent = { payloadType, ...(fmtp !== undefined && { fmtp }) };
    }
  }
  return { codecs, ...(telephoneEvent && { telephoneEvent }) };
}

function directionOf(media: MediaDescription, session: SessionDescription): MediaDirection {
  return media.direction ?? session.direction ?? 'sendrecv';
}

function connectionOf(media: MediaDescription, session: SessionDescription): { address: string; port: number } {
  const connection = media.connection ?? session.connection;
  if (!connection?.ip) throw new SdpNegotiationError('SDP without a c= address for audio');
  return { address: connection.ip.split('/')[0] ?? connection.ip, port: media.port };
}

function isHold(remoteDirection: MediaDirection, address: string): boolean {
  return remoteDirection === 'sendonly' || remoteDirection === 'inactive' || address === '0.0.0.0';
}

function writeDescription(
  localAddress: string,
  media: MediaDescription[],
  timing: SessionDescription['timing'],
  previous: { origin: SdpOrigin; sdp: string } | undefined,
): { sdp: string; origin: SdpOrigin } {
  const ipVer = localAddress.includes(':') ? 6 : 4;
  const build = (origin: SdpOrigin): string =>
    write({
      version: 0,
      origin: {
        username: '-',
        sessionId: origin.sessionId,
        sessionVersion: origin.sessionVersion,
        netType: 'IN',
        ipVer,
        address: localAddress,
      },
      name: '-',
      connection: { version: ipVer, ip: localAddress },
      timing: timing ?? { start: 0, stop: 0 },
      media,
    });
  if (!previous) {
    const origin = { sessionId: String(randomInt(1, 2 ** 47)), sessionVersion: 1 };
    return { sdp: build(origin), origin };
  }
  // RFC 3264 §8: same session id; the version moves only when the description changes.
  const unchanged = build(previous.origin);
  if (withoutOrigin(unchanged) === withoutOrigin(previous.sdp)) return { sdp: unchanged, origin: previous.origin };
  const origin = { sessionId: previous.origin.sessionId, sessionVersion: previous.origin.sessionVersion + 1 };
  return { sdp: build(origin), origin };
}

function withoutOrigin(sdp: string): string {
  return sdp.replace(/^o=.*$/m, '');
}
