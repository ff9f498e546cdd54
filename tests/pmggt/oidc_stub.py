"""A tiny OpenID Connect provider that answers like ClaveÚnica, for tests and local trials.

It serves, on 127.0.0.1 and a free port, under ``/openid/``:

- ``authorize/``: redirects straight back to ``redirect_uri`` with a one-use ``code`` and the
  ``state`` (or with ``error=access_denied`` when ``cancelar`` is set); no login page;
- ``token/`` (POST, client_secret_post): the code for an access token and an ``id_token``
  signed RS256 with a key generated at start, carrying the ``nonce`` the client sent;
- ``userinfo/`` (POST or GET, Bearer): ``{"sub", "RolUnico": {numero, DV, tipo}, "name"}``;
- ``jwks``: the public key.

Every answer can be spoiled to test refusals (``claims``, ``nonce``, ``audiencia``,
``emisor_falso``, ``otra_clave``, ``vencido``, ``falla_token``, ``cancelar``), and every request
is recorded in ``pedidos``. ``python -m tests.pmggt.oidc_stub --run 12345678-5`` runs it alone
and prints the environment variables that point PMG-GT at it (docs/despliegue.md).
"""

import argparse
import contextlib
import json
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit
from wsgiref.simple_server import WSGIRequestHandler, make_server

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENTE = "pmggt-prueba"
SECRETO = "secreto-del-proveedor-de-prueba"


def claims_de(run: str, nombres=("María", "José"), apellidos=("Pérez", "Soto")) -> dict:
    """ClaveÚnica's userinfo for a RUN «12345678-5»."""
    numero, _, dv = run.partition("-")
    return {
        "sub": str(int(numero) * 7 % 100000),
        "RolUnico": {"numero": int(numero), "DV": dv, "tipo": "RUN"},
        "name": {"nombres": list(nombres), "apellidos": list(apellidos)},
    }


class _Silencioso(WSGIRequestHandler):
    def log_message(self, *args):  # no access lines in the test output
        pass


