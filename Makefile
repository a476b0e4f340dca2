# ResourceLink: `make run` serves a demo station; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Parallel test workers; "auto" uses every core.
WORKERS ?= auto

.PHONY: run test bench messages check clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "ResourceLink needs Python 3.11 or newer"' \
	  || { echo "ResourceLink needs Python 3.11 or newer (found $$($(PYTHON) --version))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "Could not create a virtual environment. On Debian or Ubuntu: sudo apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

run: $(VENV)/.installed
	$(BIN)/resourcelink serve

test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	RL_ENV=test $(BIN)/python manage.py makemigrations --check --dry-run
	RL_ENV=test $(BIN)/pytest -n $(WORKERS) $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	RL_ENV=test $(BIN)/python -m bench $(BENCH_ARGS)

# Regenerate translation catalogues (needs GNU gettext: apt-get install gettext).
messages: $(VENV)/.installed
	cd src/resourcelink && ../../$(BIN)/django-admin makemessages -l zh_Hans -l en --no-obsolete \
	  --settings=resourcelink.settings --pythonpath=..
	cd src/resourcelink && ../../$(BIN)/django-admin compilemessages --settings=resourcelink.settings --pythonpath=..

check: $(VENV)/.installed
	RL_ENV=production SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))') \
	  RL_FIELD_KEYS=$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	  RL_ALLOWED_HOSTS=example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) build *.egg-info
