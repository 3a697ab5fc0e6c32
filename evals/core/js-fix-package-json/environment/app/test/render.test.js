'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { render } = require('../src');

test('totals in cents', () => {
  const text = render({ number: 7, customer: 'Acme', lines: [{ item: 'bolt', quantity: 3, price: 0.1 }] });
  assert.match(text, /Total\s+0\.30$/);
});

test('one row per line', () => {
  const text = render({
    number: 8,
    customer: 'Acme',
    lines: [
      { item: 'bolt', quantity: 1, price: 2 },
      { item: 'nut', quantity: 2, price: 1.5 },
    ],
  });
  assert.strictEqual(text.split('\n').length, 4);
});
