import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeUdpPort } from './ports';

/** The scenarios of tools/e2e/sipp. */
export const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), '..', 'sipp');
/** RTP captures Debian's sip-tester package ships. */
export const SIPP_PCAPS = '/usr/share/sip-tester';

export interface SippOptions {
  /** File name under tools/e2e/sipp. */
  readonly scenario: string;
  /** host:port of the SIP peer. */
  readonly target: string;
  /** Request-URI user ([service]). */
  readonly service?: string;
  /** Generic parameters of the scenario (-key name value). */
  readonly keys?: Readonly<Record<string, string>>;
  /** Files put next to the scenario, by the name it uses: { 'caller.pcap': '/path/to/capture.pcap' }. */
  readonly files?: Readonly<Record<string, string>>;
  /** Length of each <pause/> without its own duration (-d). */
  readonly pauseMs?: number;
  readonly calls?: number;
  /** Most calls at once (-l) and new calls per second (-r). */
  readonly concurrency?: number;
  readonly rate?: number;
  /** sipp gives up (and fails) after this long. */
  readonly timeoutSeconds?: number;
}

/** One SIP message from sipp's message log. */
export interface SippMessage {
  readonly direction: 'sent' | 'received';
  /** Request or status line, e.g. "CANCEL sip:agent@127.0.0.1:5060 SIP/2.0" or "SIP/2.0 487 Request Terminated". */
  readonly startLine: string;
  /** A header's value (first of its name, case-insensitive), e.g. header('CSeq') → "1 INVITE". */
  header(name: string): string | undefined;
  readonly text: string;
}

/** Splits sipp's -trace_msg log into messages. */
export function parseMessageLog(log: string): SippMessage[] {
  const out: SippMessage[] = [];
  for (const entry of log.split(/^-{10,} .*$/m)) {
    const match = /^\s*\S+ message (sent|received)[^\n]*\n+([^]*)$/.exec(entry);
    if (!match) continue;
    const text = (match[2] ?? '').trim();
    const lines = text.split(/\r?\n/);
    out.push({
      direction: match[1] as 'sent' | 'received',
      startLine: lines[0] ?? '',
      header: (name) => {
        const prefix = `${name.toLowerCase()}:`;
        return lines.find((line) => line.toLowerCase().startsWith(prefix))?.slice(prefix.length).trim();
      },
      text,
    });
  }
  return out;
}

export interface SippResult {
  /** 0: every call succeeded; 1: some failed; 97/99/255/254: sipp could not run the test. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Every SIP message sipp sent and received (-trace_msg). */
  readonly messages: string;
  readonly exchanged: SippMessage[];
  /** Unexpected messages and failed checks (-trace_err). */
  readonly errors: string;
  readonly successfulCalls: number;
  readonly failedCalls: number;
  /** Everything above, for assertion messages. */
  readonly summary: string;
}

/** The cumulative column of a row of sipp's final statistics screen. */
function finalCount(stdout: string, row: string): number {
  const lines = stdout.split('\n').filter((line) => line.trim().startsWith(row));
  const cells = lines.at(-1)?.split('|') ?? [];
  return Number(cells.at(-1)?.trim() ?? NaN);
}

const readIfThere = (path: string) => readFile(path, 'utf8').catch(() => '');

/**
 * Runs sipp (Debian package sip-tester) non-interactively in a scratch
 * folder holding the scenario and its files, on free loopback ports, and
 * collects its verdict and logs.
 */
export async function runSipp(options: SippOptions): Promise<SippResult> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-sipp-'));
  try {
    await copyFile(join(SCENARIOS, options.scenario), join(dir, options.scenario));
    for (const [name, source] of Object.entries(options.files ?? {})) await copyFile(source, join(dir, name));
    const sipPort = await freeUdpPort({ min: 35000, max: 35999 });
    const controlPort = await freeUdpPort({ min: 35000, max: 35999 });
    // sipp binds its media port and the one two above (video).
    const mediaPort = await freeUdpPort({ min: 36000, max: 36999, span: 4, even: true });
    const timeoutSeconds = options.timeoutSeconds ?? 15;
    const args = [
      '-sf', options.scenario,
      '-s', options.service ?? 'agent',
      '-m', String(options.calls ?? 1),
      '-l', String(options.concurrency ?? 1),
      '-r', String(options.rate ?? 10),
      '-d', String(options.pauseMs ?? 0),
      ...Object.entries(options.keys ?? {}).flatMap(([name, value]) => ['-key', name, value]),
      '-nostdin',
      '-i', '127.0.0.1',
      '-mi', '127.0.0.1',
      '-p', String(sipPort),
      '-mp', String(mediaPort),
      '-cp', String(controlPort),
      '-timeout', `${timeoutSeconds}s`,
      '-timeout_error',
      '-trace_msg', '-message_file', join(dir, 'messages.log'),
      '-trace_err', '-error_file', join(dir, 'errors.log'),
      options.target,
    ];
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      // sipp's own -timeout should end it; this is the backstop for a hung process.
      const killer = setTimeout(() => child.kill('SIGKILL'), (timeoutSeconds + 10) * 1000);
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(killer);
        reject(error.code === 'ENOENT' ? new Error('sipp is not installed (apt-get install sip-tester)') : error);
      });
      child.once('close', (exitCode) => {
        clearTimeout(killer);
        resolve({ code: exitCode, stdout: out, stderr: err });
      });
    });
    const messages = await readIfThere(join(dir, 'messages.log'));
    const errors = await readIfThere(join(dir, 'errors.log'));
    const successfulCalls = finalCount(stdout, 'Successful call');
    const failedCalls = finalCount(stdout, 'Failed call');
    const summary = [`sipp ${args.join(' ')} → exit ${code}, ${successfulCalls} successful, ${failedCalls} failed`, `--- stderr\n${stderr.trim()}`, `--- errors\n${errors.trim()}`, `--- messages\n${messages.trim()}`].join('\n');
    return { code, stdout, stderr, messages, exchanged: parseMessageLog(messages), errors, successfulCalls, failedCalls, summary };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
