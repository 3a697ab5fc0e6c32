'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { splitTarget } = require('../src/router');

test('a path without a query', () => {
  assert.deepStrictEqual(splitTarget('/users'), { path: '/users', query: {} });
});

test('a path with a query', () => {
  assert.deepStrictEqual(splitTarget('/users?page=2'), { path: '/users', query: { page: '2' } });
});
