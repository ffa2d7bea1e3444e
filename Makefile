# Kangfu — two commands for a newcomer: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The suite runs on every core (pytest-xdist); `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n auto
# Browser tests drive Debian's Chromium; PDFs and screenshots need CJK fonts; makemessages
# needs gettext. `make test` installs them when missing (CI machines run as root).
DEBIAN_PACKAGES := chromium fonts-noto-cjk gettext poppler-utils

.PHONY: help setup demo run static serve test lint check messages system-deps clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

var/dev.env:
	$(BIN)/python -m config.devkeys var/dev.env

setup: $(BIN)/.installed var/dev.env ## Create .venv, install, write local dev keys, migrate
	$(BIN)/python manage.py migrate --verbosity 0

demo: setup ## Load the demo province into SQLite and start the server
	$(BIN)/python manage.py demo --if-empty
	@echo ""
	@echo "Kangfu is running at http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

run: setup ## Start the development server
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Hashed, compressed copies for whitenoise; redone only when a static file or a package changed.
STATIC_MANIFEST := staticfiles/staticfiles.json
$(STATIC_MANIFEST): requirements.txt $(shell find static kangfu/*/static -type f 2>/dev/null)
	DEBUG=false $(BIN)/python manage.py collectstatic --noinput --verbosity 0

static: setup $(STATIC_MANIFEST) ## Collect static files for `make serve` (whitenoise)

# What production runs (docs/operations.md), on this machine: gunicorn with whitenoise, DEBUG
# off, reading the same environment as `make run` (var/dev.env unless KANGFU_ENV_FILE says).
serve: static ## Start gunicorn as in production (DEBUG off, collected static files)
	@echo "Kangfu (gunicorn) at http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	DEBUG=false ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost} KANGFU_BIND=127.0.0.1:$(PORT) \
	  exec $(BIN)/gunicorn -c config/gunicorn.py

system-deps: ## Install Debian packages the browser tests need, when missing
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test: $(BIN)/.installed system-deps ## Run the whole test suite
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed ## ruff check, format check, and the layer contract (.importlinter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

check: $(BIN)/.installed ## Django system checks and missing migrations
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py makemigrations --check --dry-run

messages: $(BIN)/.installed ## Update the zh_Hans catalogue and compile it
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --no-location
	$(BIN)/python -m kangfu.core.i18n compile

clean: ## Remove the virtualenv and local database (keeps var/dev.env)
	rm -rf $(VENV) var/kangfu.sqlite3
