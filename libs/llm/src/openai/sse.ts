/**
 * A minimal Server-Sent Events reader for chat-completions streams.
 *
 * Hand-written rather than a dependency: the llm package has only zod, the
 * wire format used by OpenAI-compatible servers is just `data:` lines ended by
 * a blank line, and this keeps the adapter free of package.json changes.
 * It follows the SSE rules that matter here: LF/CRLF/CR line ends, `:`
 * comments, multi-line `data`, one optional space after the colon, and a
 * final event without its trailing blank line.
 */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  const lines = function* (final: boolean): Generator<string> {
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      // A lone trailing CR may be half of a CRLF still in flight.
      if (!match || (match[0] === '\r' && match.index === buffer.length - 1 && !final)) break;
      yield buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
    }
    if (final && buffer) {
      yield buffer;
      buffer = '';
    }
  };
  const take = (line: string): string | undefined => {
    if (line === '') {
      const event = data.length ? data.join('\n') : undefined;
      data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    return undefined;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (const line of lines(done)) {
        const event = take(line);
        if (event !== undefined) yield event;
      }
      if (done) break;
    }
    const last = take('');
    if (last !== undefined) yield last;
  } finally {
    // Stops the download when the consumer leaves early (abort, error, first tool call).
    await reader.cancel().catch(() => undefined);
  }
}