class ProveedorOIDC:
    def __init__(self, cliente=CLIENTE, secreto=SECRETO, puerto=0):
        self.cliente = cliente
        self.secreto = secreto
        self._clave = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._otra = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "clave-prueba-1"
        self._servidor = make_server("127.0.0.1", puerto, self._app, handler_class=_Silencioso)
        self.puerto = self._servidor.server_port
        self.base = f"http://127.0.0.1:{self.puerto}/openid"
        self.emisor = self.base
        self._hilo = None
        self.reiniciar()

    # --- control ---

    def reiniciar(self, claims: dict | None = None):
        """Back to a well-behaved provider, with these userinfo claims."""
        self.claims = claims if claims is not None else claims_de("12345678-5")
        self.nonce = None  # a value here replaces the client's nonce in the id_token
        self.audiencia = None  # a value here replaces the client id in «aud»
        self.emisor_falso = False
        self.otra_clave = False  # sign with a key not in the JWKS
        self.vencido = False
        self.falla_token = False
        self.cancelar = False
        self.pedidos: list[tuple[str, str]] = []
        self.autorizaciones: list[dict] = []  # the query strings of authorize
        self.emitidos: list[str] = []  # every access token and id_token handed out
        self._codigos: dict[str, dict] = {}
        self._accesos: set[str] = set()

    def iniciar(self):
        self._hilo = threading.Thread(target=self._servidor.serve_forever, daemon=True)
        self._hilo.start()
        return self

    def detener(self):
        self._servidor.shutdown()
        self._servidor.server_close()

    def url(self, ruta: str) -> str:
        return f"{self.base}/{ruta}"

    def ambiente(self) -> dict:
        """The environment that points PMG-GT's settings (pmggt/settings.py) at this provider."""
        return {
            "PMGGT_CLAVEUNICA": "1",
            "CLAVEUNICA_CLIENT_ID": self.cliente,
            "CLAVEUNICA_CLIENT_SECRET": self.secreto,
            "CLAVEUNICA_URL": self.base,
            "CLAVEUNICA_EMISOR": self.emisor,
        }

    # --- the provider ---

    def _app(self, environ, start_response):
        metodo = environ["REQUEST_METHOD"]
        ruta = environ.get("PATH_INFO", "")
        self.pedidos.append((metodo, ruta))
        consulta = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if metodo == "POST":
            largo = int(environ.get("CONTENT_LENGTH") or 0)
            cuerpo = environ["wsgi.input"].read(largo).decode()
            formulario = {k: v[0] for k, v in parse_qs(cuerpo).items()}
        else:
            formulario = {}
        if ruta == "/openid/authorize/" and metodo == "GET":
            return self._autorizar(consulta, start_response)
        if ruta == "/openid/token/" and metodo == "POST":
            return self._token(formulario, start_response)
        if ruta == "/openid/userinfo/" and metodo in {"GET", "POST"}:
            return self._userinfo(environ, start_response)
        if ruta == "/openid/jwks" and metodo == "GET":
            return self._json(start_response, {"keys": [self._jwk()]})
        return self._json(start_response, {"error": "not_found"}, "404 Not Found")

    def _json(self, start_response, datos, estado="200 OK"):
        cuerpo = json.dumps(datos).encode()
        start_response(
            estado, [("Content-Type", "application/json"), ("Content-Length", str(len(cuerpo)))]
        )
        return [cuerpo]

    def _autorizar(self, q, start_response):
        self.autorizaciones.append(q)
        volver = q.get("redirect_uri", "")
        if q.get("client_id") != self.cliente or not volver or q.get("response_type") != "code":
            return self._json(start_response, {"error": "invalid_request"}, "400 Bad Request")
        if self.cancelar:
            parametros = {"error": "access_denied", "state": q.get("state", "")}
        else:
            codigo = secrets.token_urlsafe(16)
            self._codigos[codigo] = {"nonce": q.get("nonce"), "redirect_uri": volver}
            parametros = {"code": codigo, "state": q.get("state", "")}
        partes = urlsplit(volver)
        destino = urlunsplit(partes._replace(query=urlencode(parametros)))
        start_response("302 Found", [("Location", destino), ("Content-Length", "0")])
        return [b""]

    def _token(self, f, start_response):
        if self.falla_token:
            return self._json(start_response, {"error": "server_error"}, "500 Internal Error")
        codigo = self._codigos.pop(f.get("code", ""), None)  # one use
        if (
            f.get("grant_type") != "authorization_code"
            or f.get("client_id") != self.cliente
            or f.get("client_secret") != self.secreto
            or codigo is None
            or codigo["redirect_uri"] != f.get("redirect_uri")
        ):
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        ahora = int(time.time())
        payload = {
            "iss": self.base + "-falso" if self.emisor_falso else self.emisor,
            "sub": str(self.claims.get("sub", "0")),
            "aud": self.audiencia or self.cliente,
            "iat": ahora - (7200 if self.vencido else 0),
            "exp": ahora + (-3600 if self.vencido else 300),
            "nonce": self.nonce or codigo["nonce"],
        }
        clave = self._otra if self.otra_clave else self._clave
        id_token = jwt.encode(payload, clave, algorithm="RS256", headers={"kid": self.kid})
        acceso = secrets.token_urlsafe(24)
        self._accesos.add(acceso)
        self.emitidos += [acceso, id_token]
        return self._json(
            start_response,
            {
                "access_token": acceso,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            },
        )

    def _userinfo(self, environ, start_response):
        portador = environ.get("HTTP_AUTHORIZATION", "")
        if not portador.startswith("Bearer ") or portador[7:] not in self._accesos:
            return self._json(start_response, {"error": "invalid_token"}, "401 Unauthorized")
        return self._json(start_response, self.claims)

    def _jwk(self):
        jwk = RSAAlgorithm.to_jwk(self._clave.public_key(), as_dict=True)
        return jwk | {"kid": self.kid, "alg": "RS256", "use": "sig"}


def main():
    parser = argparse.ArgumentParser(description="Proveedor OpenID Connect de prueba")
    parser.add_argument("--puerto", type=int, default=8765)
    parser.add_argument("--run", default="12345678-5", help="RUN que «certifica» el proveedor")
    args = parser.parse_args()
    proveedor = ProveedorOIDC(puerto=args.puerto)
    proveedor.reiniciar(claims_de(args.run))
    print("Proveedor de prueba en", proveedor.base, "· RUN", args.run)
    print("Levante PMG-GT con:")
    print(" ".join(f"{k}={v}" for k, v in proveedor.ambiente().items()))
    print("(y CLAVEUNICA_ALGORITMO=RS256, el valor por omisión). Ctrl-C para terminar.")
    with contextlib.suppress(KeyboardInterrupt):
        proveedor._servidor.serve_forever()


if __name__ == "__main__":
    main()
