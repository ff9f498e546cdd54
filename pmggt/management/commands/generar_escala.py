from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from pmggt import escala

_miles = escala.miles


class Command(BaseCommand):
    help = (
        "Genera un conjunto de datos a escala nacional para pruebas de carga: Servicios con sus "
        "Centros de Responsabilidad, grupos de rol y permisos, usuarios escala.…, Ciclos "
        "consecutivos, un Diagnóstico (Etapa I) por Servicio y Ciclo en todos los estados y, sobre "
        "cada Diagnóstico visado, un Plan y Programa de Trabajo (Etapa II) en todos los estados, "
        "con versiones, transiciones y observaciones. Todos los usuarios comparten una contraseña."
    )

    def add_arguments(self, parser):
        parser.add_argument("--servicios", type=int, default=300, help="Servicios (300).")
        parser.add_argument("--ciclos", type=int, default=10, help="Ciclos consecutivos (10).")
        parser.add_argument(
            "--contrasena",
            default=escala.CONTRASENA,
            help=f"Contraseña de todos los usuarios generados ({escala.CONTRASENA}).",
        )
        parser.add_argument(
            "--semilla",
            type=int,
            default=escala.SEMILLA,
            help=f"Semilla del generador: misma semilla, mismos datos ({escala.SEMILLA}).",
        )
        parser.add_argument(
            "--anio",
            type=int,
            default=None,
            help="Año del ciclo actual, el último y abierto (por omisión, el año en curso).",
        )
        parser.add_argument(
            "--reemplazar",
            action="store_true",
            help="Borrar antes los datos de escala que ya existan (Servicios ESCALA-…, usuarios "
            "escala.…).",
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="Alias de la base de datos (settings.DATABASES) donde escribir.",
        )

    def handle(self, *args, **o):
        if o["database"] not in connections:
            raise CommandError(f"No existe la base de datos «{o['database']}» en la configuración.")
        self.stdout.write(
            f"Generando {o['servicios']} Servicios × {o['ciclos']} ciclos en la base "
            f"«{o['database']}» ({connections[o['database']].vendor}), semilla {o['semilla']}…"
        )
        try:
            resumen = escala.generar(
                servicios=o["servicios"],
                ciclos=o["ciclos"],
                contrasena=o["contrasena"],
                semilla=o["semilla"],
                reemplazar=o["reemplazar"],
                anio=o["anio"],
                using=o["database"],
                informar=lambda mensaje: self.stdout.write(f"  {mensaje}"),
            )
        except (escala.EscalaExistente, escala.EscalaInvalida) as exc:
            raise CommandError(str(exc)) from exc
        self._informar(resumen, o)

    def _informar(self, r, o) -> None:
        w = self.stdout.write
        w(
            self.style.SUCCESS(
                f"Listo en {r.segundos:.1f} s: {_miles(r.servicios)} Servicios, "
                f"{_miles(r.centros)} Centros, {_miles(r.usuarios)} usuarios, "
                f"{_miles(r.grupos)} grupos de rol, {len(r.ciclos)} ciclos "
                f"({r.ciclos[0]}–{r.ciclos[-1]}), {_miles(r.documentos)} documentos, "
                f"{_miles(r.versiones)} versiones, {_miles(r.transiciones)} transiciones, "
                f"{_miles(r.observaciones)} observaciones ({_miles(r.observaciones_abiertas)} "
                "abiertas)."
            )
        )
        for etapa in r.etapas.values():
            estados = {}
            for por_estado in etapa.por_estado.values():
                for estado, n in por_estado.items():
                    estados[estado] = estados.get(estado, 0) + n
            actual = etapa.por_estado.get(r.ciclos[-1], {})
            w("")
            w(
                f"{etapa.titulo}: {_miles(etapa.documentos)} documentos "
                f"({_miles(etapa.visados)} visados), {_miles(etapa.versiones)} versiones, "
                f"{_miles(etapa.transiciones)} transiciones, {_miles(etapa.observaciones)} "
                f"observaciones ({_miles(etapa.observaciones_abiertas)} abiertas); "
                f"{etapa.segundos:.1f} s."
            )
            w(
                "  Documentos por estado: "
                + ", ".join(f"{k} {_miles(v)}" for k, v in estados.items())
            )
            w(
                f"  Ciclo actual {r.ciclos[-1]}: "
                + ", ".join(f"{k} {_miles(v)}" for k, v in sorted(actual.items()))
            )
        u = r.usuarios_clave
        primero, ultimo = u["codigos"]
        regiones = ", ".join(c.lower() for c in u["regiones"])
        w("")
        w(f"Usuarios (contraseña de todos: {o['contrasena']}):")
        w(f"  {u['admin']}  Administrador/a SUBDERE")
        w(f"  {u['experto']}  Experto/a SUBDERE de los {r.servicios} Servicios")
        w(
            f"  {u['expertos'][0]} … {u['expertos'][-1]}  Expertos/as SUBDERE, unos "
            f"{escala.SERVICIOS_POR_EXPERTO} Servicios cada uno"
        )
        w(
            f"  {escala.usuario_encargado(primero)} … {escala.usuario_encargado(ultimo)}  "
            "Encargado/a GT de cada Servicio (sigla ESCALA-S001 …)"
        )
        w(
            f"  {escala.usuario_jefe(primero)} … {escala.usuario_jefe(ultimo)}  "
            "Jefe/a de cada Servicio"
        )
        w(
            f"  {escala.usuario_centro(primero, 'XV')} …  Encargado/a de cada Centro: "
            f"escala.centro.<servicio>.<región>, regiones {regiones}"
        )
        w(f"  {u['gores'][0]} … {u['gores'][-1]}  Funcionario/a GORE de cada región")
        if o["verbosity"] >= 2:
            w("Todos los usuarios:")
            for username in r.todos_los_usuarios:
                w(f"  {username}")
