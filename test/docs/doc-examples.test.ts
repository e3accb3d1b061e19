/** The shell reading of the docs tests: where commands end, and the marks on their last line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curlMark, isCurl, shellCommands } from './doc-examples.js';

test('commands span continuation lines and quoted newlines; comments are marks, not commands', () => {
  const text = [
    '# a heading comment',
    "curl -s localhost:8080/a -H 'x: y' \\",
    "  -d '{\"a\":",
    "  1}'   # 400",
    'node -e \'console.log("#not a comment")\' > f.json',
    'curl -s "$(printf \'%s\' \'{"k":"v"}\' | base64)" # skip: needs an upstream',
    'curl -s localhost:8080/b#frag',
  ].join('\n');
  const commands = shellCommands(text);
  assert.deepEqual(commands.map((c) => [c.text.split('\n').length, c.comment]), [
    [3, '# 400'],
    [1, ''],
    [1, '# skip: needs an upstream'],
    [1, ''],
  ]);
  assert.deepEqual(commands.map(isCurl), [true, false, true, true]);
  assert.equal(commands[3]?.text, 'curl -s localhost:8080/b#frag', 'a # inside a word is not a comment');
  assert.equal(text.slice(commands[0]?.start, commands[0]?.end), commands[0]?.text);
});

test('marks: a status, a skip with its reason, or nothing', () => {
  assert.deepEqual(curlMark('# 400'), { status: 400, skip: undefined });
  assert.deepEqual(curlMark('# 503 {"code":"OVERLOADED"}'), { status: 503, skip: undefined });
  assert.deepEqual(curlMark('# skip: needs the agents above'), { status: undefined, skip: 'needs the agents above' });
  assert.deepEqual(curlMark('# {"live":true}'), { status: undefined, skip: undefined });
  assert.deepEqual(curlMark(''), { status: undefined, skip: undefined });
});
