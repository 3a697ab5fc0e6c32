#!/bin/bash
# Oracle solution: valid JSON, the real entry point, the real test directory.
set -euo pipefail
cat > /app/package.json <<'JSON'
{
  "name": "invoice-text",
  "version": "1.3.2",
  "description": "Renders invoices as plain text",
  "license": "MIT",
  "main": "src/index.js",
  "bin": {
    "invoice-text": "bin/cli.js"
  },
  "scripts": {
    "test": "node --test test/*.test.js",
    "start": "node bin/cli.js"
  },
  "engines": {
    "node": ">=18"
  }
}
JSON
