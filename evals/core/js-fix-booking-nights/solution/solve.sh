#!/bin/bash
# Oracle solution: months are 0-based in Date; count in UTC so DST cannot shift a day.
set -euo pipefail
cd /app
sed -i "s/  return new Date(year, month, day);/  return Date.UTC(year, month - 1, day);/" src/nights.js
cat >> test/nights.test.js <<'JS'

test('across a month end', () => {
  assert.strictEqual(nightsBetween('2024-01-30', '2024-02-02'), 3);
});
JS
