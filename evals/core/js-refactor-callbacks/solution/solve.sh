#!/bin/bash
# Oracle solution: async functions over a promisified db.get, tests on the promise API.
set -euo pipefail
cd /app
cat > lib/users.js <<'JS'
'use strict';

const { promisify } = require('node:util');
const db = require('./db');

const get = promisify(db.get);

async function loadUser(id) {
  const user = await get(`user:${id}`);
  if (user === null) {
    throw new Error(`user not found: ${id}`);
  }
  const team = await get(`team:${user.teamId}`);
  return { id: user.id, name: user.name, team: team === null ? null : team.title };
}

async function loadUsers(ids) {
  return Promise.all(ids.map((id) => loadUser(id)));
}

module.exports = { loadUser, loadUsers };
JS
cat > test/users.test.js <<'JS'
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { loadUser, loadUsers } = require('../lib/users');

test('loads users', async () => {
  assert.deepStrictEqual(await loadUser(1), { id: 1, name: 'Ada', team: 'Core' });
  assert.deepStrictEqual((await loadUsers([3, 1])).map((u) => u.name), ['Linus', 'Ada']);
  await assert.rejects(loadUser(42), { message: 'user not found: 42' });
});
JS
