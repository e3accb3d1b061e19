/**
 * The behaviour every Backend must have (src/runtime/backend.ts), whatever runs the model: one
 * file per kind calls `backendSuite` with a factory that loads a fresh backend (with whatever it
 * talks to: a fake upstream, an agent) and its kind's capabilities. Where a kind legitimately
 * differs, a capability says so and why; the shared case is never weakened for it.
 *
 * The suite keeps the caller's side of the ownership rule: inputs are built fresh for each run
 * and never read again (a backend may transfer their buffers to another thread), so expected
 * answers come from the seed, not from the inputs handed over.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor, TensorMap } from '../../../src/core/tensor.js';
import { ERROR_CATALOGUE } from '../../../src/core/errors.js';
import { BackendError, type Backend, type BackendKind, type BatchResult } from '../../../src/runtime/backend.js';

export interface BackendSubject {
  readonly backend: Backend;
  /** Fresh contract-valid inputs whose answer depends on `seed` (0 to 7). */
  inputs(seed: number): TensorMap;
  /** The outputs every run asks for. */
  readonly outputNames: readonly string[];
  /** What a run of `inputs(seed)` answers. */
  expected(seed: number): TensorMap;
  /** Fresh contract-valid inputs on which the backend fails; absent where capabilities.cannotFail says why. */
  failing?(): TensorMap;
  /**
   * Holds the runs that reach the model (or the server behind it) from now on until the returned
   * release is called, so runs overlap and stay in flight for as long as a case needs.
   */
  hold?(): () => void;
  /** What the backend's peers still see open from it (connections to a fake server), for the leak case. */
  openConnections?(): number;
  /** Stops what the test started beside the backend (fake servers, an agent, a node connection). */
  dispose(): Promise<void>;
}

export interface BackendCapabilities {
  readonly kind: BackendKind;
  readonly simulated: boolean;
  /** Why this kind's run() returns a settled promise, so nothing is ever counted in flight; absent when runs are asynchronous. */
  readonly settlesBeforeReturn?: string;
  /** Why no contract-valid input makes this kind fail; given exactly when the subject has no `failing`. */
  readonly cannotFail?: string;
}

export type BackendFactory = () => Promise<BackendSubject>;

/** What a public message must never carry: stack frames, source paths, addresses, raw error names. */
const INTERNALS = /Traceback|secret=|\.(py|ts|js)\b|\bat \S+ \(|https?:\/\/|127\.0\.0\.1|localhost|\b(Type|Range|Reference|Syntax)Error\b|node:|\/srv\//;

const CASE_TIMEOUT_MS = 30_000;

function plain(tensor: Tensor | undefined): unknown {
  if (!tensor) return undefined;
  return { datatype: tensor.datatype, shape: [...tensor.shape], array: tensor.data.constructor.name, data: Array.from(tensor.data as ArrayLike<unknown>) };
}

function assertOutputs(actual: TensorMap, expected: TensorMap, names: readonly string[], what: string): void {
  assert.deepEqual(Object.keys(actual).sort(), [...names].sort(), `${what}: exactly the requested outputs`);
  for (const name of names) assert.deepEqual(plain(actual[name]), plain(expected[name]), `${what}: output '${name}'`);
}

function assertTimes(result: BatchResult): void {
  assert.ok(Number.isFinite(result.queueMs) && result.queueMs >= 0, `queueMs ${result.queueMs}`);
  assert.ok(Number.isFinite(result.computeMs) && result.computeMs >= 0, `computeMs ${result.computeMs}`);
  assert.equal(typeof result.inline, 'boolean');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('the run resolved; it should have rejected'),
    (error: unknown) => error,
  );
}

function assertBackendError(error: unknown): asserts error is BackendError {
  const described = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  assert.ok(error instanceof BackendError, `rejected with a BackendError, not ${described}`);
  if (error.code !== undefined) assert.ok(error.code in ERROR_CATALOGUE, `code ${error.code} is in the catalogue`);
  if (error.publicMessage !== undefined) {
    assert.doesNotMatch(error.publicMessage, INTERNALS, 'the public message carries no internals');
  }
}

