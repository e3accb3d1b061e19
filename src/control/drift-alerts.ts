/**
 * Drift alerts go where SLO alerts go: the server's `slo.webhook_url`, with the same retries. The
 * tracker has already logged the alert with its reason; delivery runs in the background.
 */
import type { DriftAlert } from '../telemetry/drift/drift-monitor.js';
import type { Logger } from '../telemetry/logger.js';
import { postWebhook, type WebhookOptions } from './slo/webhook.js';

export function driftAlertSender(url: string | undefined, options: WebhookOptions, log: Logger, wallNow: () => number): (alert: DriftAlert) => void {
  if (url === undefined) return () => {};
  return (alert) => {
    const body = { kind: 'drift', deployment: alert.deployment, feature: alert.feature, feature_kind: alert.kind, psi: alert.psi, reason: alert.reason, at: new Date(wallNow()).toISOString() };
    postWebhook(url, body, options).then(
      (result) => {
        const fields = { action: 'drift_alert', deployment: alert.deployment, feature: alert.feature, attempts: result.attempts, last: result.last };
        if (result.delivered) log.info(fields, 'drift alert delivered');
        else log.error(fields, 'drift alert failed after every retry');
      },
      (error: unknown) => log.error({ err: error, action: 'drift_alert' }, 'drift alert could not be sent'),
    );
  };
}
