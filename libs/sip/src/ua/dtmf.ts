// SIP INFO DTMF as sent by most PBXs and SBCs (Content-Type application/dtmf-relay).

export const DTMF_RELAY = 'application/dtmf-relay';

const SIGNAL = /^[0-9*#A-Da-d]$/;

export interface DtmfRelay {
  readonly signal: string;
  readonly durationMs?: number;
}

export function formatDtmfRelay(signal: string, durationMs: number): string {
  if (!SIGNAL.test(signal)) throw new RangeError(`not a DTMF digit: "${signal}"`);
  if (!(Number.isInteger(durationMs) && durationMs > 0)) throw new RangeError('DTMF duration must be a positive integer (ms)');
  return `Signal=${signal.toUpperCase()}\r\nDuration=${durationMs}\r\n`;
}

/** Reads `Signal=5\r\nDuration=160`; undefined when there is no valid signal. */
export function parseDtmfRelay(body: string): DtmfRelay | undefined {
  const fields = new Map<string, string>();
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const signal = fields.get('signal');
  if (signal === undefined || !SIGNAL.test(signal)) return undefined;
  const duration = Number(fields.get('duration'));
  return { signal: signal.toUpperCase(), ...(Number.isInteger(duration) && duration > 0 && { durationMs: duration }) };
}
