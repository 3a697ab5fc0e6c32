'use strict';

const { compareVersions, latest } = require('./versions');

module.exports = { compareVersions, latest };
