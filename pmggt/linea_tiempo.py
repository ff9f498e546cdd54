"""A document's timeline: chain transitions, observaciones and content edits, who and when."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.safestring import SafeString, mark_safe

from . import etapas, fragmentos
from .models import Documento, Observacion, Transicion

# Fields that say nothing to a reader of the timeline.
_CAMPOS_OCULTOS = {"id", "documento", "diagnostico"}


@dataclass
class Evento:
    fecha: datetime
    quien: object
    tipo: str  # transicion | observacion | resolucion | edicion
    texto: str
    detalle: str = ""
    accion: str = ""

    @property
    def nombre(self) -> str:
        if self.quien is None:
            return "Sistema"
        return self.quien.get_full_name() or self.quien.username


def _nombre_registro(registro) -> str:
    modelo = registro.instance_type._meta
    numero = getattr(registro, "numero", None)
    return f"{modelo.verbose_name} {numero}" if numero else str(modelo.verbose_name)


def ediciones(registros, previos: dict | None = None) -> list[Evento]:
    """Edit events of these history records; ``previos`` gives, per (model, id), the record
    before the first one here (so the first change can name its fields)."""
    eventos = []
    previo_por_objeto = dict(previos or {})
    for reg in sorted(registros, key=lambda r: (r.history_date, r.history_id)):
        nombre = _nombre_registro(reg)
        # Records of several models are mixed here: their ids overlap.
        clave = (reg.instance_type, reg.id)
        previo = previo_por_objeto.get(clave)
        previo_por_objeto[clave] = reg
        if reg.history_type == "+" and hasattr(reg, "documento_id"):
            continue  # the content's root row is created with the document itself
        if reg.history_type == "+":
            eventos.append(Evento(reg.history_date, reg.history_user, "edicion", f"creó {nombre}"))
        elif reg.history_type == "-":
            eventos.append(
                Evento(reg.history_date, reg.history_user, "edicion", f"eliminó {nombre}")
            )
        elif previo is not None:
            cambiados = [
                str(f.verbose_name)
                for f in reg.instance_type._meta.concrete_fields
                if f.name not in _CAMPOS_OCULTOS
                and getattr(previo, f.attname) != getattr(reg, f.attname)
            ]
            if cambiados:
                eventos.append(
                    Evento(
                        reg.history_date,
                        reg.history_user,
                        "edicion",
                        f"editó {nombre}",
                        detalle=", ".join(cambiados),
                    )
                )
    return eventos


Accion = Transicion.Accion
_FRASES = {
    Accion.CREAR: "creó el documento",
    Accion.ENVIAR: "envió la versión {v} al Jefe/a de Servicio",
    Accion.APROBAR: "aprobó la versión {v} y la envió a SUBDERE",
    Accion.DEVOLVER: "devolvió la versión {v} con observaciones",
    Accion.VISAR: "visó la versión {v} (V°B° técnico)",
    Accion.SOLICITAR_MODIFICACION: "solicitó modificar la versión visada {v}",
}


def linea_de_tiempo(
    documento: Documento, transiciones=None, observaciones=None, *, con_ediciones: bool = True
) -> list[Evento]:
    """The document's events, oldest first. ``transiciones`` / ``observaciones``: the lists the
    page already read (else they are read here); ``con_ediciones``: include the content's edits,
    read from its history (one query per history table)."""
    if transiciones is None:
        transiciones = Transicion.objects.filter(documento=documento).select_related("actor")
    if observaciones is None:
        observaciones = Observacion.objects.filter(documento=documento).select_related(
            "autor", "resuelta_por"
        )
    eventos = [
        Evento(
            t.fecha,
            t.actor,
            "transicion",
            _FRASES[t.accion].format(v=t.version),
            t.comentario,
            t.accion,
        )
        for t in transiciones
    ]
    for obs in observaciones:
        eventos.append(Evento(obs.creada_en, obs.autor, "observacion", "observó", obs.texto))
        if obs.resuelta:
            eventos.append(
                Evento(
                    obs.resuelta_en,
                    obs.resuelta_por,
                    "resolucion",
                    "resolvió una observación",
                    obs.texto,
                )
            )
    definicion = etapas.de(documento.etapa)
    if con_ediciones and definicion.historiales:
        registros = []
        for qs in definicion.historiales(documento):
            registros.extend(qs.select_related("history_user"))
        eventos.extend(ediciones(registros))
    return sorted(eventos, key=lambda e: e.fecha)


def html_eventos(eventos) -> SafeString:
    """The ``<li>`` of each event, as the document page's timeline lists them (its date and
    time, who, what, and the first 300 characters of the comment or text)."""
    fecha = fragmentos.Fechas()
    formato = fragmentos.formato
    partes = []
    for e in eventos:
        detalle = (
            formato(
                '<div class="text-muted small texto-largo">{}</div>',
                fragmentos.recortado(e.detalle, 300),
            )
            if e.detalle
            else ""
        )
        partes.append(
            formato(
                '\n        <li class="evento-{}">\n'
                '          <div class="fecha">{}</div>\n'
                "          <div><strong>{}</strong> {}</div>\n"
                "          {}\n"
                "        </li>\n        ",
                e.tipo,
                fecha(e.fecha),
                e.nombre,
                e.texto,
                detalle,
            )
        )
    # Every part is escaped HTML (``fragmentos.formato``).
    return mark_safe("".join(partes))
