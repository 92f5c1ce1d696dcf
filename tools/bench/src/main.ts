import { parseArgs } from 'node:util';
import { formatMachine, formatResult, machineInfo } from './format';
import { benchmarks, findBenchmark } from './registry';

const usage = () =>
  [
    'usage: npm run bench -- [name...] [--json] [--calls N] [--concurrency N,N,...] [--stack-log FILE]',
    '',
    'Runs the named benchmarks, or all of them. --json prints machine-readable results.',
    'e2e: --calls sets the calls of its latency phase (default: enough for 50 turns),',
    '     --concurrency the concurrent calls it steps through (default 10,15,20,25,30; 0 skips),',
    '     --stack-log writes the system\'s log (transcripts, decisions, turn records) to FILE.',
    '',
    ...benchmarks.map((b) => `  ${b.name.padEnd(8)} ${b.description}`),
  ].join('\n');

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, calls: { type: 'string' }, concurrency: { type: 'string' }, 'stack-log': { type: 'string' } },
    });
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage()}\n`);
    process.exit(2);
  }
  if (args.values.help) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const selected = args.positionals.length > 0 ? args.positionals.map(findBenchmark) : benchmarks;
  const unknown = args.positionals.filter((_, i) => !selected[i]);
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark: ${unknown.join(', ')}\n\n${usage()}\n`);
    process.exit(2);
  }
  const json = args.values.json === true;
  const machine = machineInfo();
  if (!json) process.stdout.write(`${formatMachine(machine)}\n`);

  const report: object[] = [];
  for (const bench of selected.filter((b) => b !== undefined)) {
    const { name, description } = bench;
    const log = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
    try {
      const result = await bench.run({ log, options: { calls: args.values.calls, concurrency: args.values.concurrency, stackLog: args.values['stack-log'] } });
      // Tables are for people; JSON carries the raw numbers instead.
      report.push({ name, description, data: result.data, targets: result.targets, notes: result.notes });
      if (!json) process.stdout.write(`\n${formatResult(result)}\n`);
    } catch (error) {
      // A broken benchmark fails the run; a missed target never does.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      report.push({ name, description, error: message });
      process.stderr.write(`[${name}] failed: ${message}\n`);
      process.exitCode = 1;
    }
  }
  if (json) process.stdout.write(`${JSON.stringify({ machine, results: report }, null, 2)}\n`);
}

void main();
