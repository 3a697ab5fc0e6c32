#!/bin/bash
# Oracle solution: parseQuery on a prototype-less object copied into a plain one, plus a test file.
set -euo pipefail
cd /app
cat > src/query.js <<'JS'
'use strict';

function decode(text) {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch (error) {
    return spaced;
  }
}

function parseQuery(query) {
  const result = {};
  const body = query.startsWith('?') ? query.slice(1) : query;
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    const key = decode(at === -1 ? pair : pair.slice(0, at));
    const value = at === -1 ? '' : decode(pair.slice(at + 1));
    if (!Object.prototype.hasOwnProperty.call(result, key)) {
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
    } else if (Array.isArray(result[key])) {
      result[key].push(value);
    } else {
      result[key] = [result[key], value];
    }
  }
  return result;
}

module.exports = { parseQuery };
JS
cat > test/query.test.js <<'JS'
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { parseQuery } = require('../src/query');

test('parses pairs', () => {
  assert.deepStrictEqual(parseQuery('?a=1&a=2&b'), { a: ['1', '2'], b: '' });
});
JS
