"""Upload of the Plan's indicators and work programme as Excel (see planes.excel).

The download is the core's report view (``pmggt.informes.views``, URL planes:excel): the stage
declares it as ``planes.excel.EXPORTACIONES``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from pmggt import acceso, permisos
from pmggt.informes.excel import ImportarForm
from pmggt.models import Documento

from . import excel

PLAN = Documento.Etapa.PLAN


def _permiso_de_importar(usuario, documento) -> tuple[bool, set | None]:
    """(whether the user edits some part now, the Centros she edits or None for the
    Encargado/a GT, who edits every part: no need to list them). The upload checks each sheet
    again under the document's lock (``acceso.edicion``)."""
    if documento.estado != Documento.Estado.BORRADOR:
        return False, set()
    if permisos.tiene(usuario, "editar_documentos", documento.servicio):
        return True, None
    editables = acceso.centros_editables(usuario, documento)
    return bool(editables), editables


def _mensaje(resumen: dict) -> str:
    mensaje = (
        f"Indicadores y programa importados ({len(resumen['hojas'])} hoja(s)): "
        f"{resumen['creadas']} fila(s) agregada(s), {resumen['actualizadas']} actualizada(s), "
        f"{resumen['eliminadas']} eliminada(s) y {resumen['sin_cambios']} sin cambios."
    )
    if resumen["ignoradas"]:
        mensaje += (
            " No se importaron, por ser de partes que usted no edita y no tener cambios: "
            + ", ".join(f"«{h}»" for h in resumen["ignoradas"])
            + "."
        )
    return mensaje


@login_required
def importar(request, pk):
    documento = acceso.documento_para(request, pk, etapa=PLAN)
    puede, editables = _permiso_de_importar(request.user, documento)
    if not puede:
        if documento.estado != Documento.Estado.BORRADOR and acceso.es_editor(
            request.user, documento.servicio
        ):
            messages.error(
                request,
                f"El documento está «{documento.get_estado_display()}»: el Excel solo se "
                "importa en Borrador.",
            )
            return redirect("pmggt:documento", pk=documento.pk)
        raise PermissionDenied("No tiene permiso para editar este Plan.")
    form = ImportarForm(request.POST, request.FILES) if request.method == "POST" else ImportarForm()
    errores = []
    if request.method == "POST":
        if form.is_valid():
            try:
                resumen = excel.importar(
                    documento=documento, archivo=form.cleaned_data["archivo"], actor=request.user
                )
            except excel.ErrorImportacion as exc:
                errores = exc.errores
                messages.error(request, str(exc))
            else:
                messages.success(request, _mensaje(resumen))
                return redirect("pmggt:documento", pk=documento.pk)
        else:
            messages.error(request, "Revise el archivo seleccionado.")
    if editables is None:
        editables = acceso.centros_editables(request.user, documento)
    centros = sorted(acceso.centros_del_servicio(documento), key=lambda c: c.region.orden)
    propio = excel._codigo_propio(documento)
    nacional = f"hojas «Región {propio}»" if propio else "hojas «Nacional»"
    regiones = ([f"la parte del Servicio ({nacional})"] if None in editables else []) + [
        f"{c.region.codigo} – {c.region.nombre}" for c in centros if c.pk in editables
    ]
    region_unica = None
    if None not in editables:
        codigos = [c.region.codigo for c in centros if c.pk in editables]
        if len(codigos) == 1:
            region_unica = codigos[0]
    return render(
        request,
        "planes/excel_importar.html",
        {
            "documento": documento,
            "form": form,
            "errores": errores,
            "regiones": regiones,
            "region_unica": region_unica,
        },
        status=400 if request.method == "POST" else 200,
    )
