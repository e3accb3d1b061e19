/**
 * Delivers one JSON alert by POST, retrying on a network error or a non-2xx answer with
 * exponential backoff (base, 2x base, 4x base...). A 4xx other than 408/429 is not retried:
 * the receiver has said the alert itself is wrong.
 */
import { request } from 'undici';

export interface WebhookOptions {
  /** Attempts after the first. @default 4 */
  readonly retries: number;
  /** Wait before the first retry, doubled each time. @default 250 */
  readonly backoffMs: number;
  /** Per attempt. @default 5000 */
  readonly timeoutMs: number;
  /** Injected for tests; the real one is a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface WebhookResult {
  readonly delivered: boolean;
  readonly attempts: number;
  /** The last status, or the last error's message. */
  readonly last: string;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

export async function postWebhook(url: string, body: unknown, options: WebhookOptions): Promise<WebhookResult> {
  const sleep = options.sleep ?? realSleep;
  const payload = JSON.stringify(body);
  let last = '';
  for (let attempt = 1; attempt <= options.retries + 1; attempt++) {
    try {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'switchyard-slo' },
        body: payload,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      await response.body.dump();
      last = String(response.statusCode);
      if (response.statusCode >= 200 && response.statusCode < 300) return { delivered: true, attempts: attempt, last };
      const retryable = response.statusCode >= 500 || response.statusCode === 408 || response.statusCode === 429;
      if (!retryable) return { delivered: false, attempts: attempt, last };
    } catch (error) {
      last = (error as Error).message;
    }
    if (attempt <= options.retries) await sleep(options.backoffMs * 2 ** (attempt - 1));
  }
  return { delivered: false, attempts: options.retries + 1, last };
}
