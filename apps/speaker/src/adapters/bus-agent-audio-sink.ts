import { publishTo, type MessageBus, type Topic } from '@voiceagent/bus';
import { Track, topics, type AudioFrame } from '@voiceagent/contracts';
import type { AgentAudioSink } from '../ports/agent-audio-sink';

/** Agent audio on `call.{id}.audio.out`: numbered per call, stamped with the wall clock. */
export class BusAgentAudioSink implements AgentAudioSink {
  private readonly topic: Topic<AudioFrame>;
  private sequence = 0;

  constructor(
    private readonly bus: MessageBus,
    private readonly callId: string,
    private readonly sampleRateHz: number,
  ) {
    this.topic = topics.call(callId, 'audioOut');
  }

  publish(pcm: Uint8Array, endOfUtterance: boolean): void {
    publishTo(this.bus, this.topic, {
      callId: this.callId,
      sequence: this.sequence,
      sampleRateHz: this.sampleRateHz,
      channels: 1,
      pcm,
      capturedAtUs: Math.round((performance.timeOrigin + performance.now()) * 1000),
      track: Track.TRACK_AGENT,
      endOfUtterance,
    });
    this.sequence = (this.sequence + 1) >>> 0; // uint32 on the wire
  }
}
