import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diagnostico import rendimiento


class Command(BaseCommand):
    help = (
        "Mide el rendimiento sobre la base de DATABASE_URL (consultas por página, tiempo "
        "relativo a una página vacía, PDF y Excel contra sus bibliotecas) y, con --carga, una "
        "carga con gunicorn y locust en 127.0.0.1. Imprime un informe en Markdown "
        "(docs/rendimiento.md). La base queda como estaba."
    )

    def add_arguments(self, parser):
        parser.add_argument("--salida", help="Escribir también el informe en este archivo.")
        parser.add_argument("--titulo", default="", help="Título de la sección del informe.")
        parser.add_argument(
            "--rondas", type=int, default=15, help="Rondas intercaladas por página (15)."
        )
        parser.add_argument(
            "--rondas-pdf", type=int, default=3, help="Rondas del PDF contra WeasyPrint (3)."
        )
        parser.add_argument(
            "--sin-pdf",
            action="store_true",
            help="No generar PDF reales (los PDF se sustituyen por uno en blanco).",
        )
        parser.add_argument(
            "--sin-medir", action="store_true", help="Solo la carga, sin las mediciones."
        )
        parser.add_argument(
            "--carga",
            action="store_true",
            help="Carga: comparación breve de trabajadores y carga completa con el mejor.",
        )
        parser.add_argument(
            "--carga-breve",
            action="store_true",
            help="Solo la comparación breve de trabajadores (sin la carga completa).",
        )
        parser.add_argument(
            "--trabajadores",
            default=rendimiento.TRABAJADORES,
            help=f"Configuraciones de gunicorn a comparar ({rendimiento.TRABAJADORES}).",
        )
        parser.add_argument("--usuarios", type=int, default=50, help="Usuarios de locust (50).")
        parser.add_argument("--tasa", type=int, default=10, help="Usuarios nuevos por segundo.")
        parser.add_argument(
            "--duracion", type=int, default=90, help="Segundos de la carga completa (90)."
        )
        parser.add_argument(
            "--duracion-breve", type=int, default=20, help="Segundos de cada carga breve (20)."
        )
        parser.add_argument(
            "--contrasena",
            help="Contraseña de las personas de la carga (por omisión: BENCH_CONTRASENA, "
            "escala-pmggt o demo-pmggt, la que sirva).",
        )
        parser.add_argument("--carpeta-carga", help="Carpeta para los registros y CSV de la carga.")
        parser.add_argument(
            "--estaticos",
            help="Carpeta donde ya corrió collectstatic sin DEBUG (por omisión, la carga lo "
            "corre en una carpeta temporal).",
        )

    def _avance(self, texto):
        self.stderr.write(f"· {time.strftime('%H:%M:%S')} {texto}")

    def handle(self, *args, **o):
        if o["rondas"] < 1 or o["rondas_pdf"] < 1:
            raise CommandError("--rondas y --rondas-pdf deben ser al menos 1.")
        try:
            trabajadores = [
                rendimiento.Trabajadores.leer(t) for t in o["trabajadores"].split(",") if t.strip()
            ]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        partes = []
        if not o["sin_medir"]:
            try:
                medicion = rendimiento.medir(
                    rondas=o["rondas"],
                    rondas_pdf=o["rondas_pdf"],
                    sin_pdf=o["sin_pdf"],
                    avance=self._avance,
                )
            except LookupError as exc:
                raise CommandError(str(exc)) from exc
            partes.append(rendimiento.informe(medicion, titulo=o["titulo"]))
        if o["carga"] or o["carga_breve"]:
            if not trabajadores:
                raise CommandError("--trabajadores está vacío.")
            try:
                resultado = rendimiento.carga(
                    trabajadores=trabajadores,
                    breve=o["duracion_breve"],
                    completa=None if o["carga_breve"] else o["duracion"],
                    usuarios=o["usuarios"],
                    tasa=o["tasa"],
                    contrasena=o["contrasena"],
                    carpeta=o["carpeta_carga"],
                    estaticos=o["estaticos"],
                    avance=self._avance,
                )
            except (LookupError, FileNotFoundError) as exc:
                raise CommandError(str(exc)) from exc
            partes.append(rendimiento.informe_carga(resultado))
        texto = "\n".join(partes)
        if o["salida"]:
            Path(o["salida"]).write_text(texto, encoding="utf-8")
        self.stdout.write(texto)
