/**
 * One ONNX Runtime session on its own thread. `session.run()` blocks the thread that calls
 * it, so it must never be the event loop's thread (save for the tiny batches the backend
 * chooses to run inline).
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { absoluteNow, transferables, type RunMessage, type WorkerInit, type WorkerReply } from './protocol.js';
import { fromOrtResults, sessionOptions, toOrtFeeds } from './ort-tensors.js';
import { currentThreadId, lowerThreadPriority } from '../../core/thread-priority.js';

const port = parentPort;
if (!port) throw new Error('onnx-worker must run in a worker thread');
const init = workerData as WorkerInit;
lowerThreadPriority(init.nice);

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function describe(meta: readonly ort.InferenceSession.ValueMetadata[]): { name: string; type: string; shape: (number | string)[] }[] {
  return meta.map((m) => (m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] }));
}

async function start(): Promise<ort.InferenceSession | undefined> {
  try {
    const session = await ort.InferenceSession.create(init.bytes, sessionOptions(init.executionProvider, init.intraOpThreads));
    const tid = currentThreadId();
    reply({ kind: 'ready', signature: { inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) }, ...(tid === undefined ? {} : { tid }) });
    return session;
  } catch (error) {
    reply({ kind: 'load-failed', message: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

async function run(session: ort.InferenceSession, message: RunMessage): Promise<void> {
  try {
    const feeds = toOrtFeeds(message.feeds);
    const startedAt = absoluteNow();
    const results = await session.run(feeds, message.outputNames as string[]);
    const finishedAt = absoluteNow();
    const outputs = fromOrtResults(results, message.outputNames);
    reply({ kind: 'result', id: message.id, outputs, startedAt, finishedAt }, transferables(Object.values(outputs)));
  } catch (error) {
    reply({ kind: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) });
  }
}

const session = await start();
if (session) {
  // Runs are serialised: one native run at a time per session keeps latency predictable.
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (message: RunMessage) => {
    chain = chain.then(() => run(session, message));
  });
}
