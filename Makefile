# Two commands do everything on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install db run test lint lock mutants clean

# The stamp is newer than the lock file once the lock is installed: nothing to do then.
install: $(STAMP)

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $(STAMP)

# The local database (db.sqlite3) with the article's bank and the demo accounts; again: no change.
db: install
	DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 $(BIN)/python manage.py load_bank fixtures/kherson-withdrawal.json
	DEBUG=1 $(BIN)/python manage.py create_demo_accounts

run: db
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Re-resolve after editing pyproject.toml (needs uv, a developer tool: `pip install uv`).
lock:
	uv lock
	uv export --format requirements-txt --all-groups --no-emit-project --locked --quiet -o requirements.lock

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

# Mutation testing of grading, the services and the selectors ([tool.mutmut] in pyproject.toml):
# too slow for `make test`. Prints the score; `.venv/bin/mutmut results` lists the survivors.
# MUTANTS="quiz.grading.numeric*" runs only the mutants of that name. It starts afresh: mutmut
# would re-test only changed code, keeping stale results for tests that changed.
mutants: install
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 $(MUTANTS)
	rm -f mutants/test-db.sqlite3.*
	$(BIN)/mutmut export-cicd-stats
	$(BIN)/python .ci/mutation_score.py
