import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { driftAlertSender } from '../../src/control/drift-alerts.js';
import { createLogger } from '../../src/telemetry/logger.js';

test('a drift alert is POSTed to the SLO webhook, retried after a failure; without a webhook nothing is sent', async () => {
  const bodies: unknown[] = [];
  let calls = 0;
  let delivered: () => void = () => {};
  const arrived = new Promise<void>((resolve) => (delivered = resolve));
  const receiver = createServer((request, response) => {
    calls++;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      // The first try fails: the sender must retry.
      if (calls === 1) return void response.writeHead(503).end();
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(204).end();
      delivered();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const log = createLogger('silent');
  const options = { retries: 2, backoffMs: 1, timeoutMs: 2000, sleep: async () => {} };
  driftAlertSender(undefined, options, log, () => 0)({ deployment: 'sensor-anomaly:1', feature: 'vibration_rms', kind: 'input', psi: 3.4, reason: 'PSI 3.4 >= 0.25' });
  driftAlertSender(url, options, log, () => Date.UTC(2026, 10, 28))({ deployment: 'sensor-anomaly:1', feature: 'vibration_rms', kind: 'input', psi: 3.4, reason: 'PSI 3.4 >= 0.25' });
  await arrived;
  receiver.close();
  assert.equal(calls, 2, 'one failed try, one retry; the sender without a webhook sent nothing');
  assert.deepEqual(bodies, [{ kind: 'drift', deployment: 'sensor-anomaly:1', feature: 'vibration_rms', feature_kind: 'input', psi: 3.4, reason: 'PSI 3.4 >= 0.25', at: '2026-11-28T00:00:00.000Z' }]);
});
