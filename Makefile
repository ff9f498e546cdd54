# PMG-GT: two commands on a fresh machine.
#   make demo   -> virtualenv, install, migrate, demo data, serve on http://127.0.0.1:8000
#   make test   -> virtualenv, install, run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.instalado

.PHONY: demo test instalar lint formato vendor limpiar bench verificar-python

# pyproject.toml asks for Python 3.11 (requires-python): say so, in Spanish, before pip fails.
# It checks the virtualenv's Python if there is one, else $(PYTHON), which creates it; it runs
# before every target that needs the virtualenv (a fraction of a second).
verificar-python:
	@if test -x $(BIN)/python; then py=$(BIN)/python; else py="$(PYTHON)"; fi; \
	v=$$($$py -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null) || { \
	  echo "PMG-GT requiere Python 3.11 y no se pudo ejecutar «$$py». Indique un Python 3.11:" \
	    "make $(or $(MAKECMDGOALS),demo) PYTHON=python3.11 (o la ruta, p. ej. PYTHON=/usr/bin/python3.11)." >&2; \
	  exit 1; }; \
	case "$$v" in 3.11.*) ;; *) \
	  if test "$$py" = "$(BIN)/python"; then \
	    echo "PMG-GT requiere Python 3.11 y el entorno $(VENV)/ se creó con Python $$v." \
	      "Bórrelo (rm -rf $(VENV)) y vuelva a correr: make $(or $(MAKECMDGOALS),demo) PYTHON=python3.11" >&2; \
	  else \
	    echo "PMG-GT requiere Python 3.11 y «$$py» es Python $$v. Indique un Python 3.11:" \
	      "make $(or $(MAKECMDGOALS),demo) PYTHON=python3.11 (o la ruta, p. ej. PYTHON=/usr/bin/python3.11)." >&2; \
	  fi; exit 1;; esac

$(STAMP): pyproject.toml | verificar-python
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

instalar: $(STAMP)

demo: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py cargar_demo
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# Over both cores (pytest-xdist). Tests come ordered so that each shared world (tests/conftest.py)
# runs as one block; worksteal splits them in two halves in that order and rebalances at the end.
# PYTEST_ARGS="-n 0" runs in one process.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist worksteal $(PYTEST_ARGS)

# Benchmark (docs/rendimiento.md): creates the PostgreSQL databases pmggt_bench_demo (demo) and
# pmggt_escala_300 (generar_escala: 300 Servicios x 10 Ciclos) if missing, runs medir_rendimiento
# on each and the load run (gunicorn + locust on 127.0.0.1) on the national one, and prints the
# report (also in bench/resultados/informe.md). BENCH_SIN_CARGA=1 skips the load run,
# BENCH_SOLO_DEMO=1 the national data set; more variables in bench/correr.sh.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	BENCH_PYTHON=$(BIN)/python bash bench/correr.sh

# A Celery worker for the demo's database through a local Redis (docs/despliegue.md, «Pila de
# producción»); run `make demo` with the same CELERY_BROKER_URL so its tasks go to the queue.
# Without a broker (plain `make demo`) tasks run in the web process and no worker is needed.
.PHONY: worker
worker: $(STAMP)
	DEBUG=1 CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/1} \
	  $(BIN)/celery -A pmggt worker -l info --concurrency 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

formato: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh static/vendor/ from the npm registry (versions pinned in package.json).
vendor:
	npm install --no-audit --no-fund
	mkdir -p static/vendor/gob.cl/css static/vendor/gob.cl/fonts static/vendor/htmx
	cp node_modules/@gobdigital-cl/gob.cl/dist/css/gob.cl.css static/vendor/gob.cl/css/
	# The .map is not vendored: drop its reference, or collectstatic's manifest step fails.
	sed -i '/sourceMappingURL=/d' static/vendor/gob.cl/css/gob.cl.css
	cp node_modules/@gobdigital-cl/gob.cl/dist/img/favicon/favicon.ico node_modules/@gobdigital-cl/gob.cl/dist/img/favicon/favicon-32x32.png static/vendor/gob.cl/
	cp node_modules/@gobdigital-cl/gob.cl/dist/fonts/gob-cl.* static/vendor/gob.cl/fonts/
	rm -f static/vendor/gob.cl/fonts/gob-cl.json static/vendor/gob.cl/fonts/gob-cl.symbol.svg
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE static/vendor/htmx/

limpiar:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
