import { metrics, type Counter, type Histogram, type Meter, type UpDownCounter } from '@opentelemetry/api';

/** The meter every instrument of the voice agent belongs to. */
export const METER_NAME = 'voiceagent';

/** Instrument names (Prometheus shows them with `_` for `.`, counters with `_total`). */
export const METRIC_NAMES = {
  stageDuration: 'voiceagent.turn.stage.duration',
  turnDuration: 'voiceagent.turn.duration',
  budgetViolations: 'voiceagent.turn.budget_violations',
  activeCalls: 'voiceagent.calls.active',
  errors: 'voiceagent.errors',
} as const;

/** Bucket bounds in ms around the budget's numbers (100, 150, 200, 400 ms; 1 s per turn). */
const LATENCY_BUCKETS_MS = [5, 10, 15, 25, 50, 75, 100, 150, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1250, 1500, 2000, 3000, 5000];

/** The instruments of the voice agent, on one meter. */
export class VoiceAgentMetrics {
  /** Per caller turn and stage (attribute `stage`: listener, brain, speaker, media). */
  readonly stageDuration: Histogram;
  /** Per caller turn: the caller's last speech sample → the reply's first RTP packet sent. */
  readonly turnDuration: Histogram;
  /** Turns over budget, by the stage that overran (or `total`). */
  readonly budgetViolations: Counter;
  /** Calls in progress at the call edge (attribute `channel`). */
  readonly activeCalls: UpDownCounter;
  /** Errors the services logged (attribute `service`). */
  readonly errors: Counter;

  constructor(meter: Meter) {
    this.stageDuration = meter.createHistogram(METRIC_NAMES.stageDuration, {
      description: 'Time a stage of a caller turn took',
      unit: 'ms',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
    });
    this.turnDuration = meter.createHistogram(METRIC_NAMES.turnDuration, {
      description: "Caller turn latency: the caller's last speech sample to the reply's first RTP packet sent",
      unit: 'ms',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS_MS },
    });
    this.budgetViolations = meter.createCounter(METRIC_NAMES.budgetViolations, { description: 'Caller turns over the latency budget, by the stage that overran' });
    this.activeCalls = meter.createUpDownCounter(METRIC_NAMES.activeCalls, { description: 'Calls in progress' });
    this.errors = errorCounter(meter);
  }
}

function errorCounter(meter: Meter): Counter {
  return meter.createCounter(METRIC_NAMES.errors, { description: 'Errors logged, by service' });
}

/**
 * Counts one logged error on the process's meter provider (a no-op before
 * telemetry starts). The logger calls it, so every error a service reports is
 * counted without each call site doing so; the SDK returns the same instrument
 * for the same name, so nothing accumulates.
 */
export function countError(service: string): void {
  errorCounter(metrics.getMeter(METER_NAME)).add(1, { service });
}
