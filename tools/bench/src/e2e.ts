import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { placeCall, runLoad, speak, summarize as summarizeCalls, type CallReport, type LoadSummary, type Utterance } from '@voiceagent/callgen';
import { UPSTREAM_ROUTE_HEADER } from '@voiceagent/contracts';
import { SipUserAgent } from '@voiceagent/sip';
import { TURN_BUDGET_MS, TURN_STAGES } from '@voiceagent/telemetry';
import { freePort } from '@voiceagent/testing';
import type { BenchOptions, BenchResult, Benchmark, Table } from './benchmark';
import { fixed, integer } from './format';
import { summarize } from './stats';

const workspaceRoot = resolve(import.meta.dirname, '../../..');
const KNOWLEDGE_FILE = join(workspaceRoot, 'examples/knowledge.yaml');
/** Caller turns the latency phase measures at least. */
const MIN_TURNS = 50;
const QUESTIONS_PER_CALL = 5;
/** Calls at once in the latency phase: the pipeline's latency, not its capacity. */
const LATENCY_CONCURRENCY = 2;
/** Concurrent calls tried, in order, until one breaks (v2v p95 over budget, calls failing, replies missing). */
const DEFAULT_STEPS = [10, 15, 20, 25, 30];
const QUESTIONS_PER_LOAD_CALL = 3;
const V2V_LIMIT_MS = 1000;
/** Share of turns without a reply (or lost frames) past which a step is broken. */
const MISS_LIMIT = 0.02;
const CALLER_RTP_PORTS = { min: 61000, max: 64999 };
/** Every call is an AI session, whatever the time of day (the gateway would send after-hours calls to voicemail). */
const AI_SESSION = { [UPSTREAM_ROUTE_HEADER]: 'ai_session' };

/** What the turn's owner logs when it closes a turn (libs/telemetry TurnTracker): the trace's numbers. */
interface TurnLatency {
  readonly totalMs: number;
  readonly listenerMs: number;
  readonly brainMs: number;
  readonly speakerMs: number;
  readonly mediaMs: number;
  readonly endpointingMs: number;
  readonly listenerEngineMs: number;
  readonly brainEngineMs: number;
  readonly speakerEngineMs: number;
  readonly overheadMs: number;
}

