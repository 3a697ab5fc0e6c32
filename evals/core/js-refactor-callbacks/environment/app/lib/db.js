'use strict';

// A stand-in for the key-value store client: callback API, answers on a
// later tick like the real network client does. Do not change this file.

const RECORDS = new Map([
  ['user:1', { id: 1, name: 'Ada', teamId: 'core' }],
  ['user:2', { id: 2, name: 'Grace', teamId: 'core' }],
  ['user:3', { id: 3, name: 'Linus', teamId: 'infra' }],
  ['team:core', { id: 'core', title: 'Core' }],
  ['team:infra', { id: 'infra', title: 'Infrastructure' }],
]);

let calls = 0;

function get(key, callback) {
  calls += 1;
  setImmediate(() => {
    if (key === 'user:99') {
      callback(new Error('connection reset'));
    } else {
      callback(null, RECORDS.get(key) ?? null);
    }
  });
}

function callCount() {
  return calls;
}

module.exports = { get, callCount };
