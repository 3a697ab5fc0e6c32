'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { loadUser, loadUsers } = require('../lib/users');

test('loads a user with their team', (t, done) => {
  loadUser(1, (error, user) => {
    assert.ifError(error);
    assert.deepStrictEqual(user, { id: 1, name: 'Ada', team: 'Core' });
    done();
  });
});

test('a missing user is an error', (t, done) => {
  loadUser(42, (error) => {
    assert.strictEqual(error.message, 'user not found: 42');
    done();
  });
});

test('loads several users in order', (t, done) => {
  loadUsers([3, 1], (error, users) => {
    assert.ifError(error);
    assert.deepStrictEqual(users.map((u) => u.name), ['Linus', 'Ada']);
    done();
  });
});
