# Diplomacy Tracks — the two set-up commands are `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# A real learning record store for the xAPI tests: Ralph, in a venv of its own (its FastAPI stack stays out of
# the app's), with test-only credentials in $(LRS_VENV)/auth.json.
LRS_VENV := .venv-lrs
LRS_STAMP := $(LRS_VENV)/.installed
LRS_USER := tracks-test
LRS_PASSWORD := tracks-test-password
HOST ?= 127.0.0.1
PORT ?= 8000
CURRICULUM ?= fixtures/diplomacy-tracks
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/diplomacy

.PHONY: install lrs serve test test-postgres lint format typecheck check-deploy production production-ws clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(LRS_STAMP):
	$(PYTHON) -m venv $(LRS_VENV)
	$(LRS_VENV)/bin/python -m pip install --quiet 'ralph-malph[cli,lrs]==5.1.0' 'requests==2.34.2'
	RALPH_RUNSERVER_BACKEND=fs $(LRS_VENV)/bin/ralph auth -u $(LRS_USER) -p $(LRS_PASSWORD) -s all \
		-M mailto:lrs@example.org | sed 1d | (printf '['; cat; printf ']') > $(LRS_VENV)/auth.json
	touch $(LRS_STAMP)

lrs: $(LRS_STAMP)

# Set up everything and run the development server (safe to run again): uvicorn serves the pages and the
# role-play's WebSockets from one process (so the in-memory channel layer reaches every socket) and restarts
# when a Python file changes.
serve: $(STAMP)
	DJANGO_DEBUG=true $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=true $(PY) manage.py load_curriculum $(CURRICULUM)
	DJANGO_DEBUG=true $(PY) manage.py create_demo_accounts
	DJANGO_DEBUG=true $(PY) manage.py lti_keys
	@echo ""
	@echo "  Diplomacy Tracks is starting at http://$(HOST):$(PORT)/"
	@echo "  Logins are printed above (demo learner and demo instructor). Stop with Ctrl-C."
	@echo ""
	DJANGO_DEBUG=true $(VENV)/bin/uvicorn diplomacy.asgi:application --host $(HOST) --port $(PORT) \
		--reload --reload-dir diplomacy --reload-dir training --reload-dir roleplay --reload-dir xapi --reload-dir lms --no-access-log --lifespan off --ws websockets-sansio

# Lint, security lint, type check, migrations check and the whole suite, browser tests included.
test: $(STAMP) $(LRS_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -c pyproject.toml -r training diplomacy roleplay xapi lms badges -q
	DJANGO_DEBUG=true $(VENV)/bin/mypy training diplomacy roleplay xapi lms badges
	DJANGO_TESTING=true $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The same suite against PostgreSQL.
test-postgres: $(STAMP) $(LRS_STAMP)
	DATABASE_URL=$(POSTGRES_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -c pyproject.toml -r training diplomacy roleplay xapi lms badges -q

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# mypy with django-stubs (also part of `make test`). The plugin imports the settings, which refuse to
# load without DJANGO_DEBUG or DJANGO_SECRET_KEY.
typecheck: $(STAMP)
	DJANGO_DEBUG=true $(VENV)/bin/mypy training diplomacy roleplay xapi lms badges

# Production: collect static files, then gunicorn. Needs DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL.
production: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	$(VENV)/bin/gunicorn diplomacy.wsgi:application --bind $(HOST):$(PORT) --workers 2 --no-control-socket

# Production, the role-play's WebSockets: the ASGI server for /ws/ only (the proxy sends /ws/ here and every
# other path to gunicorn). Needs the same variables plus REDIS_URL, shared with the gunicorn servers.
WS_PORT ?= 8001
production-ws: $(STAMP)
	$(VENV)/bin/uvicorn diplomacy.asgi:application --host $(HOST) --port $(WS_PORT) --workers 1 --no-access-log --lifespan off --ws websockets-sansio

clean:
	rm -rf $(VENV) $(LRS_VENV) staticfiles db.sqlite3
