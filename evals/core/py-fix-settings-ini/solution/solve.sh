#!/bin/bash
# Oracle solution: fix the section name, the inline comment and the log level.
set -euo pipefail
cat > /app/settings.ini <<'INI'
; Order service settings. Paths use ${paths:root}.

[paths]
root = /srv/orders

[server]
host = 0.0.0.0
; public port
port = 8080
workers = 4

[database]
url = postgresql://orders@db.internal:5432/orders
pool_size = 10

[logging]
level = DEBUG
file = ${paths:root}/log/orders.log
INI
