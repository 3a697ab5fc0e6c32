#!/usr/bin/env node
'use strict';

// invoice-text FILE.json: prints the invoice in FILE.json.
const fs = require('node:fs');
const { render } = require('../src');

const [file] = process.argv.slice(2);
if (!file) {
  console.error('usage: invoice-text FILE.json');
  process.exit(2);
}
console.log(render(JSON.parse(fs.readFileSync(file, 'utf8'))));
