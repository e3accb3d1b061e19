/**
 * The limit: raw onnxruntime-node throughput of one model, batch size by batch size, in a tight
 * loop on one session with the session options Switchyard's workers use
 * (`sessionOptions` from src/runtime/onnx/ort-tensors.ts). Run as a child process so it can be
 * pinned to the CPU the server will get.
 *
 *   node --import tsx bench/batching/limit.ts '<LimitRequest as JSON>'  -> one JSON line (LimitResult)
 *
 * Each batch size runs `passes` timed rounds of about `seconds` each, interleaved over the sizes
 * (1, 2, 4, ..., 1, 2, 4, ...), so slow drift in machine load hits every size alike; each size
 * keeps its best round, since noise on a shared machine only ever slows a loop down.
 */
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { sessionOptions } from '../../src/runtime/onnx/ort-tensors.js';
import { seededRandom } from './model.js';

export interface LimitRequest {
  readonly modelPath: string;
  readonly inputName: string;
  readonly inDim: number;
  readonly batchSizes: readonly number[];
  readonly intraOpThreads: number;
  readonly seconds: number;
  readonly passes: number;
}

export interface LimitPoint {
  readonly batch: number;
  /** Best round's milliseconds per batch. */
  readonly msPerBatch: number;
  readonly itemsPerS: number;
  /** Every round's items/s, in order. */
  readonly rounds: readonly number[];
}

export interface LimitResult {
  readonly points: readonly LimitPoint[];
  /** CPU time / wall time of this process over the timed loops: ~1 with one intra-op thread. */
  readonly cpu: number;
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as LimitRequest;
  // The parent closing our stdin means it is gone: stop at once.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  const session = await ort.InferenceSession.create(readFileSync(request.modelPath), sessionOptions('cpu', request.intraOpThreads));
  const random = seededRandom(7);
  const feeds = new Map<number, Record<string, ort.Tensor>>();
  for (const batch of request.batchSizes) {
    const data = new Float32Array(batch * request.inDim);
    for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1;
    feeds.set(batch, { [request.inputName]: new ort.Tensor('float32', data, [batch, request.inDim]) });
    // Warm-up: first runs allocate the arena for this shape.
    for (let i = 0; i < 2; i++) await session.run(feeds.get(batch)!);
  }
  const rounds = new Map<number, { items: number; ms: number }[]>(request.batchSizes.map((b) => [b, []]));
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  for (let pass = 0; pass < request.passes; pass++) {
    for (const batch of request.batchSizes) {
      const feed = feeds.get(batch)!;
      let runs = 0;
      const started = performance.now();
      // At least 3 runs, so one slow batch size still gets a fair sample.
      while (runs < 3 || performance.now() - started < request.seconds * 1000) {
        await session.run(feed);
        runs++;
      }
      rounds.get(batch)!.push({ items: runs * batch, ms: performance.now() - started });
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  const used = process.cpuUsage(cpuStart);
  const wallS = (performance.now() - wallStart) / 1000;
  const points = request.batchSizes.map((batch): LimitPoint => {
    const mine = rounds.get(batch)!;
    const perS = mine.map((r) => (r.items / r.ms) * 1000);
    const best = Math.max(...perS);
    return { batch, msPerBatch: (batch / best) * 1000, itemsPerS: best, rounds: perS };
  });
  await session.release();
  const result: LimitResult = { points, cpu: (used.user + used.system) / 1e6 / wallS };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

await main();
