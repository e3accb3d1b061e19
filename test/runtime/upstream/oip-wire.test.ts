/**
 * The OIP wire format toward an upstream, binary tensor data in particular: what is sent, and how
 * an answer's bytes are taken apart and checked against the contract.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ModelContract, TensorSpec } from '../../../src/core/contract.js';
import { BackendError } from '../../../src/runtime/backend.js';
import { binaryFits, decodeOipOutputs, encodeOipBinaryRequest } from '../../../src/runtime/upstream/oip-wire.js';
import { headerNumber, RepeatedJson } from '../../../src/runtime/upstream/upstream-http.js';

const spec = (name: string, datatype: TensorSpec['datatype'], shape: number[]): TensorSpec => ({ name, datatype, shape, batchAxis: undefined, description: undefined });

const CONTRACT: ModelContract = {
  inputs: [spec('x', 'FP32', [-1, 2]), spec('mask', 'BOOL', [-1])],
  outputs: [spec('scores', 'FP32', [-1, 2]), spec('ids', 'INT64', [-1]), spec('flags', 'BOOL', [-1])],
  maxBatchSize: 8,
};

/** A binary answer: the JSON part, then each output's bytes in turn. */
function answer(outputs: { name: string; datatype: string; shape: number[]; bytes: Uint8Array }[], trailing = 0): { json: unknown; binary: Buffer } {
  const json = { outputs: outputs.map((o) => ({ name: o.name, datatype: o.datatype, shape: o.shape, parameters: { binary_data_size: o.bytes.length } })) };
  return { json, binary: Buffer.concat([...outputs.map((o) => Buffer.from(o.bytes)), Buffer.alloc(trailing)]) };
}

const bytesOf = (typed: ArrayBufferView): Uint8Array => new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);

test('binary requests carry each input as raw bytes after a JSON part naming their sizes', () => {
  const x = new Float32Array([1.5, -2, 3.25, 0]);
  const mask = new Uint8Array([1, 0]);
  const { body, headerLength } = encodeOipBinaryRequest({ x: { datatype: 'FP32', shape: [2, 2], data: x }, mask: { datatype: 'BOOL', shape: [2], data: mask } }, ['scores', 'ids'], CONTRACT);
  const head = JSON.parse(body.toString('utf8', 0, headerLength)) as unknown;
  assert.deepEqual(head, {
    inputs: [
      { name: 'x', datatype: 'FP32', shape: [2, 2], parameters: { binary_data_size: 16 } },
      { name: 'mask', datatype: 'BOOL', shape: [2], parameters: { binary_data_size: 2 } },
    ],
    outputs: [
      { name: 'scores', parameters: { binary_data: true } },
      { name: 'ids', parameters: { binary_data: true } },
    ],
  });
  assert.deepEqual(body.subarray(headerLength), Buffer.concat([Buffer.from(bytesOf(x)), Buffer.from(mask)]));
});

test('only contracts without BYTES tensors go binary', () => {
  assert.equal(binaryFits(CONTRACT), true);
  assert.equal(binaryFits({ ...CONTRACT, outputs: [...CONTRACT.outputs, spec('label', 'BYTES', [-1])] }), false);
});

test('a binary answer gives back the tensors it carried, skipping outputs not asked for but not their bytes', () => {
  fc.assert(
    fc.property(fc.array(fc.float({ noNaN: true }), { minLength: 2, maxLength: 2 }), fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: 1, maxLength: 3 }), (scores, ids) => {
      const s = new Float32Array(scores);
      const i = new BigInt64Array(ids);
      const f = new Uint8Array(ids.length).fill(1);
      const { json, binary } = answer([
        { name: 'ids', datatype: 'INT64', shape: [ids.length], bytes: bytesOf(i) },
        { name: 'scores', datatype: 'FP32', shape: [1, 2], bytes: bytesOf(s) },
        { name: 'flags', datatype: 'BOOL', shape: [ids.length], bytes: f },
      ]);
      // `ids` comes first and is not asked for: its bytes must still be stepped over.
      const outputs = decodeOipOutputs('upstream test', json, CONTRACT, ['scores', 'flags'], binary);
      assert.deepEqual(Object.keys(outputs).sort(), ['flags', 'scores']);
      assert.deepEqual(Array.from(outputs.scores!.data as Float32Array), Array.from(s));
      assert.deepEqual(Array.from(outputs.flags!.data as Uint8Array), Array.from(f));
    }),
  );
});

