import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runLoad, speak, type LoadSummary } from '@voiceagent/callgen';
import { SipUserAgent } from '@voiceagent/sip';
import { freePort } from '@voiceagent/testing';
import type { BenchOptions, BenchResult, Benchmark } from './benchmark';

const workspaceRoot = resolve(import.meta.dirname, '../../..');
/** Concurrent echo calls tried, in order, until the loss or CPU limit is crossed. */
const STEPS = [50, 100, 200, 300, 400, 500];
const LOSS_LIMIT = 0.001;
const CALL_SECONDS = 12;

interface Step {
  readonly calls: number;
  readonly answered: number;
  readonly failed: number;
  readonly lossRatio: number;
  readonly concealed: number;
  /** Media process CPU over the steady part of the step, as a share of one core. */
  readonly cpuShare: number;
  readonly cpuPerCallPct: number;
}

/** utime + stime of a process, in seconds (Linux /proc; clock ticks are 100 Hz). */
function cpuSeconds(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The media service alone, in echo mode, pinned to core 0: the system under test. */
async function startMedia(sipPort: number, httpPort: number): Promise<ChildProcess> {
  const child = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', 'tools/stack/src/main.ts'], {
    cwd: workspaceRoot,
    env: { ...process.env, SERVICES: 'media', MEDIA_ECHO: 'true', SIP_PORT: String(sipPort), SIP_HOST: '127.0.0.1', HTTP_PORT: String(httpPort), HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'warn', MAX_CALLS: '2000', SIP_RATE_LIMIT: '10000', RTP_PORT_MIN: '20000', RTP_PORT_MAX: '29999' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`media service exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${httpPort}/healthz`).then((r) => r.ok, () => false);
    if (ok) return child;
    if (Date.now() > deadline) throw new Error('media service not healthy after 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function runStep(ua: SipUserAgent, to: string, calls: number, samples: Int16Array, mediaPid: number, log: (line: string) => void): Promise<Step> {
  // Measure CPU over the middle of the step, when every call is up and talking.
  const rampMs = 2000;
  let cpuShare = NaN;
  const sampler = (async () => {
    await new Promise((r) => setTimeout(r, rampMs + 1500));
    const t0 = performance.now();
    const c0 = cpuSeconds(mediaPid);
    await new Promise((r) => setTimeout(r, (CALL_SECONDS - 5) * 1000));
    cpuShare = (cpuSeconds(mediaPid) - c0) / ((performance.now() - t0) / 1000);
  })();
  const summary: LoadSummary = await runLoad(
    ua,
    { to, turns: [{ label: 'speech', samples }], greetingTimeoutMs: 0, replyTimeoutMs: 500, agentSilenceMs: 200, rtpPorts: { min: 40000, max: 59999 } },
    { calls, concurrency: calls, rampMs },
  );
  await sampler;
  const step = {
    calls,
    answered: summary.answered,
    failed: summary.failed,
    lossRatio: summary.lostRatio,
    concealed: summary.concealedFrames,
    cpuShare,
    cpuPerCallPct: (cpuShare * 100) / calls,
  };
  log(`${calls} calls: answered ${step.answered}, loss ${(step.lossRatio * 100).toFixed(3)} %, media CPU ${(cpuShare * 100).toFixed(0)} % of a core`);
  return step;
}

export const mediaBenchmark: Benchmark = {
  name: 'media',
  description: 'Concurrent echo calls the media service carries on one core (SIP + RTP + bus), loss and CPU per call',
  async run({ log }: BenchOptions): Promise<BenchResult> {
    // The callers get the other core, so the media service has core 0 to itself.
    execFileSync('taskset', ['-p', '-c', '1', String(process.pid)]);
    const [sipPort, httpPort] = [await freePort(), await freePort()];
    const media = await startMedia(sipPort, httpPort);
    const mediaPid = media.pid;
    if (mediaPid === undefined) throw new Error('media service has no pid');
    const ua = await SipUserAgent.start({ udp: { host: '127.0.0.1', port: 0 }, userAgent: 'bench-callgen', maxCalls: 5000 });
    const phrase = await speak('I would like to book a cleaning for next Tuesday afternoon, around three if you have it.');
    // One long utterance per call: the phrase repeated to fill the call.
    const samples = new Int16Array(CALL_SECONDS * 8000);
    for (let at = 0; at < samples.length; at += phrase.samples.length) samples.set(phrase.samples.subarray(0, Math.min(phrase.samples.length, samples.length - at)), at);
    const steps: Step[] = [];
    try {
      for (const calls of STEPS) {
        const step = await runStep(ua, `sip:agent@127.0.0.1:${sipPort}`, calls, samples, mediaPid, log);
        steps.push(step);
        if (step.lossRatio >= LOSS_LIMIT || step.failed > 0 || step.cpuShare > 0.95) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await ua.close();
      media.kill('SIGTERM');
    }
    const carried = steps.filter((s) => s.lossRatio < LOSS_LIMIT && s.failed === 0 && s.cpuShare <= 0.95);
    const best = carried.at(-1);
    const pct = (x: number) => `${(x * 100).toFixed(3)} %`;
    return {
      tables: [
        {
          title: `Echo calls into the media service on one core (${CALL_SECONDS} s calls, G.711 μ-law, 50 packets/s each way)`,
          columns: ['concurrent calls', 'answered', 'failed', 'lost+late frames', 'concealed', 'media CPU (one core)', 'CPU per call'],
          rows: steps.map((s) => [String(s.calls), String(s.answered), String(s.failed), pct(s.lossRatio), String(s.concealed), `${(s.cpuShare * 100).toFixed(0)} %`, `${s.cpuPerCallPct.toFixed(2)} %`]),
        },
      ],
      targets: [
        { target: '≥ 300 concurrent calls per core with < 0.1 % lost or late frames', measured: best ? `${best.calls} calls` : 'none', met: (best?.calls ?? 0) >= 300 },
      ],
      notes: [
        'media service (npm start with SERVICES=media MEDIA_ECHO=true, in-process bus) pinned to core 0; the simulated callers run on core 1',
        'loss is counted at the callers: RTP sequence gaps and packets too late to play, over frames expected',
      ],
      data: steps,
    };
  },
};