/** The system under test: `npm start` (every service, in-process bus, local engines) in a child process pinned to core 0. */
class Stack {
  private phase: TurnLatency[] = [];
  private errorLines: string[] = [];
  /** The brain's tool per turn: how many answers, how many hand-offs. */
  private tools = new Map<string, number>();
  private constructor(
    private readonly child: ChildProcess & { readonly stdout: Readable; readonly pid: number },
    readonly to: string,
  ) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (entry['msg'] === 'turn latency') this.phase.push(entry as unknown as TurnLatency);
      else if (entry['msg'] === 'caller turn') this.tools.set(String(entry['tool']), (this.tools.get(String(entry['tool'])) ?? 0) + 1);
      else if (entry['level'] === 'error' || entry['level'] === 'fatal') this.errorLines.push(String(entry['msg']));
    });
  }

  get pid(): number {
    return this.child.pid;
  }

  /** The turns closed (and errors logged) since the last call, and a fresh start. */
  take(): { turns: TurnLatency[]; errors: string[]; tools: string } {
    const taken = { turns: this.phase, errors: this.errorLines, tools: [...this.tools].map(([tool, n]) => `${n} ${tool}`).join(', ') };
    this.phase = [];
    this.errorLines = [];
    this.tools = new Map();
    return taken;
  }

  static async start(dataDir: string, logFile: string | undefined): Promise<Stack> {
    const [sipPort, httpPort, bookingPort, escalationPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const mirror = process.env['VOICE_AGENT_MODELS_MIRROR'] || resolve(workspaceRoot, '../shared/models');
    const child = spawn('taskset', ['-c', '0', process.execPath, '--import', 'tsx', 'tools/stack/src/main.ts'], {
      cwd: workspaceRoot,
      env: {
        ...process.env,
        SIP_HOST: '127.0.0.1',
        SIP_PORT: String(sipPort),
        SIP_TRANSPORTS: 'udp',
        // Away from the ranges tests use: a stale RTP stream from another run must not reach these calls.
        RTP_PORT_MIN: '21000',
        RTP_PORT_MAX: '29999',
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(httpPort),
        GRPC_HOST: '127.0.0.1',
        BOOKING_GRPC_PORT: String(bookingPort),
        BOOKING_ADDRESS: `127.0.0.1:${bookingPort}`,
        ESCALATION_GRPC_PORT: String(escalationPort),
        ESCALATION_ADDRESS: `127.0.0.1:${escalationPort}`,
        DATA_DIR: dataDir,
        VOICEMAIL_DIR: join(dataDir, 'voicemail'),
        KNOWLEDGE_FILE,
        ...(existsSync(mirror) ? { VOICE_AGENT_MODELS_MIRROR: mirror } : {}),
        MAX_CALLS: '1000',
        SIP_RATE_LIMIT: '1000',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const { pid, stdout } = child;
    if (pid === undefined || !stdout) throw new Error('could not start the stack (taskset and node must be installed)');
    if (logFile) stdout.pipe(createWriteStream(logFile));
    const stack = new Stack(Object.assign(child, { pid, stdout }), `sip:agent@127.0.0.1:${sipPort}`);
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the stack exited with ${child.exitCode} before it was ready`);
      if (await fetch(`http://127.0.0.1:${httpPort}/healthz`).then((r) => r.ok, () => false)) return stack;
      if (Date.now() > deadline) throw new Error('the stack was not healthy after 120 s');
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  stop(): Promise<void> {
    return new Promise((done) => {
      if (this.child.exitCode !== null) return done();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      this.child.kill('SIGTERM');
    });
  }
}

/**
 * Questions the example knowledge file answers (its FAQs and the ways they are
 * also asked, its hours, prices and phone number), long answers and short,
 * chosen among those the local recognizer hears right when flite says them:
 * a misheard question is handed to a person, and the transfer ends the call.
 */
const QUESTIONS = [
  'Do you take insurance?',
  'What time do you open on Monday?',
  'How can I pay?',
  'Is there parking?',
  'Do you see children?',
  'What is your phone number?',
  'Do you offer payment plans?',
  'Are you open on Sunday?',
  "I'm nervous about the dentist. Can you help?",
  'How much is a tooth-colored filling?',
  'What is your address?',
];

/** The n-th question, round the list. */
const question = (utterances: readonly Utterance[], n: number): Utterance => utterances[n % utterances.length] as Utterance;

/** utime + stime of a process, in seconds (Linux /proc; clock ticks are 100 Hz). */
function cpuSeconds(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Turns the callers got to ask: a call the agent transferred or hung up asks no more. */
const asked = (reports: readonly CallReport[]) => reports.reduce((n, r) => n + r.turns.length, 0);
const latencies = (reports: readonly CallReport[]) => Float64Array.from(reports.flatMap((r) => r.turns.map((t) => t.latencyMs).filter((l): l is number => l !== null)));
const column = (turns: readonly TurnLatency[], pick: (t: TurnLatency) => number) => summarize(Float64Array.from(turns.map(pick)));
const ms = (n: number) => fixed(n, 0);

interface Step {
  readonly calls: number;
  readonly summary: LoadSummary;
  readonly v2vP50: number;
  readonly v2vP95: number;
  readonly turns: number;
  readonly asked: number;
  readonly cpuShare: number;
  /** p95 of the turns' total and stages, from the traces: where the time went as the load grew. */
  readonly stagesP95: Readonly<Record<'total' | 'listener' | 'brain' | 'speaker' | 'media', number>>;
  readonly errors: number;
  readonly broken: string | undefined;
}

async function loadStep(ua: SipUserAgent, stack: Stack, calls: number, utterances: readonly Utterance[], log: (line: string) => void): Promise<Step> {
  const t0 = performance.now();
  const c0 = cpuSeconds(stack.pid);
  // Each call asks a different slice of the questions; every call lasts a few turns.
  let next = 0;
  const reports: CallReport[] = [];
  const rampMs = 3000;
  await Promise.all(
    Array.from({ length: calls }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (rampMs * i) / calls));
      const turns = Array.from({ length: QUESTIONS_PER_LOAD_CALL }, () => question(utterances, next++));
      reports.push(await placeCall(ua, { to: stack.to, headers: AI_SESSION, turns, greetingTimeoutMs: 10_000, replyTimeoutMs: 8000, rtpPorts: CALLER_RTP_PORTS }));
    }),
  );
  const cpuShare = (cpuSeconds(stack.pid) - c0) / ((performance.now() - t0) / 1000);
  const summary = summarizeCalls(reports);
  const v2v = summarize(latencies(reports));
  const missing = summary.turnsWithoutReply / Math.max(1, asked(reports));
  const { errors, turns } = stack.take();
  const p95 = (pick: (t: TurnLatency) => number) => column(turns, pick).p95;
  const stagesP95 = { total: p95((t) => t.totalMs), listener: p95((t) => t.listenerMs), brain: p95((t) => t.brainMs), speaker: p95((t) => t.speakerMs), media: p95((t) => t.mediaMs) };
  const broken =
    summary.failed > 0 ? `${summary.failed} calls failed`
    : missing > MISS_LIMIT ? `${summary.turnsWithoutReply} of ${asked(reports)} turns without a reply`
    : summary.lostRatio > MISS_LIMIT ? `${(summary.lostRatio * 100).toFixed(1)} % of agent frames lost or late`
    : v2v.p95 >= V2V_LIMIT_MS ? `v2v p95 ${ms(v2v.p95)} ms ≥ ${V2V_LIMIT_MS} ms`
    : undefined;
  const step = { calls, summary, v2vP50: v2v.p50, v2vP95: v2v.p95, turns: v2v.samples, asked: asked(reports), cpuShare, stagesP95, errors: errors.length, broken };
  log(`${calls} concurrent calls: v2v p50 ${ms(step.v2vP50)} ms, p95 ${ms(step.v2vP95)} ms, ${step.turns}/${step.asked} replies, stack CPU ${(cpuShare * 100).toFixed(0)} % of a core${broken ? ` — broken: ${broken}` : ''}`);
  return step;
}

function parseSteps(value: string | undefined): number[] {
  if (value === undefined) return DEFAULT_STEPS;
  const steps = value.split(',').map((s) => Number(s.trim()));
  if (steps.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`--concurrency takes whole numbers separated by commas (got "${value}")`);
  return steps.filter((n) => n > 0);
}

function parseCalls(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const calls = Number(value);
  if (!Number.isInteger(calls) || calls < 1) throw new Error(`--calls takes a whole number of calls, at least 1 (got "${value}")`);
  return calls;
}

export const e2eBenchmark: Benchmark = {
  name: 'e2e',
  description: `Whole system over SIP (local engines, one core): voice-to-voice latency at the caller, per-stage breakdown from the traces, pipeline overhead; then concurrent calls until v2v p95 passes ${V2V_LIMIT_MS} ms`,
  async run({ log, options }: BenchOptions): Promise<BenchResult> {
    const steps = parseSteps(options?.concurrency);
    const fixedCalls = parseCalls(options?.calls);
    // The callers get core 1, the system core 0 (its flite and speech model threads included).
    execFileSync('taskset', ['-p', '-c', '1', String(process.pid)]);
    const dataDir = await mkdtemp(join(tmpdir(), 'bench-e2e-'));
    log('starting the stack (npm start, local engines) on core 0');
    const stack = await Stack.start(dataDir, options?.stackLog);
    const ua = await SipUserAgent.start({ udp: { host: '127.0.0.1', port: 0 }, userAgent: 'bench-callgen', maxCalls: 1000 });
    try {
      log(`speaking ${QUESTIONS.length} questions with flite`);
      const utterances = await Promise.all(QUESTIONS.map((text) => speak(text)));

      // Latency: calls of several questions each, a couple at a time, until enough turns were answered.
      const reports: CallReport[] = [];
      let nextQuestion = 0;
      const callsWanted = fixedCalls ?? Math.ceil(MIN_TURNS / QUESTIONS_PER_CALL);
      while (reports.length < callsWanted || (fixedCalls === undefined && latencies(reports).length < MIN_TURNS && reports.length < callsWanted * 3)) {
        const batch = await runLoad(
          ua,
          { to: stack.to, headers: AI_SESSION, turns: Array.from({ length: QUESTIONS_PER_CALL }, () => question(utterances, nextQuestion++)), greetingTimeoutMs: 10_000, replyTimeoutMs: 8000, rtpPorts: CALLER_RTP_PORTS },
          { calls: LATENCY_CONCURRENCY, concurrency: LATENCY_CONCURRENCY, rampMs: 1000 },
        );
        reports.push(...batch.reports);
        log(`latency: ${reports.length} calls, ${latencies(reports).length} turns answered`);
      }
      // Late turn records (the last replies) arrive with the last packets: give the log a moment.
      await new Promise((r) => setTimeout(r, 500));
      const { turns, errors, tools } = stack.take();
      const v2v = latencies(reports);
      const v2vSummary = summarize(v2v);

      const loadSteps: Step[] = [];
      for (const calls of steps) {
        const step = await loadStep(ua, stack, calls, utterances, log);
        loadSteps.push(step);
        if (step.broken) break;
        await new Promise((r) => setTimeout(r, 2000));
      }

      const row = (label: string, pick: (t: TurnLatency) => number, budget?: number) => {
        const s = column(turns, pick);
        return [label, ms(s.p50), ms(s.p95), ms(s.max), budget === undefined ? '' : String(budget)];
      };
      const overheadP95 = column(turns, (t) => t.overheadMs).p95;
      const beforeRtpClockP95 = column(turns, (t) => t.overheadMs - t.mediaMs).p95;
      const v2vP95 = v2vSummary.p95;
      const carried = loadSteps.filter((s) => !s.broken).at(-1);
      const breaking = loadSteps.find((s) => s.broken);
      const tables: Table[] = [
        {
          title: `Voice to voice at the caller (caller's last speech sample → first agent speech sample): ${reports.length} calls, ${v2v.length} turns answered of ${asked(reports)} asked, ${LATENCY_CONCURRENCY} calls at a time`,
          columns: ['', 'p50 ms', 'p95 ms', 'max ms', 'turns'],
          rows: [['voice to voice', ms(v2vSummary.p50), ms(v2vP95), ms(v2vSummary.max), String(v2v.length)]],
        },
        {
          title: `The same turns in the traces (${turns.length} turns closed by the listener): stages, what the engines took, and the pipeline's own overhead`,
          columns: ['', 'p50 ms', 'p95 ms', 'max ms', 'budget ms'],
          rows: [
            row('turn: speech end → first RTP packet', (t) => t.totalMs, TURN_BUDGET_MS.total),
            ...TURN_STAGES.map((stage) => row(`  ${stage}`, (t) => t[`${stage}Ms`], stage === 'listener' ? undefined : TURN_BUDGET_MS[stage])),
            row('    endpointing wait (TURN_SILENCE_MS)', (t) => t.endpointingMs),
            row('    listener after the pause', (t) => t.listenerMs - t.endpointingMs, TURN_BUDGET_MS.listener),
            row('  engines: speech recognition', (t) => t.listenerEngineMs),
            row('  engines: language model', (t) => t.brainEngineMs),
            row('  engines: speech synthesis', (t) => t.speakerEngineMs),
            row('overhead: total − engines − endpointing', (t) => t.overheadMs),
            row('  of it before the RTP clock (− media)', (t) => t.overheadMs - t.mediaMs),
          ],
        },
        {
          title: `Concurrent calls on one core (${QUESTIONS_PER_LOAD_CALL} questions each, ramped over 3 s)`,
          columns: ['calls', 'answered', 'replies', 'v2v p50 ms', 'v2v p95 ms', 'p95 ms: turn / listener / brain / speaker / media', 'lost+late frames', 'stack CPU', 'errors logged', 'verdict'],
          rows: loadSteps.map((s) => [
            String(s.calls),
            `${s.summary.answered}/${s.calls}`,
            `${s.turns}/${s.asked}`,
            ms(s.v2vP50),
            ms(s.v2vP95),
            [s.stagesP95.total, s.stagesP95.listener, s.stagesP95.brain, s.stagesP95.speaker, s.stagesP95.media].map(ms).join(' / '),
            `${(s.summary.lostRatio * 100).toFixed(2)} %`,
            `${(s.cpuShare * 100).toFixed(0)} %`,
            integer(s.errors),
            s.broken ?? 'ok',
          ]),
        },
      ];
      return {
        tables,
        targets: [
          { target: 'v2v p50 ≤ 600 ms', measured: `${ms(v2vSummary.p50)} ms`, met: v2vSummary.p50 <= 600 },
          { target: 'v2v p95 ≤ 900 ms', measured: `${ms(v2vP95)} ms`, met: v2vP95 <= 900 },
          { target: 'pipeline overhead p95 ≤ 15 ms', measured: `${ms(overheadP95)} ms (${ms(beforeRtpClockP95)} ms before the 20 ms RTP clock)`, met: overheadP95 <= 15 },
          {
            target: `≥ 20 concurrent calls per core with v2v p95 < ${V2V_LIMIT_MS} ms`,
            measured: carried ? `${carried.calls} calls${breaking ? `; breaks at ${breaking.calls} (${breaking.broken})` : ''}` : `none${breaking ? ` (${breaking.calls}: ${breaking.broken})` : ''}`,
            met: (carried?.calls ?? 0) >= 20,
          },
        ],
        notes: [
          'npm start (every service in one process, in-process bus, local engines: sherpa-onnx zipformer, the knowledge-file engine, flite) pinned to core 0 with taskset; the simulated callers (tools/callgen) on core 1',
          `questions: ${QUESTIONS.length} the example knowledge file answers (FAQs, hours, a price, the phone number), spoken by flite (kal, phone band), G.711 μ-law over RTP; every call routed upstream as an AI session`,
          'stage numbers come from the turn records the listener writes when it closes a turn span (the same numbers as the span attributes); engine time: recognition lag after the pause, the engine chat, synthesis to first audio',
          `the brain's decisions in the latency phase: ${tools || 'none'}; errors the stack logged: ${errors.length}`,
        ],
        data: { latency: { reports: reports.length, v2v: Array.from(v2v), turns }, steps: loadSteps.map(({ summary, ...rest }) => ({ ...rest, lostRatio: summary.lostRatio, failed: summary.failed })) },
      };
    } finally {
      await ua.close();
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};
