'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { compareVersions, latest } = require('../src/versions');

test('equal versions', () => {
  assert.strictEqual(compareVersions('1.2.3', '1.2.3'), 0);
});

test('patch releases', () => {
  assert.strictEqual(compareVersions('1.2.3', '1.2.4'), -1);
});

test('latest of a list', () => {
  assert.strictEqual(latest(['1.0.0', '1.2.0', '1.1.5']), '1.2.0');
});
