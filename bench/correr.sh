#!/usr/bin/env bash
# make bench (docs/rendimiento.md): the benchmark databases, medir_rendimiento on each and the
# load run on the national one; the report goes to $BENCH_SALIDA/informe.md and to stdout.
#
#   BENCH_SIN_CARGA=1     no load run (gunicorn + locust)
#   BENCH_SOLO_DEMO=1     only the demo database (no national data set)
#   BENCH_SOLO_ESCALA=1   only the national data set
#   BENCH_RONDAS=15       interleaved rounds per page;  BENCH_RONDAS_PDF=3
#   BENCH_TRABAJADORES=sync:3,sync:5,gthread:3x4   gunicorn settings compared (20 s each)
#   BENCH_DURACION=90     seconds of the full load run (after the logins)
#   BENCH_PG=postgres://postgres@127.0.0.1:5432    the PostgreSQL server
#   BENCH_REDIS_URL=redis://127.0.0.1:6379/14      the load run's cache and sessions (default: the
#                                                  local Redis if one answers; empty: none)
#   BENCH_BD_DEMO=pmggt_bench_demo  BENCH_BD_ESCALA=pmggt_escala_300
#   BENCH_SALIDA=bench/resultados
#
# A missing database is created under a temporary name (<name>_cargando) and renamed when its
# data are complete, so an interrupted load never leaves a half-filled database behind.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${BENCH_PYTHON:-.venv/bin/python}"
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
DEMO="${BENCH_BD_DEMO:-pmggt_bench_demo}"
ESCALA="${BENCH_BD_ESCALA:-pmggt_escala_300}"
SALIDA="${BENCH_SALIDA:-bench/resultados}"
RONDAS="${BENCH_RONDAS:-15}"
RONDAS_PDF="${BENCH_RONDAS_PDF:-3}"
TRABAJADORES="${BENCH_TRABAJADORES:-sync:3,sync:5,gthread:3x4}"
DURACION="${BENCH_DURACION:-90}"
mkdir -p "$SALIDA"

sql() { psql "$PG/postgres" -v ON_ERROR_STOP=1 -qAtc "$1"; }
existe() { [ "$(sql "SELECT 1 FROM pg_database WHERE datname = '$1'")" = "1" ]; }

# preparar NAME COMMAND [ARGS...]: create NAME (migrate + COMMAND) if it does not exist.
preparar() {
  local bd="$1"; shift
  if existe "$bd"; then
    echo "== $bd: ya existe, se usa tal cual ==" >&2
    return
  fi
  local tmp="${bd}_cargando"
  echo "== $bd: se crea (migrate + $*) ==" >&2
  sql "DROP DATABASE IF EXISTS \"$tmp\""
  sql "CREATE DATABASE \"$tmp\""
  DATABASE_URL="$PG/$tmp" DEBUG=1 "$PY" manage.py migrate --noinput -v0
  DATABASE_URL="$PG/$tmp" DEBUG=1 EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend \
    "$PY" manage.py "$@" >&2
  sql "ALTER DATABASE \"$tmp\" RENAME TO \"$bd\""
}

# The load run's server uses Redis for its cache and sessions, as production does
# (docs/despliegue.md), when one answers here; BENCH_REDIS_URL= (empty) runs it without.
if [ -z "${BENCH_REDIS_URL+x}" ] && (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  export BENCH_REDIS_URL=redis://127.0.0.1:6379/14
fi

# Production settings for the measurements (the load run's server gets its own, the same way).
ESTATICOS="$(mktemp -d -t pmggt-bench-static-XXXXXX)"
trap 'rm -rf "$ESTATICOS"' EXIT
export DEBUG=0
export SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(60))')"
export ALLOWED_HOSTS=127.0.0.1
export STATIC_ROOT="$ESTATICOS"
export EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend
export LOG_LEVEL=WARNING
echo "== collectstatic (sin DEBUG) en $ESTATICOS ==" >&2
"$PY" manage.py collectstatic --noinput -v0

# medir NAME TITLE [OPTIONS...]
medir() {
  local bd="$1" titulo="$2"; shift 2
  echo "== medir_rendimiento en $bd ==" >&2
  DATABASE_URL="$PG/$bd" "$PY" manage.py medir_rendimiento --titulo "$titulo" \
    --rondas "$RONDAS" --rondas-pdf "$RONDAS_PDF" --estaticos "$ESTATICOS" \
    --salida "$SALIDA/$bd.md" "$@" >/dev/null
}

partes=()
if [ -z "${BENCH_SOLO_ESCALA:-}" ]; then
  preparar "$DEMO" cargar_demo
  medir "$DEMO" "Demo"
  partes+=("$SALIDA/$DEMO.md")
fi
if [ -z "${BENCH_SOLO_DEMO:-}" ]; then
  if [ ! -f pmggt/management/commands/generar_escala.py ] && ! existe "$ESCALA"; then
    echo "== sin generar_escala ni $ESCALA: se omite el conjunto nacional ==" >&2
  else
    preparar "$ESCALA" generar_escala --servicios 300 --ciclos 10
    opciones=()
    if [ -z "${BENCH_SIN_CARGA:-}" ]; then
      opciones=(--carga --trabajadores "$TRABAJADORES" --duracion "$DURACION"
                --carpeta-carga "$SALIDA/carga")
    fi
    medir "$ESCALA" "Nacional (300 Servicios × 10 Ciclos)" "${opciones[@]}"
    partes+=("$SALIDA/$ESCALA.md")
  fi
fi

{
  echo "Medición del $(date +%F) con \`make bench\` (docs/rendimiento.md)."
  echo
  for parte in "${partes[@]}"; do
    cat "$parte"
    echo
  done
} > "$SALIDA/informe.md"
cat "$SALIDA/informe.md"
echo "== informe en $SALIDA/informe.md ==" >&2
