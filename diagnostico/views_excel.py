"""Upload of Cuadros I N°1 and N°2 as Excel (see diagnostico.excel).

The download is the core's report view (``pmggt.informes.views``): the stage declares it as
``diagnostico.excel.EXPORTACION``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from pmggt import acceso, permisos
from pmggt.informes.excel import ImportarForm
from pmggt.models import Documento

from . import excel
from .contenido import centros_del_documento


def _regiones_editables(editables: set, centros: list, servicio) -> list[str]:
    """What the user may import: her regions (``centros``: the Servicio's, north to south)."""
    nombres = []
    if None in editables and not centros:
        if servicio.region_id:  # its sheets carry its region's code, as its PDFs
            codigo = servicio.region.codigo
            nombres.append(f"el cuadro del Servicio (hojas «C1 {codigo}» y «C2 {codigo}»)")
        else:
            nombres.append("el cuadro del Servicio")
    nombres += [f"{c.region.codigo} – {c.region.nombre}" for c in centros if c.pk in editables]
    return nombres


def _permiso_de_importar(usuario, documento) -> tuple[bool, set | None]:
    """(whether ``acceso.centros_editables`` is not empty, those Centros or None).

    An Encargado/a GT edits every part in Borrador: no need to list the Centros (a query) to
    know it, and the upload checks each sheet against them anyway, under the document's lock
    (``acceso.edicion``). The list is read only if the page is drawn."""
    if documento.estado != Documento.Estado.BORRADOR:
        return False, set()
    if permisos.tiene(usuario, "editar_documentos", documento.servicio):
        return True, None
    editables = acceso.centros_editables(usuario, documento)
    return bool(editables), editables


@login_required
def importar(request, pk):
    documento = acceso.documento_para(request, pk, etapa=Documento.Etapa.DIAGNOSTICO)
    puede, editables = _permiso_de_importar(request.user, documento)
    if not puede:
        if documento.estado != Documento.Estado.BORRADOR and acceso.es_editor(
            request.user, documento.servicio
        ):
            messages.error(
                request,
                f"El documento está «{documento.get_estado_display()}»: los cuadros solo se "
                "importan en Borrador.",
            )
            return redirect("pmggt:documento", pk=documento.pk)
        raise PermissionDenied("No tiene permiso para editar los cuadros de este documento.")
    form = ImportarForm(request.POST, request.FILES) if request.method == "POST" else ImportarForm()
    errores = []
    if request.method == "POST":
        if form.is_valid():
            try:
                resumen = excel.importar_cuadros(
                    documento=documento, archivo=form.cleaned_data["archivo"], actor=request.user
                )
            except excel.ErrorImportacion as exc:
                errores = exc.errores
                messages.error(request, str(exc))
            else:
                mensaje = (
                    f"Cuadros importados ({len(resumen['hojas'])} hoja(s)): "
                    f"{resumen['creadas']} fila(s) agregada(s), "
                    f"{resumen['actualizadas']} actualizada(s), "
                    f"{resumen['eliminadas']} eliminada(s) y "
                    f"{resumen['sin_cambios']} sin cambios."
                )
                if resumen.get("no_pertinente") is not None:
                    mensaje += (
                        " Cuadro I N°2 declarado no pertinente."
                        if resumen["no_pertinente"]
                        else " Cuadro I N°2 declarado pertinente."
                    )
                messages.success(request, mensaje)
                return redirect("pmggt:documento", pk=documento.pk)
        else:
            messages.error(request, "Revise el archivo seleccionado.")
    if editables is None:
        editables = acceso.centros_editables(request.user, documento)
    centros = centros_del_documento(documento)
    region_unica = None
    if not permisos.tiene(request.user, "editar_documentos", documento.servicio):
        codigos = [c.region.codigo for c in centros if c.pk in editables]
        if len(codigos) == 1:
            region_unica = codigos[0]
    return render(
        request,
        "diagnostico/excel_importar.html",
        {
            "documento": documento,
            "form": form,
            "errores": errores,
            "regiones": _regiones_editables(editables, centros, documento.servicio),
            "region_unica": region_unica,
        },
        status=400 if request.method == "POST" else 200,
    )
