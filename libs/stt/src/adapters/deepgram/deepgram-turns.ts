import type { listen } from '@deepgram/sdk';
import type { ChannelEvent, SpeechEvent, WordTiming } from '../../ports/speech-to-text';

interface Utterance {
  readonly startMs: number;
  /** Settled text so far: Deepgram settles a long utterance in several finals. */
  readonly finals: string[];
  /** Deepgram transcribed words in it (a `SpeechStarted` alone may be noise). */
  heardWords: boolean;
  lastWordEndMs: number | undefined;
  lastPartial: string;
}

interface ChannelState {
  utterance: Utterance | undefined;
  /** End of the audio Deepgram has reported on. */
  heardUntilMs: number;
}

/**
 * Turns Deepgram's live messages into the port's speech events, per channel,
 * keeping the port's promise: every `speech_started` is answered by exactly
 * one `end_of_utterance`, with the utterance's finals in between.
 *
 * An utterance opens on `SpeechStarted` (or on the first words, if that
 * never came) and ends on the first of: a result with `speech_final`
 * (endpointing), `UtteranceEnd`, a `from_finalize` result, or, for a
 * `SpeechStarted` that never turned into words (noise), a final result
 * `utteranceEndMs` past its onset. Deepgram often sends both `speech_final`
 * and `UtteranceEnd` for one utterance: the second finds nothing open.
 */
export class DeepgramTurns {
  /** Audio dropped before any reached Deepgram: Deepgram's clock starts this much later than the stream's. */
  offsetMs = 0;
  private readonly channels = new Map<number, ChannelState>();

  constructor(private readonly options: { readonly multichannel: boolean; readonly utteranceEndMs: number }) {}

  results(message: listen.ListenV1Results): SpeechEvent[] {
    const channel = message.channel_index?.[0] ?? 0;
    const state = this.channel(channel);
    const endMs = this.ms(message.start + message.duration);
    state.heardUntilMs = Math.max(state.heardUntilMs, endMs);
    const alternative = message.channel?.alternatives?.[0];
    const text = alternative?.transcript.trim() ?? '';
    const words: WordTiming[] = (alternative?.words ?? []).map((w) => ({
      word: w.word,
      startMs: this.ms(w.start),
      endMs: this.ms(w.end),
      confidence: w.confidence,
    }));
    const events: SpeechEvent[] = [];

    if (text !== '') {
      const utterance = this.open(channel, state, words[0]?.startMs ?? this.ms(message.start), events);
      utterance.heardWords = true;
      if (message.is_final) {
        utterance.finals.push(text);
        utterance.lastWordEndMs = words.at(-1)?.endMs ?? endMs;
        utterance.lastPartial = '';
        events.push({
          type: 'final',
          text,
          words,
          confidence: alternative?.confidence ?? 0,
          startMs: words[0]?.startMs ?? this.ms(message.start),
          endMs: words.at(-1)?.endMs ?? endMs,
          ...this.tag(channel),
        });
      } else {
        const partial = [...utterance.finals, text].join(' ');
        if (partial !== utterance.lastPartial) {
          utterance.lastPartial = partial;
          events.push({ type: 'partial', text: partial, atMs: endMs, ...this.tag(channel) });
        }
      }
    }

    const utterance = state.utterance;
    if (message.is_final && utterance) {
      const noiseOnly = !utterance.heardWords && endMs - utterance.startMs >= this.options.utteranceEndMs;
      if (message.speech_final || message.from_finalize || noiseOnly) this.end(channel, state, endMs, events);
    }
    return events;
  }

  speechStarted(message: listen.ListenV1SpeechStarted): SpeechEvent[] {
    const channel = message.channel?.[0] ?? 0;
    const events: SpeechEvent[] = [];
    this.open(channel, this.channel(channel), this.ms(message.timestamp), events);
    return events;
  }

  utteranceEnd(message: listen.ListenV1UtteranceEnd): SpeechEvent[] {
    const channel = message.channel?.[0] ?? 0;
    const state = this.channel(channel);
    const events: SpeechEvent[] = [];
    // An utterance with no words yet is a newer one than the words this message is about.
    if (state.utterance?.heardWords) {
      const lastWordEndMs = this.ms(message.last_word_end);
      state.utterance.lastWordEndMs = Math.max(state.utterance.lastWordEndMs ?? 0, lastWordEndMs);
      this.end(channel, state, Math.max(state.heardUntilMs, lastWordEndMs), events);
    }
    return events;
  }

  /** Ends every open utterance: the stream is closing, or failed. */
  endAll(atMs: number): SpeechEvent[] {
    const events: SpeechEvent[] = [];
    for (const [channel, state] of this.channels) this.end(channel, state, Math.max(atMs, state.heardUntilMs), events);
    return events;
  }

  private ms(seconds: number): number {
    return Math.round(seconds * 1000) + this.offsetMs;
  }

  private channel(channel: number): ChannelState {
    let state = this.channels.get(channel);
    if (!state) {
      state = { utterance: undefined, heardUntilMs: 0 };
      this.channels.set(channel, state);
    }
    return state;
  }

  private tag(channel: number): ChannelEvent {
    return this.options.multichannel ? { channel } : {};
  }

  private open(channel: number, state: ChannelState, atMs: number, events: SpeechEvent[]): Utterance {
    if (!state.utterance) {
      state.utterance = { startMs: atMs, finals: [], heardWords: false, lastWordEndMs: undefined, lastPartial: '' };
      events.push({ type: 'speech_started', atMs, ...this.tag(channel) });
    }
    return state.utterance;
  }

  private end(channel: number, state: ChannelState, atMs: number, events: SpeechEvent[]): void {
    const utterance = state.utterance;
    if (!utterance) return;
    state.utterance = undefined;
    const lastSpeechAtMs = utterance.lastWordEndMs ?? utterance.startMs;
    events.push({ type: 'end_of_utterance', atMs: Math.max(atMs, lastSpeechAtMs), lastSpeechAtMs, ...this.tag(channel) });
  }
}
