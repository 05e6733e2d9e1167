import type { Logger } from 'pino';

export type AlertSeverity = 'info' | 'warning' | 'critical';

/** Stable alert kinds; the dashboard, the sinks and the README use these names. */
export type AlertKind =
  | 'needs_reauth'
  | 'token_refresh_failing'
  | 'budget_high'
  | 'budget_exhausted'
  | 'dead_letter'
  | 'sync_stale'
  | 'webhook_refusals'
  | 'provider_outage'
  | 'mapping_problem'
  | 'config_error';

export interface AlertEvent {
  kind: AlertKind;
  severity: AlertSeverity;
  message: string;
  /** Alerts with the same key inside the dedupe window are sent once. Defaults to kind. */
  dedupeKey?: string;
  details?: Record<string, unknown>;
}

/** What every module depends on to raise an alert; sinks and dedupe live behind it. */
export interface AlertSink {
  raise(event: AlertEvent): void;
}

/** Minimal sink: the log. The alerts service (sinks, dedupe, history) replaces it in the app. */
export function logAlertSink(logger: Logger): AlertSink {
  return {
    raise(event) {
      logger.warn({ alert: event.kind, severity: event.severity, details: event.details }, event.message);
    },
  };
}

/** Collects alerts in memory: for tests. */
export class RecordingAlertSink implements AlertSink {
  readonly events: AlertEvent[] = [];
  raise(event: AlertEvent): void {
    this.events.push(event);
  }
}
