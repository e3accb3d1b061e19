/**
 * Per device: utilisation, memory used and total, power where the vendor tool reports it, and
 * memory pressure (used / total), plus the host's memory stall share from /proc/pressure.
 * main/ refreshes these from hardware discovery on its own interval, never per request.
 * Telemetry sits below hardware, so readings arrive as this plain shape.
 */
import { Gauge, type Registry } from 'prom-client';

export interface DeviceReading {
  readonly node: string;
  /** `cpu:0`, `nvidia:0`… */
  readonly device: string;
  /** The catalog's class, or `unclassified`. */
  readonly hardwareClass: string;
  /** True for a declared (not found) device: always labelled. */
  readonly simulated: boolean;
  readonly memoryTotalBytes: number;
  readonly memoryUsedBytes?: number;
  /** 0..1 */
  readonly utilisation?: number;
  readonly powerWatts?: number;
}

export interface HostReading {
  readonly node: string;
  /** Share of the last 10 s some task stalled on memory, 0..1; undefined without PSI. */
  readonly memoryStallRatio?: number;
}

type DeviceLabel = 'node' | 'device' | 'hardware_class' | 'simulated';

export class DeviceMetrics {
  private readonly utilisation: Gauge<DeviceLabel>;
  private readonly memoryUsed: Gauge<DeviceLabel>;
  private readonly memoryTotal: Gauge<DeviceLabel>;
  private readonly power: Gauge<DeviceLabel>;
  private readonly pressure: Gauge<DeviceLabel>;
  private readonly hostStall: Gauge<'node'>;

  constructor(registry: Registry) {
    const common = { labelNames: ['node', 'device', 'hardware_class', 'simulated'] as DeviceLabel[], registers: [registry] };
    this.utilisation = new Gauge({ name: 'switchyard_device_utilization_ratio', help: 'Busy share of the device (0..1) as its tool last sampled it.', ...common });
    this.memoryUsed = new Gauge({ name: 'switchyard_device_memory_used_bytes', help: 'Device memory in use.', ...common });
    this.memoryTotal = new Gauge({ name: 'switchyard_device_memory_total_bytes', help: 'Device memory in all.', ...common });
    this.power = new Gauge({ name: 'switchyard_device_power_watts', help: 'Power draw, where the vendor tool reports it.', ...common });
    this.pressure = new Gauge({ name: 'switchyard_device_memory_pressure_ratio', help: 'Device memory used divided by total (0..1).', ...common });
    this.hostStall = new Gauge({ name: 'switchyard_host_memory_stall_ratio', help: 'Share of the last 10 s in which some task stalled waiting for memory (Linux PSI), 0..1.', labelNames: ['node'], registers: [registry] });
  }

  /** Replaces every device series with these readings (a device that vanished disappears). */
  update(devices: readonly DeviceReading[], host?: HostReading): void {
    for (const gauge of [this.utilisation, this.memoryUsed, this.memoryTotal, this.power, this.pressure]) gauge.reset();
    for (const d of devices) {
      const labels = { node: d.node, device: d.device, hardware_class: d.hardwareClass, simulated: String(d.simulated) };
      this.memoryTotal.set(labels, d.memoryTotalBytes);
      if (d.memoryUsedBytes !== undefined) {
        this.memoryUsed.set(labels, d.memoryUsedBytes);
        if (d.memoryTotalBytes > 0) this.pressure.set(labels, d.memoryUsedBytes / d.memoryTotalBytes);
      }
      if (d.utilisation !== undefined) this.utilisation.set(labels, d.utilisation);
      if (d.powerWatts !== undefined) this.power.set(labels, d.powerWatts);
    }
    this.hostStall.reset();
    if (host?.memoryStallRatio !== undefined) this.hostStall.set({ node: host.node }, host.memoryStallRatio);
  }
}
