'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { compareVersions, latest } = require('/app/src/versions');

const ORDERED = [
  '0.9.9',
  '1.0.0-0.3.7',
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-alpha.beta',
  '1.0.0-beta',
  '1.0.0-beta.2',
  '1.0.0-beta.11',
  '1.0.0-rc.1',
  '1.0.0',
  '1.0.1',
  '1.2.0',
  '1.10.0',
  '2.0.0-x.7.z.92',
  '2.0.0',
  '10.0.0',
];

test('every pair is ordered as SemVer says', () => {
  for (let i = 0; i < ORDERED.length; i += 1) {
    for (let j = 0; j < ORDERED.length; j += 1) {
      const expected = Math.sign(i - j);
      assert.strictEqual(compareVersions(ORDERED[i], ORDERED[j]), expected, `${ORDERED[i]} vs ${ORDERED[j]}`);
    }
  }
});

test('build metadata is ignored', () => {
  assert.strictEqual(compareVersions('1.0.0+build.5', '1.0.0'), 0);
  assert.strictEqual(compareVersions('1.0.0-rc.1+abc', '1.0.0-rc.1+xyz'), 0);
  assert.strictEqual(compareVersions('1.0.0+zzz', '1.0.1+aaa'), -1);
});

test('the dashboard cases', () => {
  assert.strictEqual(latest(['2.9.0', '2.10.0']), '2.10.0');
  assert.strictEqual(latest(['3.0.0', '3.0.0-rc.1', '2.11.4']), '3.0.0');
  assert.strictEqual(latest([]), undefined);
});

test('latest leaves its input alone', () => {
  const input = ['1.10.0', '1.9.0', '1.0.0-beta'];
  latest(input);
  assert.deepStrictEqual(input, ['1.10.0', '1.9.0', '1.0.0-beta']);
});
