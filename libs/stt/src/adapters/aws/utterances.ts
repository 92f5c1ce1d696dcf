import type { Item, Result } from '@aws-sdk/client-transcribe-streaming';
import type { SpeechEvent, WordTiming } from '../../ports/speech-to-text';

/** Where a Transcribe time (seconds of its session) falls in the call's audio (ms). */
export type SessionClock = (sessionSeconds: number) => number;

interface Open {
  readonly resultId: string;
  text: string;
  words: readonly WordTiming[];
  startMs: number;
  endMs: number;
}

interface Channel {
  open: Open | undefined;
  /** A segment settled early (finalize, close): its words up to `afterMs` were already given as a final. */
  settled: { readonly resultId: string; readonly afterMs: number } | undefined;
}

/**
 * Turns Transcribe results into the port's utterances, one state per channel.
 *
 * Transcribe has no end-of-turn event: it splits speech into segments
 * (`ResultId`), sends partials of the open segment and one final
 * (`IsPartial: false`) when it decides the segment is over, at a pause. So a
 * segment is an utterance: its first result is `speech_started`, its partials
 * are `partial`s, and its final is `final` then `end_of_utterance`.
 *
 * `settle` ends the open utterances early with the words heard so far. The
 * service goes on with the same segment; its later results are cut to the
 * words after the settled ones, which start a new utterance if there are any.
 */
export class Utterances {
  private readonly channels = new Map<number, Channel>();

  constructor(
    private readonly emit: (event: SpeechEvent) => void,
    /** Tag events with their channel (multichannel streams only). */
    private readonly multichannel: boolean,
  ) {}

  /** Utterances started and not yet ended. */
  get openCount(): number {
    let open = 0;
    for (const channel of this.channels.values()) if (channel.open) open += 1;
    return open;
  }

  /** One result; `nowMs` is how much audio the caller has pushed (the moment it arrived, in audio time). */
  result(result: Result, clock: SessionClock, nowMs: number): void {
    const channelNo = channelNumber(result.ChannelId);
    const channel = this.channelOf(channelNo);
    const resultId = result.ResultId ?? '';
    const alternative = result.Alternatives?.[0];
    let items = alternative?.Items ?? [];
    let text = alternative?.Transcript?.trim() ?? '';

    const settled = channel.settled;
    if (settled && settled.resultId !== resultId) channel.settled = undefined;
    else if (settled) {
      if (!result.IsPartial) channel.settled = undefined;
      items = itemsAfter(items, settled.afterMs, clock);
      text = textOf(items);
    }

    const words = items.filter((item) => item.Type === 'pronunciation' && item.Content).map((item) => wordOf(item, clock));
    const heard = text !== '' && (words.length > 0 || !settled);
    if (!heard) {
      // Nothing (more) to say: a final still ends this segment's utterance.
      if (!result.IsPartial && channel.open?.resultId === resultId) this.end(channelNo, channel, nowMs);
      return;
    }

    if (channel.open && channel.open.resultId !== resultId) this.settleChannel(channelNo, channel, nowMs);
    const startMs = words[0]?.startMs ?? clock(result.StartTime ?? 0);
    const endMs = words.at(-1)?.endMs ?? clock(result.EndTime ?? 0);
    if (!channel.open) {
      channel.open = { resultId, text: '', words: [], startMs, endMs };
      this.emit(this.tag({ type: 'speech_started', atMs: startMs }, channelNo));
    }
    const open = channel.open;
    if (result.IsPartial) {
      if (text !== open.text) this.emit(this.tag({ type: 'partial', text, atMs: Math.max(nowMs, endMs) }, channelNo));
      Object.assign(open, { text, words, endMs });
      return;
    }
    Object.assign(open, { text, words, endMs });
    this.end(channelNo, channel, nowMs);
  }

  /** Ends every open utterance now with what was heard (the last partial as the final). */
  settle(nowMs: number): void {
    for (const [channelNo, channel] of this.channels) this.settleChannel(channelNo, channel, nowMs);
  }

  private settleChannel(channelNo: number, channel: Channel, nowMs: number): void {
    const open = channel.open;
    if (!open) return;
    channel.settled = { resultId: open.resultId, afterMs: open.words.at(-1)?.startMs ?? open.endMs };
    this.end(channelNo, channel, nowMs);
  }

  /** The open utterance's final (when it has words) and its end. */
  private end(channelNo: number, channel: Channel, nowMs: number): void {
    const open = channel.open;
    if (!open) return;
    channel.open = undefined;
    if (open.text !== '') {
      const confidence = open.words.length === 0 ? 0 : open.words.reduce((sum, w) => sum + w.confidence, 0) / open.words.length;
      this.emit(this.tag({ type: 'final', text: open.text, words: open.words, confidence, startMs: open.startMs, endMs: open.endMs }, channelNo));
    }
    this.emit(this.tag({ type: 'end_of_utterance', atMs: Math.max(nowMs, open.endMs), lastSpeechAtMs: open.endMs }, channelNo));
  }

  private channelOf(channelNo: number): Channel {
    let channel = this.channels.get(channelNo);
    if (!channel) {
      channel = { open: undefined, settled: undefined };
      this.channels.set(channelNo, channel);
    }
    return channel;
  }

  private tag<E extends SpeechEvent>(event: E, channel: number): E {
    return this.multichannel ? { ...event, channel } : event;
  }
}

/** `ch_1` → 1; mono results carry `ch_0` or nothing. */
function channelNumber(channelId: string | undefined): number {
  const match = /^ch_(\d+)$/.exec(channelId ?? '');
  return match ? Number(match[1]) : 0;
}

function wordOf(item: Item, clock: SessionClock): WordTiming {
  const startMs = clock(item.StartTime ?? 0);
  return {
    word: item.Content ?? '',
    startMs,
    endMs: Math.max(startMs, clock(item.EndTime ?? 0)),
    // Absent only on punctuation; a word without it is taken as certain rather than doubted.
    confidence: Math.min(1, Math.max(0, item.Confidence ?? 1)),
  };
}

/** The items after the settled words: pronunciations that start later, with the punctuation that follows them. */
function itemsAfter(items: readonly Item[], afterMs: number, clock: SessionClock): Item[] {
  const first = items.findIndex((item) => item.Type === 'pronunciation' && clock(item.StartTime ?? 0) > afterMs);
  return first < 0 ? [] : items.slice(first);
}

/** Text of items as Transcribe writes it: words spaced, punctuation attached. */
function textOf(items: readonly Item[]): string {
  let text = '';
  for (const item of items) {
    if (!item.Content) continue;
    text += item.Type === 'punctuation' || text === '' ? item.Content : ` ${item.Content}`;
  }
  return text.trim();
}
