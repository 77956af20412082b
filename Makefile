# The two commands: `make run` (the portal with demo data on SQLite) and `make test` (the whole
# suite on throwaway PostgreSQL and Redis). Both install what is missing first.
PYTHON := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup setup-test messages lint clean

run: setup
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py seed_demo
	$(PYTHON) manage.py runserver $(HOST):$(PORT)

test: setup-test
	scripts/test.sh $(PYTEST_ARGS)

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
