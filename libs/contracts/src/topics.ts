import type { Topic } from '@voiceagent/bus';
import { BinaryReader, type BinaryWriter } from '@bufbuild/protobuf/wire';
import { AgentUtterance } from './gen/voiceagent/brain/v1/brain';
import { CallControl, CallEvent, CallRouted, Dtmf, RouteRequest } from './gen/voiceagent/call/v1/call';
import { Transcript, UserTurn, VadEvent } from './gen/voiceagent/listener/v1/listener';
import { AudioFrame } from './gen/voiceagent/media/v1/audio';
import { TurnStageDone } from './gen/voiceagent/telemetry/v1/telemetry';
import { LIFECYCLE_SUBJECT, ROUTE_SUBJECT, anyCallSubject, callSubject, type CallStream } from './subjects';

/** What ts-proto generates for every message. */
interface MessageCodec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
}

function topic<T>(subject: string, codec: MessageCodec<T>): Topic<T> {
  return {
    subject,
    encode: (value) => codec.encode(value).finish(),
    decode: (data) => codec.decode(new BinaryReader(data)),
  };
}

/** The payload type carried by each per-call stream. */
interface StreamPayloads {
  audioIn: AudioFrame;
  audioOut: AudioFrame;
  vad: VadEvent;
  transcript: Transcript;
  userTurn: UserTurn;
  agentTurn: AgentUtterance;
  control: CallControl;
  dtmf: Dtmf;
  turnStage: TurnStageDone;
}

const streamCodecs: { [S in CallStream]: MessageCodec<StreamPayloads[S]> } = {
  audioIn: AudioFrame,
  audioOut: AudioFrame,
  vad: VadEvent,
  transcript: Transcript,
  userTurn: UserTurn,
  agentTurn: AgentUtterance,
  control: CallControl,
  dtmf: Dtmf,
  turnStage: TurnStageDone,
};

/** Typed topics: a subject with its payload codec. */
export const topics = {
  /** One call's stream, e.g. `topics.call(id, 'userTurn')`. */
  call<S extends CallStream>(callId: string, stream: S): Topic<StreamPayloads[S]> {
    return topic(callSubject(callId, stream), streamCodecs[stream]);
  },
  /** The same stream across every call (subscribe only). */
  anyCall<S extends CallStream>(stream: S): Topic<StreamPayloads[S]> {
    return topic(anyCallSubject(stream), streamCodecs[stream]);
  },
  lifecycle: topic(LIFECYCLE_SUBJECT, CallEvent),
} as const;

/** A request/reply subject with the codecs of both directions. */
export interface Rpc<Request, Reply> {
  readonly subject: string;
  readonly request: Pick<Topic<Request>, 'encode' | 'decode'>;
  readonly reply: Pick<Topic<Reply>, 'encode' | 'decode'>;
}

function rpc<Request, Reply>(subject: string, request: MessageCodec<Request>, reply: MessageCodec<Reply>): Rpc<Request, Reply> {
  return { subject, request: topic(subject, request), reply: topic(subject, reply) };
}

/** Request/reply services on the bus. */
export const rpcs = {
  /** Routing a call that just arrived: asked by media, answered by the gateway. */
  route: rpc(ROUTE_SUBJECT, RouteRequest, CallRouted),
} as const;
