'use strict';

const test = require('node:test');
const assert = require('node:assert');
const crypto = require('node:crypto');
const fs = require('node:fs');
const db = require('/app/lib/db');
const { loadUser, loadUsers } = require('/app/lib/users');

const DB_SHA256 = '6cf6fa5e377d3ce62d59c851262a47a45d4a127c100ecfdbc979aa6b3416aaef';
const SOURCE = fs.readFileSync('/app/lib/users.js', 'utf8');

test('db.js is unchanged', () => {
  const digest = crypto.createHash('sha256').update(fs.readFileSync('/app/lib/db.js')).digest('hex');
  assert.strictEqual(digest, DB_SHA256);
});

test('the functions are async and take no callback', () => {
  assert.strictEqual(loadUser.constructor.name, 'AsyncFunction');
  assert.strictEqual(loadUsers.constructor.name, 'AsyncFunction');
  assert.strictEqual(loadUser.length, 1);
  assert.strictEqual(loadUsers.length, 1);
  assert.doesNotMatch(SOURCE, /callback|\bcb\b|\bdone\b/);
  assert.match(SOURCE, /await/);
});

test('same results as before', async () => {
  assert.deepStrictEqual(await loadUser(1), { id: 1, name: 'Ada', team: 'Core' });
  assert.deepStrictEqual(await loadUser(3), { id: 3, name: 'Linus', team: 'Infrastructure' });
  assert.deepStrictEqual(await loadUsers([3, 1, 2]), [
    { id: 3, name: 'Linus', team: 'Infrastructure' },
    { id: 1, name: 'Ada', team: 'Core' },
    { id: 2, name: 'Grace', team: 'Core' },
  ]);
  assert.deepStrictEqual(await loadUsers([]), []);
});

test('same errors as before', async () => {
  await assert.rejects(loadUser(42), { message: 'user not found: 42' });
  await assert.rejects(loadUser(99), { message: 'connection reset' });
  await assert.rejects(loadUsers([1, 42]), { message: 'user not found: 42' });
});

test('loadUsers is concurrent', async () => {
  const before = db.callCount();
  const pending = loadUsers([1, 2, 3]);
  // Concurrent loading asks for every user before the first answer arrives.
  assert.strictEqual(db.callCount() - before, 3);
  await pending;
});
