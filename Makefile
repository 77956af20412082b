# The two commands: `make run` (the portal with demo data on SQLite) and `make test` (the whole
# suite on throwaway PostgreSQL and Redis). Both install what is missing first.
PYTHON := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench setup setup-test messages lint clean

run: setup
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py seed_demo
	$(PYTHON) manage.py runserver $(HOST):$(PORT)

test: setup-test
	scripts/test.sh $(PYTEST_ARGS)

# The province-scale benchmark (2,000,000 dossiers, about a quarter of an hour) on throwaway servers;
# never part of `make test`. E.g. make bench BENCH_ARGS="--size 200000 --runs 3". See docs/benchmarks.md.
bench: setup-test
	scripts/bench.sh $(BENCH_ARGS)

setup:
	scripts/bootstrap.sh

setup-test:
	scripts/bootstrap.sh --test

# Refresh the Vietnamese catalogue after changing source strings, then translate and compile.
messages: setup
	$(PYTHON) manage.py makemessages -l vi --no-location --ignore=.venv --ignore=tests --ignore=staticfiles --ignore=var
	cd motcua && ../$(PYTHON) ../manage.py compilemessages -l vi

clean:
	rm -rf var staticfiles .pytest_cache
