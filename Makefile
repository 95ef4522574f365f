# skylabel: two commands on a fresh machine.
#   make demo   set everything up, make and ingest the demo galaxy, serve http://127.0.0.1:8000
#   make test   install what the tests need (Chromium, ...) and run the whole suite
#   make scale-demo  the scale-out deployment on loopback: PostgreSQL, Redis, nginx, two API processes, a Celery worker
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SKYLABEL := $(VENV)/bin/skylabel
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_SIZE ?= 4096
SCALE_DEMO_SIZE ?= 1024
APT_GET := $(shell [ "$$(id -u)" = 0 ] && echo apt-get || echo sudo apt-get)
FRONTEND_SRC := $(shell find frontend/src frontend/index.html frontend/vite.config.js -type f 2>/dev/null)

.PHONY: setup demo scale-demo test test-deps bench lint compose-check clean-frontend help

help:
	@echo "make demo | make scale-demo | make test | make setup | make bench | make lint"

## setup: Python environment (.venv) and the built frontend; both steps are skipped when up to date
setup: $(VENV)/.installed frontend/dist/index.html

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SRC)
	cd frontend && npm run build

## demo: the app on the embedded default (SQLite under SKYLABEL_DATA_DIR, tasks in-process, no Redis)
demo: setup
	$(SKYLABEL) demo --size $(DEMO_SIZE) --host $(HOST) --port $(PORT)

## scale-demo: the scale-out deployment as processes on loopback (nginx -> 2 x skylabel serve, a Celery worker,
## Redis, PostgreSQL; the demo galaxy ingested); prints the URL; Ctrl-C stops every process it started
scale-demo: setup test-deps
	$(SKYLABEL) scale-demo --size $(SCALE_DEMO_SIZE)

## test: the whole suite, browser and PostgreSQL tests included (a local PostgreSQL is installed and started)
test: setup test-deps
	$(MAKE) compose-check
	$(VENV)/bin/ruff check backend tiles models simulate benchmarks tests
	$(VENV)/bin/mypy backend tiles models simulate benchmarks
	cd frontend && npm run lint && npm test
	url="$$(bash .ci/postgres.sh)" && \
	SKYLABEL_TEST_POSTGRES_URL="$$url" SKYLABEL_REQUIRE_POSTGRES=1 SKYLABEL_REQUIRE_BROWSER=1 \
	  $(VENV)/bin/pytest $(PYTEST_ARGS)

test-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq $$missing; \
	fi

## compose-check: the scale-out deployment file parses (no Docker engine needed)
compose-check:
	docker-compose -f docker-compose.yml config -q

## bench: tile server vs in-process, viewport queries on 1M sources (SQLite; PostgreSQL too when SKYLABEL_TEST_POSTGRES_URL is set)
bench: setup
	$(SKYLABEL) bench tiles
	if [ -n "$$SKYLABEL_TEST_POSTGRES_URL" ]; then \
	  $(SKYLABEL) bench sources --databases sqlite,postgresql --postgres-url "$$SKYLABEL_TEST_POSTGRES_URL"; \
	else $(SKYLABEL) bench sources --databases sqlite; fi

lint: setup
	$(VENV)/bin/ruff check backend tiles models simulate benchmarks tests
	$(VENV)/bin/mypy backend tiles models simulate benchmarks
	cd frontend && npm run lint
