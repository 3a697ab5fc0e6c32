'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { nightsBetween, stayPrice } = require('/app/src/nights');

test('across month ends', () => {
  assert.strictEqual(nightsBetween('2024-01-30', '2024-02-02'), 3);
  assert.strictEqual(nightsBetween('2024-02-28', '2024-03-01'), 2);
  assert.strictEqual(nightsBetween('2023-02-28', '2023-03-01'), 1);
  assert.strictEqual(nightsBetween('2024-04-30', '2024-05-01'), 1);
});

test('across a year end', () => {
  assert.strictEqual(nightsBetween('2023-12-30', '2024-01-02'), 3);
});

test('across daylight-saving changes', () => {
  assert.strictEqual(nightsBetween('2024-03-09', '2024-03-11'), 2);
  assert.strictEqual(nightsBetween('2024-10-26', '2024-10-28'), 2);
  assert.strictEqual(nightsBetween('2024-04-06', '2024-04-08'), 2);
  assert.strictEqual(nightsBetween('2024-01-01', '2025-01-01'), 366);
});

test('behaviour that worked stays', () => {
  assert.strictEqual(nightsBetween('2024-03-08', '2024-03-10'), 2);
  assert.strictEqual(stayPrice('2024-02-27', '2024-03-02', 100), 400);
  assert.throws(() => nightsBetween('2024-03-10', '2024-03-10'), RangeError);
  assert.throws(() => nightsBetween('2024-03-11', '2024-03-10'), RangeError);
  assert.throws(() => nightsBetween('10/03/2024', '2024-03-12'), RangeError);
});
