"""How the Diagnóstico plugs into the shared chain (see pmggt.etapas)."""

from pmggt.etapas import EtapaDef
from pmggt.models import Documento


def _diagnostico(documento):
    from .models import Diagnostico

    return Diagnostico.objects.prefetch_related("objetivos").get(documento=documento)


def contenido(documento) -> dict:
    diagnostico = _diagnostico(documento)
    return {
        "mision": diagnostico.mision,
        "objetivos_estrategicos": [
            {"numero": o.numero, "descripcion": o.descripcion} for o in diagnostico.objetivos.all()
        ],
    }


def aplanar(contenido: dict) -> list[tuple[str, str, str]]:
    filas = [("mision", "Misión institucional", contenido.get("mision", ""))]
    for objetivo in contenido.get("objetivos_estrategicos", []):
        filas.append(
            (
                f"objetivo:{objetivo['numero']}",
                f"Objetivo estratégico {objetivo['numero']}",
                objetivo["descripcion"],
            )
        )
    return filas


def validar_envio(documento) -> list[str]:
    datos = contenido(documento)
    errores = []
    if not datos["mision"].strip():
        errores.append("Falta la misión institucional.")
    if not datos["objetivos_estrategicos"]:
        errores.append("Debe registrar al menos un objetivo estratégico.")
    return errores


def contexto(documento, observaciones_por_campo: dict) -> dict:
    diagnostico = _diagnostico(documento)
    objetivos = list(diagnostico.objetivos.all())
    for objetivo in objetivos:
        objetivo.observaciones_abiertas = observaciones_por_campo.get(
            f"objetivo:{objetivo.numero}", []
        )
    return {
        "diagnostico": diagnostico,
        "objetivos": objetivos,
        "observaciones_mision": observaciones_por_campo.get("mision", []),
    }


def historiales(documento) -> list:
    from .models import Diagnostico, ObjetivoEstrategico

    return [
        Diagnostico.history.filter(documento_id=documento.pk),
        ObjetivoEstrategico.history.filter(
            diagnostico_id__in=Diagnostico.objects.filter(documento_id=documento.pk).values("pk")
        ),
    ]


def crear(documento):
    from .models import Diagnostico

    return Diagnostico.objects.create(documento=documento)


ETAPA = EtapaDef(
    numero=Documento.Etapa.DIAGNOSTICO,
    contenido=contenido,
    aplanar=aplanar,
    validar_envio=validar_envio,
    plantilla="diagnostico/_contenido.html",
    contexto=contexto,
    url_editar="diagnostico:editar",
    crear=crear,
    historiales=historiales,
)
