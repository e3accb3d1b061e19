import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deploymentName, deploymentNameOf } from '../../src/core/deployment-name.js';

test('a deployment is named model:version, the same from the object and from the two strings', () => {
  const served = { model: 'resnet', version: '3' };
  assert.equal(deploymentName(served), 'resnet:3');
  assert.equal(deploymentName(served), deploymentNameOf('resnet', '3'));
});
