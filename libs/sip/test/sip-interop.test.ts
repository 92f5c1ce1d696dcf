import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { negotiateAnswer, parseAnswer } from '../src/signalling';
import { offerSdp, startAgent } from './sip-support';

// Interoperability with SIPp (Debian package sip-tester), an independent SIP implementation.

interface SippRun {
  readonly code: number | null;
  readonly errors: string;
}

async function sipp(args: string[], timeoutMs = 20_000): Promise<SippRun> {
  const dir = await mkdtemp(join(tmpdir(), 'sipp-'));
  try {
    const child = spawn('sipp', [...args, '-m', '1', '-timeout', '15', '-nostdin', '-trace_err'], { cwd: dir, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    clearTimeout(timer);
    const logs = (await readdir(dir)).filter((f) => f.endsWith('_errors.log'));
    const errors = (await Promise.all(logs.map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
    return { code, errors };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A port that was free a moment ago, for SIPp to listen on. */
async function freePort(transport: 'udp' | 'tcp'): Promise<number> {
  if (transport === 'udp') {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    return port;
  }
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

const SIPP_TRANSPORT = { udp: 'u1', tcp: 't1' } as const;

describe.each(['udp', 'tcp'] as const)('interoperability with SIPp as the caller over %s', (transport) => {
  it("completes SIPp's built-in caller scenario against our user agent server", async () => {
    const agent = await startAgent({ timers: { t1: 500, t2: 4000, t4: 5000, timerD: 32_000 } });
    const ended: string[] = [];
    agent.onCall((call) => {
      call.progress(180);
      call
        .answer(negotiateAnswer(call.offer ?? '', { localAddress: '127.0.0.1', localPort: 40000 }).sdp)
        .then((dialog) => dialog.onTerminated((reason) => ended.push(reason)), () => undefined);
    });
    const port = agent.ports[transport];
    const run = await sipp(['-sn', 'uac', `127.0.0.1:${port}`, '-s', 'agent', '-t', SIPP_TRANSPORT[transport], '-i', '127.0.0.1', '-p', '0']);
    expect(run.errors).toBe('');
    expect(run.code).toBe(0);
    expect(ended).toEqual(['remote-bye']);
  });
});

describe('interoperability with SIPp as the answering side', () => {
  // SIPp's built-in answering scenario lingers 4 s after the BYE, so both transports run at once.
  it("calls SIPp's built-in answering scenario from our user agent client over UDP and TCP", async () => {
    const caller = await startAgent({ timers: { t1: 500, t2: 4000, t4: 5000, timerD: 32_000 } });
    await Promise.all(
      (['udp', 'tcp'] as const).map(async (transport) => {
        const port = await freePort(transport);
        const run = sipp(['-sn', 'uas', '-t', SIPP_TRANSPORT[transport], '-i', '127.0.0.1', '-p', String(port)]);
        // SIPp needs a moment to open its socket: UDP retransmissions cover that, TCP needs a retry.
        let dialog;
        for (let attempt = 0; !dialog; attempt++) {
          try {
            dialog = await caller.invite({ to: `sip:service@127.0.0.1:${port}`, sdp: offerSdp(), transport }).answered;
          } catch (error) {
            if (attempt >= 20) throw error;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
        expect(parseAnswer(dialog.remoteSdp ?? '').codec.name).toBe('PCMU');
        await dialog.bye();
        const result = await run;
        expect(result.errors).toBe('');
        expect(result.code).toBe(0);
      }),
    );
  });
});
