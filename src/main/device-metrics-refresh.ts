/**
 * Keeps the device gauges current: runs hardware discovery (vendor tools, /proc) now and then
 * on an interval, never per request, and maps what it finds to telemetry's plain readings.
 */
import { hostname } from 'node:os';
import { loadCatalog } from '../hardware/catalog.js';
import type { Discovery } from '../hardware/device.js';
import { discoverDevices } from '../hardware/discover.js';
import { remembering, systemHost } from '../hardware/host.js';
import type { DeviceMetrics, DeviceReading } from '../telemetry/device-metrics.js';
import type { Logger } from '../telemetry/logger.js';

export function readingsOf(discovery: Discovery, node: string): DeviceReading[] {
  return discovery.devices.map((d) => ({
    node,
    device: d.id,
    hardwareClass: d.class ?? 'unclassified',
    simulated: !d.real,
    memoryTotalBytes: d.memoryBytes,
    ...(d.memoryUsedBytes === undefined ? {} : { memoryUsedBytes: d.memoryUsedBytes }),
    ...(d.utilisation === undefined ? {} : { utilisation: d.utilisation }),
    ...(d.powerWatts === undefined ? {} : { powerWatts: d.powerWatts }),
  }));
}

export interface DeviceRefresh {
  /** Resolves after the first refresh, so /metrics has devices from the start. */
  readonly first: Promise<void>;
  stop(): void;
}

export function startDeviceMetrics(metrics: DeviceMetrics, intervalMs: number, log: Logger): DeviceRefresh {
  const catalog = loadCatalog();
  const node = hostname();
  // The CPU's description does not change; starting lscpu every interval would fork the server.
  const host = remembering(systemHost(), ['lscpu']);
  let busy = false;
  const refresh = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const discovery = await discoverDevices({ catalog, host });
      const stall = discovery.pressure?.memory?.some.avg10;
      metrics.update(readingsOf(discovery, node), { node, ...(stall === undefined ? {} : { memoryStallRatio: stall / 100 }) });
    } catch (error) {
      log.warn({ err: error }, 'device metrics refresh failed; keeping the last readings');
    } finally {
      busy = false;
    }
  };
  const first = refresh();
  const timer = setInterval(() => void refresh(), intervalMs);
  timer.unref();
  return { first, stop: () => clearInterval(timer) };
}
