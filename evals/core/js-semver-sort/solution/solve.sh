#!/bin/bash
# Oracle solution: a full SemVer precedence comparison, and more tests.
set -euo pipefail
cd /app
cat > src/versions.js <<'JS'
'use strict';

function parse(version) {
  const [core, ...pre] = version.split('+')[0].split('-');
  return { numbers: core.split('.').map(Number), pre: pre.length ? pre.join('-').split('.') : [] };
}

function compareIdentifiers(x, y) {
  const xn = /^\d+$/.test(x);
  const yn = /^\d+$/.test(y);
  if (xn && yn) return Math.sign(Number(x) - Number(y));
  if (xn !== yn) return xn ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

function compareVersions(a, b) {
  const left = parse(a);
  const right = parse(b);
  for (let i = 0; i < 3; i += 1) {
    if (left.numbers[i] !== right.numbers[i]) return Math.sign(left.numbers[i] - right.numbers[i]);
  }
  if (!left.pre.length || !right.pre.length) return Math.sign(right.pre.length - left.pre.length);
  for (let i = 0; i < Math.min(left.pre.length, right.pre.length); i += 1) {
    const order = compareIdentifiers(left.pre[i], right.pre[i]);
    if (order) return order;
  }
  return Math.sign(left.pre.length - right.pre.length);
}

function latest(versions) {
  return [...versions].sort(compareVersions).pop();
}

module.exports = { compareVersions, latest };
JS
cat >> test/versions.test.js <<'JS'

test('numeric parts compare as numbers', () => {
  assert.strictEqual(compareVersions('2.9.0', '2.10.0'), -1);
});
JS
