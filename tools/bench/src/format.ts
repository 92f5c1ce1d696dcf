import { cpus, loadavg, totalmem, platform, arch } from 'node:os';
import type { BenchResult, Table } from './benchmark';

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** 1, 5 and 15 minute load averages when the run started: others may share the CPU. */
  readonly load: readonly number[];
}

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${arch()}`,
    node: process.version,
    load: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function formatMachine(m: MachineInfo): string {
  return `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, node ${m.node}, load ${m.load.join(' ')}`;
}

/** Left-aligns the first column (labels) and right-aligns the rest (numbers). */
export function formatTable(table: Table): string {
  const grid = [table.columns, ...table.rows];
  const widths = table.columns.map((_, c) => Math.max(...grid.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[]) =>
    widths
      .map((w, c) => (c === 0 ? (row[c] ?? '').padEnd(w) : (row[c] ?? '').padStart(w)))
      .join('  ')
      .trimEnd();
  return [table.title, line(table.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}

export function formatResult(result: BenchResult): string {
  const parts = result.tables.map(formatTable);
  if (result.targets.length > 0) {
    parts.push(
      formatTable({
        title: 'targets',
        columns: ['target', 'measured', 'result'],
        rows: result.targets.map((t) => [t.target, t.measured, t.met ? 'PASS' : 'MISS']),
      }),
    );
  }
  if (result.notes.length > 0) parts.push(result.notes.map((n) => `note: ${n}`).join('\n'));
  return parts.join('\n\n');
}

export const integer = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
export const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
