"""Load run of PMG-GT (``manage.py medir_rendimiento --carga``, docs/rendimiento.md).

Every simulated person logs in once through the real login form (CSRF token included) as one of
the personas that ``diagnostico.rendimiento.personas_carga`` picked from the database and wrote
to the JSON file named by ``BENCH_PERSONAS``: ``{"contrasena": ..., "personas": [{"usuario", "rol",
"documentos": [pk…], "cuadros": [url…], "diferencias": [pk…], "paginas_lista": n,
"planes": [pk…], "secciones_plan": [url…]}, …]}``. The personas are taken in order (the file
keeps the role mix in any prefix), one per locust user.

Then it browses as people do: mostly Mis pendientes, document pages and cuadro pages, the
documents list (pages and filters), now and then a diff; and, where the person can read one,
a Plan's document page (Etapa II) and one of its section or regional pages.

The server runs without DEBUG, as in production behind a TLS proxy: every request says
``X-Forwarded-Proto: https`` (``SECURE_PROXY_SSL_HEADER``), the login form's POST carries an
https Referer (Django's CSRF check on secure requests), and the session and CSRF cookies, which
are ``Secure``, are sent back over the plain-HTTP loopback connection (the cookie policy of this
load-generating process is relaxed, never a product setting).

``BENCH_ESPERA`` ("0.5,1.5"): the think time between two pages, in seconds (min,max).
``BENCH_TIEMPOS``: a JSON file where every request's end time, name, time (ms) and failure are
written when the run stops, so the report can leave out the logins' burst (Argon2 costs CPU on
purpose) and measure browsing once everybody is in.
"""

import http.cookiejar
import itertools
import json
import os
import random
import re
import threading
import time

from locust import HttpUser, between, events, task

with open(os.environ["BENCH_PERSONAS"], encoding="utf-8") as _archivo:
    _DATOS = json.load(_archivo)
PERSONAS = _DATOS["personas"]
CONTRASENA = _DATOS["contrasena"]
_MINIMO, _MAXIMO = (float(x) for x in os.environ.get("BENCH_ESPERA", "0.5,1.5").split(","))

_turnos = itertools.count()
_candado = threading.Lock()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ESTADOS = ["borrador", "revision_jefe", "visacion", "visado"]
ORDENES = ["reciente", "servicio", "estado", "espera"]
INGRESO = "/cuentas/ingresar/"

_REGISTRO = []  # (end time, name, ms, failed)


@events.request.add_listener
def _anotar(request_type, name, response_time, response_length, exception=None, **kwargs):
    _REGISTRO.append((time.time(), name, response_time, exception is not None))


@events.test_stop.add_listener
def _guardar(environment, **kwargs):
    destino = os.environ.get("BENCH_TIEMPOS")
    if destino:
        with open(destino, "w", encoding="utf-8") as archivo:
            json.dump(_REGISTRO, archivo)


def _devolver_cookie_segura(policy, cookie, request):
    return True


# Send ``Secure`` cookies back on the loopback's plain HTTP (the proxy's TLS is simulated). Set
# on the class: requests copies the session's cookies into new jars (redirects included), each
# with a default policy. Only this load-generating process is affected.
http.cookiejar.DefaultCookiePolicy.return_ok_secure = _devolver_cookie_segura


class Persona(HttpUser):
    wait_time = between(_MINIMO, _MAXIMO)

    def on_start(self):
        with _candado:
            self.p = PERSONAS[next(_turnos) % len(PERSONAS)]
        self.client.headers["X-Forwarded-Proto"] = "https"
        # One connection per request, as a proxy talks to gunicorn (nginx: HTTP/1.0 upstream):
        # reusing a keep-alive connection that a gthread worker is closing would end in
        # "connection reset" errors that production never sees.
        self.client.headers["Connection"] = "close"
        formulario = self.client.get(INGRESO, name="ingreso (formulario)")
        encontrado = CSRF.search(formulario.text or "")
        token = encontrado.group(1) if encontrado else ""
        referer = self.host.replace("http://", "https://", 1) + INGRESO
        with self.client.post(
            INGRESO,
            data={
                "username": self.p["usuario"],
                "password": CONTRASENA,
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": referer},
            name="ingreso (POST)",
            catch_response=True,
        ) as respuesta:
            if respuesta.status_code != 200 or INGRESO in (respuesta.url or ""):
                motivo = respuesta.error or f"HTTP {respuesta.status_code} en {respuesta.url}"
                respuesta.failure(f"{self.p['usuario']} no pudo ingresar: {motivo}")

    @task(10)
    def mis_pendientes(self):
        self.client.get("/", name="Mis pendientes")

    @task(5)
    def documentos(self):
        parametros = {}
        if random.random() < 0.5:
            parametros["pagina"] = random.randint(1, self.p["paginas_lista"])
        if random.random() < 0.4:
            parametros["estado"] = random.choice(ESTADOS)
        if random.random() < 0.2:
            parametros["orden"] = random.choice(ORDENES)
        self.client.get("/documentos/", params=parametros, name="Documentos (lista)")

    @task(8)
    def documento(self):
        if not self.p["documentos"]:
            return self.mis_pendientes()
        pk = random.choice(self.p["documentos"])
        self.client.get(f"/documentos/{pk}/", name="Documento")

    @task(6)
    def cuadro(self):
        if not self.p["cuadros"]:
            return self.documento()
        self.client.get(random.choice(self.p["cuadros"]), name="Cuadro (región)")

    @task(3)
    def plan(self):
        if not self.p.get("planes"):
            return self.documento()
        pk = random.choice(self.p["planes"])
        self.client.get(f"/documentos/{pk}/", name="Plan (documento)")

    @task(2)
    def plan_seccion(self):
        if not self.p.get("secciones_plan"):
            return self.documento()
        self.client.get(random.choice(self.p["secciones_plan"]), name="Plan (sección o región)")

    @task(1)
    def diferencias(self):
        if not self.p["diferencias"]:
            return self.documento()
        pk = random.choice(self.p["diferencias"])
        self.client.get(f"/documentos/{pk}/diferencias/", name="Diferencias")
