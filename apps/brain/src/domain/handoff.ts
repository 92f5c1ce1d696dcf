import type { ChatMessage } from '@voiceagent/llm';
import type { TranscriptEntry } from '../ports/escalation';

/** What a person picking up a transferred call reads first: why, and the caller's own last words. */
const QUOTED_TURNS = 2;
const QUOTE_CHARS = 200;

export function handoffTranscript(messages: readonly ChatMessage[]): TranscriptEntry[] {
  return messages.flatMap((message): TranscriptEntry[] => {
    if (message.role === 'tool' || !message.content.trim()) return [];
    return [{ speaker: message.role === 'user' ? 'caller' : 'agent', text: message.content }];
  });
}

export function handoffSummary(reason: string, transcript: readonly TranscriptEntry[]): string {
  const said = transcript.filter((line) => line.speaker === 'caller').slice(-QUOTED_TURNS);
  const quotes = said.map((line) => `"${line.text.length > QUOTE_CHARS ? `${line.text.slice(0, QUOTE_CHARS)}…` : line.text}"`);
  const turns = transcript.filter((line) => line.speaker === 'caller').length;
  return `Transfer (${reason}) after ${turns} caller turn${turns === 1 ? '' : 's'}.${quotes.length ? ` The caller said: ${quotes.join(' then ')}.` : ''}`;
}
