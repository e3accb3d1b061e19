/**
 * Exports the trained sensor MLP to an ONNX graph:
 *
 *   features [batch, 8]  (raw sensor values)
 *     -> Sub(mean) -> Div(std)                  standardisation baked in
 *     -> Gemm -> Relu -> Gemm -> Relu -> Gemm   the MLP (kernels are [in, out])
 *     -> Softmax(axis=1)                        => fault_probabilities [batch, K]
 *     -> Slice(column 0) = P(normal); 1 - it    => anomaly_score [batch, 1]
 *
 * Baking the training mean/std into the graph means callers send raw readings
 * in physical units and can never pair the weights with the wrong scaler.
 */

import { DataType, encodeModel, floatTensor, int64Tensor, intAttr, node, tensorInfo } from './onnx-writer.js';
import type { DenseWeights } from './train-sensor.js';

export interface SensorExport {
  mean: readonly number[];
  std: readonly number[];
  layers: readonly DenseWeights[];
  featureNames: readonly string[];
  classNames: readonly string[];
}

export function exportSensorOnnx(m: SensorExport): Uint8Array {
  const d = m.featureNames.length;
  const k = m.classNames.length;
  const nodes = [
    node('Sub', ['features', 'feature_mean'], ['centred'], 'standardise_sub'),
    node('Div', ['centred', 'feature_std'], ['standardised'], 'standardise_div'),
  ];
  const initializers = [floatTensor('feature_mean', [d], m.mean), floatTensor('feature_std', [d], m.std)];

  let current = 'standardised';
  m.layers.forEach((layer, i) => {
    const w = `dense${i}_kernel`;
    const b = `dense${i}_bias`;
    initializers.push(floatTensor(w, [layer.inputs, layer.units], layer.kernel), floatTensor(b, [layer.units], layer.bias));
    const pre = layer.activation === 'softmax' ? 'logits' : `dense${i}_linear`;
    nodes.push(node('Gemm', [current, w, b], [pre], `dense${i}`));
    if (layer.activation === 'relu') {
      current = `dense${i}_relu`;
      nodes.push(node('Relu', [pre], [current], `dense${i}_relu`));
    } else {
      nodes.push(node('Softmax', [pre], ['fault_probabilities'], 'softmax', [intAttr('axis', 1)]));
    }
  });

  // anomaly_score = 1 - P(normal); class 0 is `normal`. Slice keeps the
  // [batch, 1] shape so the output is a column, like the contract says.
  initializers.push(
    int64Tensor('slice_starts', [1], [0]),
    int64Tensor('slice_ends', [1], [1]),
    int64Tensor('slice_axes', [1], [1]),
    floatTensor('one', [1], [1]),
  );
  nodes.push(
    node('Slice', ['fault_probabilities', 'slice_starts', 'slice_ends', 'slice_axes'], ['p_normal'], 'p_normal'),
    node('Sub', ['one', 'p_normal'], ['anomaly_score'], 'anomaly_score'),
  );

  const featureDoc = m.featureNames.join(', ');
  return encodeModel({
    graphName: 'sensor_anomaly',
    docString: 'Switchyard demo: rotating-machine fault classifier (MLP) on vibration/temperature/current features. See models/sensor-anomaly/README.md.',
    nodes,
    initializers,
    inputs: [tensorInfo('features', DataType.FLOAT, ['batch', d], `raw sensor features: ${featureDoc}`)],
    outputs: [
      tensorInfo('anomaly_score', DataType.FLOAT, ['batch', 1], '1 - P(normal)'),
      tensorInfo('fault_probabilities', DataType.FLOAT, ['batch', k], `class probabilities: ${m.classNames.join(', ')}`),
    ],
    metadata: { classes: m.classNames.join(','), features: featureDoc },
  });
}
