import { parseArgs } from 'node:util';
import { SipUserAgent } from '@voiceagent/sip';
import { placeCall, type CallReport, type CallScript } from './caller';
import { runLoad, type LoadSummary } from './load';
import { readWav, speak, type Utterance } from './utterance';

const usage = `Simulated caller: places a SIP call, speaks, listens and measures voice-to-voice latency.

  npm run call -- --to sip:agent@127.0.0.1:5060 --say "What time do you open on Saturday?"

  --to URI            the agent (required)
  --from NUMBER|URI   the caller id presented (e.g. +15125550199; default sip:caller@<local address>)
  --say TEXT          an utterance spoken with flite (repeat for more turns)
  --wav FILE          an utterance from a WAV file (repeat; any rate, mono or stereo)
  --voice NAME        flite voice for --say (default kal)
  --transport udp|tcp SIP transport (default udp)
  --codec PCMU|PCMA   the codec offered (default PCMU)
  --record FILE       write what the caller heard to a WAV file
  --hangup caller|agent  after the last turn hang up, or wait for the agent to (default caller)
  --greeting-ms N     how long to wait for a greeting before speaking (default 1500)
  --calls N           load mode: place N calls ...
  --concurrency C     ... at most C at a time (default 1)
  --json              machine-readable output
  --header NAME:VALUE extra INVITE header (repeatable)
`;

/** A positive whole number from the command line, or a clear error naming the option. */
function count(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${option} must be a positive whole number (got "${value}")`);
  return n;
}

/** A bare number or user becomes a SIP address on this machine; a URI or name-addr is used as it is. */
function fromAddress(value: string): string {
  if (value.includes('<')) return value;
  if (/^sips?:/i.test(value)) return `<${value}>`;
  if (!/^\+?[\w.-]+$/.test(value)) throw new Error(`--from must be a number, a user name or a SIP URI (got "${value}")`);
  return `<sip:${value}@127.0.0.1>`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      to: { type: 'string' },
      from: { type: 'string' },
      say: { type: 'string', multiple: true },
      wav: { type: 'string', multiple: true },
      voice: { type: 'string' },
      transport: { type: 'string' },
      codec: { type: 'string' },
      record: { type: 'string' },
      hangup: { type: 'string' },
      'greeting-ms': { type: 'string' },
      calls: { type: 'string' },
      concurrency: { type: 'string' },
      json: { type: 'boolean' },
      header: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help || !values.to) {
    process.stdout.write(usage);
    return values.help ? 0 : 2;
  }
  const utterances: Utterance[] = [];
  for (const text of values.say ?? []) utterances.push(await speak(text, values.voice));
  for (const file of values.wav ?? []) utterances.push(await readWav(file));
  const transport = values.transport === 'tcp' ? 'tcp' : 'udp';
  const headers = Object.fromEntries((values.header ?? []).map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()]));
  const script: CallScript = {
    to: values.to,
    from: values.from === undefined ? undefined : fromAddress(values.from),
    transport,
    codec: values.codec === 'PCMA' ? 'PCMA' : 'PCMU',
    headers,
    turns: utterances,
    recordPath: values.record,
    hangup: values.hangup === 'agent' ? 'agent' : 'caller',
    greetingTimeoutMs: values['greeting-ms'] === undefined ? undefined : count('greeting-ms', values['greeting-ms'], 0),
  };
  const ua = await SipUserAgent.start({ udp: { host: '127.0.0.1', port: 0 }, tcp: { host: '127.0.0.1', port: 0 }, userAgent: 'voice-agent-callgen', contactUser: 'caller' });
  try {
    if (values.calls) {
      const summary = await runLoad(ua, script, { calls: count('calls', values.calls, 1), concurrency: count('concurrency', values.concurrency, 1), rampMs: 1000 });
      process.stdout.write(values.json ? `${JSON.stringify({ ...summary, reports: undefined })}\n` : formatSummary(summary));
      return summary.failed > 0 ? 1 : 0;
    }
    const report = await placeCall(ua, script);
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatReport(values.to, report));
    return report.answered && !report.error ? 0 : 1;
  } finally {
    await ua.close();
  }
}

function formatReport(to: string, report: CallReport): string {
  if (!report.answered) return `${to}: not answered (${report.status ?? '-'} ${report.error ?? ''})\n`;
  const lines = [`${to}: answered in ${report.setupMs} ms`];
  if (report.greetingMs > 0) lines.push(`  greeting: ${(report.greetingMs / 1000).toFixed(1)} s`);
  report.turns.forEach((turn, i) =>
    lines.push(`  turn ${i + 1}: "${turn.said}" → ${turn.latencyMs === null ? 'no reply' : `reply after ${turn.latencyMs} ms (lasted ${(turn.replyMs / 1000).toFixed(1)} s)`}`),
  );
  for (const target of report.transfers) lines.push(`  transferred to ${target}`);
  lines.push(`  ended by ${report.endedBy} after ${(report.durationMs / 1000).toFixed(1)} s; RTP ${report.rtp.packetsReceived} packets, ${report.rtp.lost} lost, ${report.rtp.late} late`);
  if (report.recordPath) lines.push(`  recording: ${report.recordPath}`);
  if (report.error) lines.push(`  error: ${report.error}`);
  return `${lines.join('\n')}\n`;
}

function formatSummary(s: LoadSummary): string {
  const rows: Array<[string, string]> = [
    ['calls', String(s.calls)],
    ['answered', String(s.answered)],
    ['failed', String(s.failed)],
    ['latency p50', Number.isNaN(s.latencyP50Ms) ? '-' : `${s.latencyP50Ms} ms`],
    ['latency p95', Number.isNaN(s.latencyP95Ms) ? '-' : `${s.latencyP95Ms} ms`],
    ['turns without reply', String(s.turnsWithoutReply)],
    ['lost/late frames', `${s.lostFrames} of ${s.framesHeard + s.lostFrames} (${(s.lostRatio * 100).toFixed(3)} %)`],
    ['concealed frames', String(s.concealedFrames)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`callgen: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