/** Lets pending I/O callbacks and immediates run: long enough for a held run to show it would have settled. */
async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Polls until `done` holds or the deadline passes (closing sockets and threads takes a few turns). */
async function eventually(done: () => boolean, deadlineMs = 5000): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (!done()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** Resources in `now` beyond those in `baseline` (as multisets of their type names). */
function beyond(baseline: readonly string[], now: readonly string[]): string[] {
  const left = [...baseline];
  return now.filter((name) => {
    const at = left.indexOf(name);
    if (at === -1) return true;
    left.splice(at, 1);
    return false;
  });
}

export function backendSuite(name: string, capabilities: BackendCapabilities, factory: BackendFactory): void {
  const asynchronous = capabilities.settlesBeforeReturn === undefined;

  void describe(`backend: ${name}`, () => {
    const withSubject = (title: string, body: (subject: BackendSubject) => Promise<void>, skip: string | false = false): void => {
      void it(title, { skip, timeout: CASE_TIMEOUT_MS }, async () => {
        const subject = await factory();
        try {
          assert.equal(capabilities.cannotFail === undefined, subject.failing !== undefined, 'a kind either fails on demand or says why it cannot');
          await body(subject);
        } finally {
          try {
            await subject.backend.unload();
          } finally {
            await subject.dispose();
          }
        }
      });
    };
    const failingCase = (title: string, body: (subject: BackendSubject, failing: () => TensorMap) => Promise<void>): void =>
      withSubject(title, (subject) => body(subject, () => subject.failing!()), capabilities.cannotFail ?? false);

    withSubject('describe() is well-formed and truthful', async ({ backend }) => {
      const description = backend.describe();
      assert.equal(description.kind, capabilities.kind);
      assert.equal(typeof description.hardwareClass, 'string');
      assert.ok(description.hardwareClass.length > 0, 'a hardware class');
      assert.equal(typeof description.device, 'string');
      assert.ok(description.device.length > 0, 'a device');
      assert.doesNotMatch(description.device, /:\/\//, 'the device names no URL: where a backend lives is not shown to callers');
      assert.equal(description.simulated, capabilities.simulated, 'simulated says whether the device is declared rather than real');
      if (description.executionProvider !== undefined) assert.ok(['cpu', 'cuda'].includes(description.executionProvider));
      if (description.mergesBatches !== undefined) assert.equal(typeof description.mergesBatches, 'boolean');
      assert.deepEqual(backend.describe(), description, 'the description does not change between calls');
      assert.equal(backend.inFlight, 0, 'nothing is in flight before the first run');
    });

    withSubject('a run resolves with exactly the requested outputs, in the datatypes and shapes the contract gives', async (subject) => {
      const result = await subject.backend.run(subject.inputs(3), subject.outputNames);
      assertOutputs(result.outputs, subject.expected(3), subject.outputNames, 'run 3');
      assertTimes(result);
      assert.equal(subject.backend.inFlight, 0);
    });

    withSubject('inFlight counts the batches accepted and not yet settled, and returns to 0', async (subject) => {
      const { backend } = subject;
      const runs = [0, 1, 2].map((seed) => backend.run(subject.inputs(seed), subject.outputNames));
      assert.equal(backend.inFlight, asynchronous ? 3 : 0, asynchronous ? 'three runs in flight' : capabilities.settlesBeforeReturn);
      await Promise.all(runs);
      assert.equal(backend.inFlight, 0, 'every settled run left the count exactly once');
      if (subject.failing) {
        const failed = backend.run(subject.failing(), subject.outputNames);
        assert.equal(backend.inFlight, asynchronous ? 1 : 0);
        await rejection(failed);
        assert.equal(backend.inFlight, 0, 'a failed run leaves the count too');
      }
    });

    withSubject('concurrent runs each settle exactly once with their own outputs', async (subject) => {
      const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
      const settled = seeds.map(() => 0);
      const release = subject.hold?.();
      const runs = seeds.map((seed) =>
        subject.backend.run(subject.inputs(seed), subject.outputNames).finally(() => {
          settled[seed]!++;
        }),
      );
      await turns();
      release?.();
      const results = await Promise.all(runs);
      results.forEach((result, seed) => assertOutputs(result.outputs, subject.expected(seed), subject.outputNames, `run ${seed}`));
      await turns();
      assert.deepEqual(settled, seeds.map(() => 1));
      assert.equal(subject.backend.inFlight, 0);
    });

    withSubject("a settled run's outputs stay the caller's: later runs do not change them", async (subject) => {
      const first = await subject.backend.run(subject.inputs(1), subject.outputNames);
      await Promise.all([2, 3, 1].map((seed) => subject.backend.run(subject.inputs(seed), subject.outputNames)));
      assertOutputs(first.outputs, subject.expected(1), subject.outputNames, 'the first run, after three more');
    });

    failingCase('a failing run rejects with a BackendError whose public message carries no internals, and the backend goes on serving', async (subject, failing) => {
      const error = await rejection(subject.backend.run(failing(), subject.outputNames));
      assertBackendError(error);
      assert.equal(subject.backend.inFlight, 0);
      const next = await subject.backend.run(subject.inputs(5), subject.outputNames);
      assertOutputs(next.outputs, subject.expected(5), subject.outputNames, 'the run after the failure');
    });

    failingCase('a failing run among concurrent ones fails only itself', async (subject, failing) => {
      const release = subject.hold?.();
      const good = [0, 1, 2].map((seed) => subject.backend.run(subject.inputs(seed), subject.outputNames));
      const bad = rejection(subject.backend.run(failing(), subject.outputNames));
      const more = [3, 4].map((seed) => subject.backend.run(subject.inputs(seed), subject.outputNames));
      await turns();
      release?.();
      assertBackendError(await bad);
      const results = await Promise.all([...good, ...more]);
      results.forEach((result, seed) => assertOutputs(result.outputs, subject.expected(seed), subject.outputNames, `run ${seed}`));
      assert.equal(subject.backend.inFlight, 0);
    });

    withSubject('unload lets an in-flight run finish and resolves after it; then run() rejects with a BackendError', async (subject) => {
      const { backend } = subject;
      const order: string[] = [];
      const release = subject.hold?.();
      const running = backend.run(subject.inputs(4), subject.outputNames).finally(() => order.push('run settled'));
      assert.equal(backend.inFlight, asynchronous ? 1 : 0);
      const unloading = backend.unload().then(() => order.push('unload resolved'));
      if (release) {
        await turns();
        assert.deepEqual(order, [], 'unload waits while the run is held');
        release();
      }
      assertOutputs((await running).outputs, subject.expected(4), subject.outputNames, 'the run in flight at unload');
      await unloading;
      assert.deepEqual(order, ['run settled', 'unload resolved'], 'unload resolves only once the batches in flight settled');
      assert.equal(backend.inFlight, 0);
      assertBackendError(await rejection(backend.run(subject.inputs(5), subject.outputNames)));
      assert.equal(backend.inFlight, 0, 'a refused run is not counted');
    });

    withSubject('unload is idempotent', async (subject) => {
      const { backend } = subject;
      await backend.run(subject.inputs(2), subject.outputNames);
      await Promise.all([backend.unload(), backend.unload()]);
      await backend.unload();
      assert.equal(backend.inFlight, 0);
      assertBackendError(await rejection(backend.run(subject.inputs(2), subject.outputNames)));
    });

    void it('after unload, nothing the backend started keeps the process alive', { timeout: CASE_TIMEOUT_MS }, async () => {
      const baseline = process.getActiveResourcesInfo();
      const subject = await factory();
      try {
        await Promise.all([0, 1].map((seed) => subject.backend.run(subject.inputs(seed), subject.outputNames)));
        await subject.backend.unload();
        if (subject.openConnections) {
          // Checked before the fake servers close, which would end the connections themselves.
          assert.ok(await eventually(() => subject.openConnections!() === 0), `the backend closed its connections (${subject.openConnections()} still open)`);
        }
      } finally {
        await subject.dispose();
      }
      const left = (): string[] => beyond(baseline, process.getActiveResourcesInfo());
      assert.ok(await eventually(() => left().length === 0), `still keeping the process alive: ${left().join(', ')}`);
    });
  });
}
