/** Where one call's synthesized audio goes (`call.{id}.audio.out`); the sink numbers and stamps the frames. */
export interface AgentAudioSink {
  /** One 20 ms frame of linear16 at the call's rate; `endOfUtterance` on the reply's last frame. */
  publish(pcm: Uint8Array, endOfUtterance: boolean): void;
}
