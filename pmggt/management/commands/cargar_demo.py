import textwrap

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from pmggt import carga
from pmggt.models import GrupoRol

Tipo = GrupoRol.Tipo
# The demo's own history (sent, returned, approved) is loaded, not lived: nobody is e-mailed.
SIN_CORREO = "django.core.mail.backends.dummy.EmailBackend"


class Command(BaseCommand):
    help = (
        "Carga los datos de demostración (idempotente): regiones, GORE, Servicios, Centros, "
        "el Ciclo 2009, un usuario por rol y una Encargada de Centro por SERPLAC de MIDEPLAN "
        "(contraseña demo-pmggt) y documentos de ejemplo. La carga no envía correos de aviso."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--forzar",
            action="store_true",
            help="Cargar aunque DEBUG esté desactivado (crea usuarios con clave conocida).",
        )
        parser.add_argument(
            "--reiniciar",
            action="store_true",
            help=(
                "Solo para la demo: deja la demo como recién cargada. Borra todos los documentos "
                "con sus versiones, transiciones, observaciones y el historial de su contenido, "
                "y los vuelve a cargar; los usuarios de la demo vuelven a la contraseña "
                "demo-pmggt, activos y con sus roles de la demo. No borra regiones, Servicios, "
                "Centros, Ciclos ni usuarios, y se niega (sin borrar nada) si la base tiene "
                "alguno que no sea de la demo: fuera de la demo el historial no se borra nunca."
            ),
        )

    def handle(self, *args, forzar=False, reiniciar=False, **options):
        if not settings.DEBUG and not forzar:
            raise CommandError(
                "cargar_demo crea usuarios con la clave pública demo-pmggt: solo se usa con "
                "DEBUG=1 (o con --forzar en un ambiente de prueba aislado)."
            )
        with override_settings(EMAIL_BACKEND=SIN_CORREO):
            if reiniciar:
                try:
                    resumen = carga.reiniciar_demo()
                except carga.BaseNoEsDemo as error:
                    raise CommandError(str(error)) from error
            else:
                resumen = carga.cargar_demo()
        if reiniciar:
            borrados = resumen["borrados"]
            self.stdout.write(
                f"Demo reiniciada: se borraron {borrados['documentos']} documentos "
                f"({borrados['filas']} filas y {borrados['historial']} registros de historial) "
                "y se volvió a cargar."
            )
        nuevos = ", ".join(resumen["documentos"]) or "ninguno (ya estaban)"
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo lista: {resumen['regiones']} regiones, {resumen['usuarios']} usuarios; "
                f"documentos nuevos: {nuevos}."
            )
        )
        self.stdout.write("\n".join(lineas_usuarios(carga.leer("demo.json"))))


def lineas_usuarios(datos: dict) -> list[str]:
    """The demo's users and roles, as printed after loading (the README lists the same)."""
    orden_centros = {
        f"{s['sigla']}/{c['region']}": i
        for s in datos["servicios"]
        for i, c in enumerate(s["centros"])
    }
    lineas = [f"Usuarios de la demo (contraseña de todos: {carga.CLAVE_DEMO}):"]
    centros = {}  # Servicio -> [(order, "username (region)")] of its Encargadas de Centro
    for fila in datos["usuarios"]:
        roles = fila["roles"]
        if all(tipo == Tipo.ENCARGADO_CENTRO for tipo, _ in roles) and len(roles) == 1:
            sigla, region = roles[0][1].split("/")
            centros.setdefault(sigla, []).append(
                (orden_centros.get(roles[0][1], 0), f"{fila['username']} ({region})")
            )
            continue
        lineas.append(f"  {fila['username']:<20} {_describir(roles)}")
    for sigla, usuarios in centros.items():
        etiqueta = Tipo(Tipo.ENCARGADO_CENTRO).label
        lineas.append(f"  {etiqueta} · {sigla}, una persona por Centro (región):")
        nombres = [nombre.replace(" ", "\N{NO-BREAK SPACE}") for _, nombre in sorted(usuarios)]
        for linea in textwrap.wrap(", ".join(nombres), width=96):
            lineas.append("    " + linea.replace("\N{NO-BREAK SPACE}", " "))
    return lineas


def _describir(roles) -> str:
    if not roles:
        return "sin rol propio: el Jefe/a puede designarle subrogante"
    por_tipo = {}
    for tipo, referencia in roles:
        por_tipo.setdefault(tipo, []).append(referencia)
    partes = []
    for tipo, referencias in por_tipo.items():
        etiqueta = Tipo(tipo).label
        if tipo == Tipo.ADMINISTRADOR:
            partes.append(etiqueta)
        elif tipo == Tipo.GORE:
            partes.append(f"{etiqueta} · región {', '.join(referencias)}")
        else:
            partes.append(f"{etiqueta} · {', '.join(referencias)}")
    return "; ".join(partes)
