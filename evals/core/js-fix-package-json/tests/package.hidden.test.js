'use strict';

const test = require('node:test');
const assert = require('node:assert');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { execSync } = require('node:child_process');

const UNCHANGED = [
  ['src/index.js', '9e82699d0f986211492fdbca72e4e02f251641034515a8cbe4fc4589df0fc98e'],
  ['bin/cli.js', 'd64796f975e141a3a049470cd9ef4b7c4ee24b0b19d658f0626b7b983d4c3856'],
  ['test/render.test.js', '71046f43b886c152b9ee2b09a51b9a85a330e03bcb821511908599c4170d9a12'],
];

test('package.json is valid JSON with its other fields kept', () => {
  const pkg = JSON.parse(fs.readFileSync('/app/package.json', 'utf8'));
  assert.strictEqual(pkg.name, 'invoice-text');
  assert.strictEqual(pkg.version, '1.3.2');
  assert.strictEqual(pkg.description, 'Renders invoices as plain text');
  assert.strictEqual(pkg.license, 'MIT');
  assert.deepStrictEqual(pkg.bin, { 'invoice-text': 'bin/cli.js' });
  assert.strictEqual(pkg.scripts.start, 'node bin/cli.js');
  assert.deepStrictEqual(pkg.engines, { node: '>=18' });
});

test('main resolves to the library', () => {
  const resolved = require.resolve('/app');
  assert.strictEqual(resolved, '/app/src/index.js');
  assert.strictEqual(typeof require('/app').render, 'function');
});

test('the test script runs the suite and passes', () => {
  const pkg = JSON.parse(fs.readFileSync('/app/package.json', 'utf8'));
  const env = { ...process.env, PATH: `/app/node_modules/.bin:${process.env.PATH}` };
  delete env.NODE_TEST_CONTEXT;
  const output = execSync(pkg.scripts.test, { cwd: '/app', shell: '/bin/sh', env, encoding: 'utf8', stdio: 'pipe' });
  const passed = /^(?:# |ℹ )pass (\d+)/m.exec(output);
  assert.ok(passed && Number(passed[1]) >= 2, output);
});

test('the code is untouched', () => {
  for (const [file, sum] of UNCHANGED) {
    const digest = crypto.createHash('sha256').update(fs.readFileSync(`/app/${file}`)).digest('hex');
    assert.strictEqual(digest, sum, file);
  }
});
