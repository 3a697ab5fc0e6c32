'use strict';

const { parseQuery } = require('./query');

// Splits a request target into its path and parsed query.
function splitTarget(target) {
  const index = target.indexOf('?');
  if (index === -1) {
    return { path: target, query: {} };
  }
  return { path: target.slice(0, index), query: parseQuery(target.slice(index)) };
}

module.exports = { splitTarget };
