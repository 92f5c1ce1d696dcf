/**
 * The contract every benchmark implements. A benchmark measures and reports;
 * it never fails the run because a number missed its target.
 */

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  /** Formatted cells, one array per row, as many as `columns`. */
  readonly rows: readonly (readonly string[])[];
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface BenchResult {
  readonly tables: readonly Table[];
  readonly targets: readonly TargetCheck[];
  /** Conditions worth printing beside the numbers (server versions, settings). */
  readonly notes: readonly string[];
  /** Raw measurements, for `--json`. */
  readonly data: unknown;
}

export interface BenchOptions {
  /** Progress lines; the runner sends them to stderr so results stay clean. */
  readonly log: (line: string) => void;
  /** Command-line settings for the benchmarks that take them (`--calls`, `--concurrency`, `--stack-log`), as given. */
  readonly options?: { readonly calls?: string; readonly concurrency?: string; readonly stackLog?: string };
}

export interface Benchmark {
  /** What `npm run bench -- <name>` selects. */
  readonly name: string;
  readonly description: string;
  run(options: BenchOptions): Promise<BenchResult>;
}
