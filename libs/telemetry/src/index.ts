export { startTelemetry, type Telemetry, type TelemetryOptions } from './sdk';
export { RecentSpans } from './recent-spans';
export { withTracePropagation, injectTraceContext, extractTraceContext } from './bus-propagation';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export { VoiceAgentMetrics, METRIC_NAMES, METER_NAME } from './metrics';
export { TURN_STAGES, TURN_BUDGET_MS, TURN_SPAN_NAME, STAGE_SPAN_NAMES, budgetOverruns, type TurnStageName, type BudgetOverrun } from './turn-budget';
export { TurnTracker, type StageTiming, type TurnTrackerOptions } from './turn-tracker';
export { reportTurnStage, followTurnStages, epochMs } from './turn-stages';
