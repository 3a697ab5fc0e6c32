'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { nightsBetween, stayPrice } = require('../src/nights');

test('a weekend', () => {
  assert.strictEqual(nightsBetween('2024-03-08', '2024-03-10'), 2);
});

test('price is nights times rate', () => {
  assert.strictEqual(stayPrice('2024-03-08', '2024-03-11', 120), 360);
});

test('check-out must follow check-in', () => {
  assert.throws(() => nightsBetween('2024-03-10', '2024-03-10'), RangeError);
});
