import type { Topic } from '@voiceagent/bus';
import { BinaryReader, type BinaryWriter } from '@bufbuild/protobuf/wire';
import { AgentUtterance } from './gen/voiceagent/brain/v1/brain';
import { CallControl, CallEvent, Dtmf } from './gen/voiceagent/call/v1/call';
import { Transcript, UserTurn, VadEvent } from './gen/voiceagent/listener/v1/listener';
import { AudioFrame } from './gen/voiceagent/media/v1/audio';
import { LIFECYCLE_SUBJECT, anyCallSubject, callSubject, type CallStream } from './subjects';

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
