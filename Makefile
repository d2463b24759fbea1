# jixiao — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
WORKERS ?= 1
THREADS ?= 2
export DJANGO_SETTINGS_MODULE ?= config.settings.demo
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup demo serve test lint typecheck migrations-check deploy-check messages-check messages \
        test-sqlite test-databases test-postgres test-browser system-deps bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import ensurepip' 2>/dev/null || bash scripts/system-deps.sh venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed

## make demo: set up, migrate, load the demo company (300 people) and serve it at http://127.0.0.1:$(PORT)
demo: setup
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py seed_demo --employees 300 --seed 1 --if-empty
	@echo ""
	@echo "jixiao demo: http://127.0.0.1:$(PORT)  (users admin, hr, ceo, manager, employee; password jixiao-demo)"
	@echo ""
	$(MAKE) --no-print-directory serve

## make serve: granian (WSGI) with WhiteNoise, plus one background task worker for imports
serve:
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/python manage.py db_worker --interval 0.5 -v 0 & \
	$(BIN)/granian --interface wsgi --host 127.0.0.1 --port $(PORT) --workers $(WORKERS) \
		--blocking-threads $(THREADS) --log-level warning config.wsgi:application

## make test: every check — lint, types, migrations, deploy check, catalogues, tests on SQLite and PostgreSQL, browser
test: system-deps setup lint typecheck migrations-check deploy-check messages-check test-databases test-browser
	@echo "make test: all checks passed"

system-deps:
	bash scripts/system-deps.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy .

migrations-check: setup
	mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

deploy-check: setup
	DJANGO_SETTINGS_MODULE=config.settings.production \
	JIXIAO_SECRET_KEY=ci-only-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=' ) \
	JIXIAO_ALLOWED_HOSTS=jixiao.example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

messages-check: setup
	bash scripts/check-messages.sh

## make messages: refresh the zh-Hans and en catalogues after changing strings
messages: setup
	bash scripts/make-messages.sh

test-sqlite: setup
	$(BIN)/pytest

test-postgres: setup
	bash scripts/with-postgres.sh $(BIN)/pytest

# Both databases at once, one suite per core (what `make test` runs).
test-databases: setup
	BIN=$(BIN) bash scripts/test-databases.sh

test-browser: setup
	$(BIN)/pytest tests/e2e -p no:randomly

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) staticfiles .mypy_cache .ruff_cache
