'use strict';

/**
 * Parses a URL query string into an object.
 *
 * TODO(#17): not written yet; see the issue for what it must do.
 *
 * @param {string} query the part of a URL after `?` (a leading `?` is allowed)
 * @returns {Object<string, string|string[]>}
 */
function parseQuery(query) {
  throw new Error('parseQuery is not implemented');
}

module.exports = { parseQuery };
