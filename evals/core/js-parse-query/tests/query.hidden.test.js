'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { parseQuery } = require('/app/src/query');

// Compare as plain objects so a prototype-less result is accepted.
const plain = (value) => JSON.parse(JSON.stringify(value));

test('basics', () => {
  assert.deepStrictEqual(plain(parseQuery('')), {});
  assert.deepStrictEqual(plain(parseQuery('?')), {});
  assert.deepStrictEqual(plain(parseQuery('?a=1&b=two')), { a: '1', b: 'two' });
  assert.deepStrictEqual(plain(parseQuery('a=1')), { a: '1' });
});

test('empty pairs, bare keys, extra equals signs', () => {
  assert.deepStrictEqual(plain(parseQuery('a=1&&b=2&')), { a: '1', b: '2' });
  assert.deepStrictEqual(plain(parseQuery('flag&x=')), { flag: '', x: '' });
  assert.deepStrictEqual(plain(parseQuery('x=a=b')), { x: 'a=b' });
});

test('decoding', () => {
  assert.deepStrictEqual(plain(parseQuery('q=hello+world&name=J%C3%BCrgen')), { q: 'hello world', name: 'Jürgen' });
  assert.deepStrictEqual(plain(parseQuery('a%20b=c%2Bd&plus=1%2B1')), { 'a b': 'c+d', plus: '1+1' });
  assert.deepStrictEqual(plain(parseQuery('e=%F0%9F%98%80')), { e: '😀' });
});

test('malformed escapes are kept', () => {
  assert.deepStrictEqual(plain(parseQuery('bad=%zz&ok=1')), { bad: '%zz', ok: '1' });
  assert.deepStrictEqual(plain(parseQuery('t=%E0%A4%A')), { t: '%E0%A4%A' });
});

test('repeated keys', () => {
  assert.deepStrictEqual(plain(parseQuery('tag=a&x=1&tag=b&tag=c')), { tag: ['a', 'b', 'c'], x: '1' });
  assert.deepStrictEqual(plain(parseQuery('t=&t=')), { t: ['', ''] });
});

test('prototype keys stay plain keys', () => {
  const result = parseQuery('__proto__=x&constructor=y&toString=z');
  assert.strictEqual(result['__proto__'] === 'x' || Object.getOwnPropertyDescriptor(result, '__proto__').value === 'x', true);
  assert.strictEqual(Object.getOwnPropertyDescriptor(result, 'constructor').value, 'y');
  assert.strictEqual(Object.getOwnPropertyDescriptor(result, 'toString').value, 'z');
  assert.strictEqual({}.polluted, undefined);
  parseQuery('__proto__[polluted]=1');
  assert.strictEqual({}.polluted, undefined);
  const once = parseQuery('constructor=1&constructor=2');
  assert.deepStrictEqual(Object.getOwnPropertyDescriptor(once, 'constructor').value, ['1', '2']);
});
