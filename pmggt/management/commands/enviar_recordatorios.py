"""The day's reminders and digests, for cron (the Celery beat task calls the same function)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from pmggt import calendario, recordatorios
from pmggt.models import AjustesAvisos


def _fecha(texto: str) -> date:
    try:
        return date.fromisoformat(texto)
    except ValueError as exc:
        raise CommandError(f"Fecha no válida: «{texto}». Use el formato AAAA-MM-DD.") from exc


class Command(BaseCommand):
    help = (
        "Calcula los recordatorios del día (plazos por vencer y vencidos, devueltos y no "
        "reenviados) y envía a cada persona su resumen diario por correo. Se puede correr "
        "varias veces: nunca registra ni envía dos veces el mismo recordatorio."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fecha",
            type=_fecha,
            default=None,
            help="Día a calcular, AAAA-MM-DD (por omisión, hoy). Sirve para un día en que no "
            "se corrió.",
        )
        parser.add_argument(
            "--sin-correo",
            action="store_true",
            help="Solo registra los avisos en el sistema; no envía los resúmenes.",
        )

    def handle(self, *args, fecha, sin_correo, **options):
        hoy = fecha or calendario.hoy()
        if not AjustesAvisos.actuales().activos:
            self.stdout.write(
                "Los recordatorios están desactivados (Avisos › Ajustes): no se calculó nada."
            )
        resultado = recordatorios.ejecutar(hoy, correo=not sin_correo)
        self.stdout.write(
            f"Recordatorios del {hoy.strftime('%d-%m-%Y')}: "
            f"{resultado['avisos_creados']} aviso(s) nuevo(s)."
        )
        if sin_correo:
            self.stdout.write("Resúmenes por correo: no enviados (--sin-correo).")
        else:
            self.stdout.write(
                f"Resúmenes por correo: {resultado['correos']} enviado(s), con "
                f"{resultado['avisos_enviados']} aviso(s)."
            )
