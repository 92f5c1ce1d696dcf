import type { AnySipMessage } from './message';

/** Wire form; Content-Length always reflects the body. */
export function serializeMessage(message: AnySipMessage): Buffer {
  const startLine =
    message.kind === 'request' ? `${message.method} ${message.uri} SIP/2.0` : `SIP/2.0 ${message.status} ${message.reason}`;
  let head = `${startLine}\r\n`;
  for (const [name, value] of message.headers) {
    if (name !== 'Content-Length') head += `${name}: ${value}\r\n`;
  }
  head += `Content-Length: ${message.body.length}\r\n\r\n`;
  return message.body.length === 0 ? Buffer.from(head, 'utf8') : Buffer.concat([Buffer.from(head, 'utf8'), message.body]);
}