test('binary answers that do not add up are refused as UPSTREAM_RESPONSE_INVALID', () => {
  const s = bytesOf(new Float32Array([1, 2]));
  const cases: [string, { json: unknown; binary: Buffer }][] = [
    ['more bytes declared than sent', { json: { outputs: [{ name: 'scores', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 12 } }] }, binary: Buffer.from(s) }],
    ['bytes left after the last output', answer([{ name: 'scores', datatype: 'FP32', shape: [1, 2], bytes: s }], 4)],
    ['a size that does not fit the shape', answer([{ name: 'scores', datatype: 'FP32', shape: [1, 3], bytes: s }])],
    ['a BOOL byte other than 0 or 1', answer([{ name: 'flags', datatype: 'BOOL', shape: [2], bytes: new Uint8Array([1, 7]) }])],
    ['a size that is not a byte count', { json: { outputs: [{ name: 'scores', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: -8 } }] }, binary: Buffer.from(s) }],
  ];
  for (const [why, { json, binary }] of cases) {
    const wanted = (json as { outputs: { name: string }[] }).outputs.map((o) => o.name);
    assert.throws(
      () => decodeOipOutputs('upstream test', json, CONTRACT, wanted, binary),
      (error: unknown) => error instanceof BackendError && error.code === 'UPSTREAM_RESPONSE_INVALID',
      why,
    );
  }
});

test("a binary answer's JSON part is parsed once while it repeats byte for byte, and shared frozen", () => {
  const heads = new RepeatedJson();
  const part = (size: number): Buffer => Buffer.concat([Buffer.from(JSON.stringify({ outputs: [{ name: 'scores', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: size } }] })), Buffer.alloc(8)]);
  const first = part(8);
  const length = first.length - 8;
  const a = heads.parse('upstream test', first, length);
  const b = heads.parse('upstream test', part(8), length);
  assert.equal(a, b, 'the same bytes: the same parsed value');
  assert.ok(Object.isFrozen(a) && Object.isFrozen((a as { outputs: { shape: number[] }[] }).outputs[0]!.shape), 'frozen all the way down');
  const other = part(9);
  const c = heads.parse('upstream test', other, other.length - 8);
  assert.notEqual(c, a, 'other bytes are parsed anew');
  assert.equal((c as { outputs: { parameters: { binary_data_size: number } }[] }).outputs[0]!.parameters.binary_data_size, 9);
  assert.throws(() => heads.parse('upstream test', Buffer.from('{"outputs": [1,'), 14), (error: unknown) => error instanceof BackendError && error.code === 'UPSTREAM_RESPONSE_INVALID');
});

test('a length header read from its bytes is the number Number(String(bytes)) reads, for any value', () => {
  const values = fc.oneof(fc.nat().map(String), fc.stringMatching(/^[0-9]{0,20}$/), fc.string({ maxLength: 20 }), fc.constantFrom('', ' 12', '12 ', '1e3', '0x10', '-5', '+7', '007'));
  fc.assert(
    fc.property(values, (text) => {
      assert.ok(Object.is(headerNumber(Buffer.from(text, 'latin1')), Number(text)), JSON.stringify(text));
      assert.ok(Object.is(headerNumber(text), Number(text)));
    }),
  );
  assert.ok(Number.isNaN(headerNumber(undefined)));
});
