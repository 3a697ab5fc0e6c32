#!/bin/bash
# Oracle solution: tabs, the template as a prerequisite, test and clean targets, all phony.
set -euo pipefail
printf '%s\n' \
  '# Builds the docs site: every pages/*.md becomes dist/<name>.html.' \
  '' \
  'PAGES := $(wildcard pages/*.md)' \
  'HTML := $(patsubst pages/%.md,dist/%.html,$(PAGES))' \
  '' \
  '.PHONY: all test clean' \
  'all: $(HTML)' \
  '' \
  'dist/%.html: pages/%.md scripts/render.py templates/page.html' \
  '	@mkdir -p dist' \
  '	python3 scripts/render.py templates/page.html $< > $@' \
  '' \
  'test: all' \
  '	bash tests/check_site.sh' \
  '' \
  'clean:' \
  '	rm -rf dist' > /app/Makefile
