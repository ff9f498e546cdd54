"""Download and upload of Cuadros I N°1 and N°2 as Excel (see diagnostico.excel)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from pmggt import permisos
from pmggt.models import Centro, Documento

from . import acceso, excel

MAX_BYTES = 5 * 1024 * 1024
TIPO_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportarCuadrosForm(forms.Form):
    archivo = forms.FileField(
        label="Archivo Excel (.xlsx)",
        help_text="El archivo descargado desde el sistema, con sus cambios. Máximo 5 MB.",
        error_messages={
            "required": "Seleccione el archivo Excel que desea importar.",
            "empty": "El archivo está vacío.",
        },
    )

    def clean_archivo(self):
        archivo = self.cleaned_data["archivo"]
        if not archivo.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("Solo se aceptan archivos Excel con extensión .xlsx.")
        if archivo.size > MAX_BYTES:
            raise forms.ValidationError("El archivo supera el tamaño máximo de 5 MB.")
        archivo.seek(0)
        inicio = archivo.read(4)
        archivo.seek(0)
        if inicio != b"PK\x03\x04":
            raise forms.ValidationError("El archivo no es un libro Excel .xlsx válido.")
        return archivo


@login_required
def exportar(request, pk):
    region = (request.GET.get("region") or "").strip() or None
    documento = acceso.documento_para_region(request, pk, region)
    try:
        contenido = excel.exportar_cuadros(
            documento,
            region=region,
            solo_productos_usados=acceso.regiones_legibles(request.user, documento) is not None,
        )
    except ValueError as exc:
        raise Http404("Región no encontrada en este documento.") from exc
    respuesta = HttpResponse(contenido, content_type=TIPO_XLSX)
    respuesta["Content-Disposition"] = (
        f'attachment; filename="{excel.nombre_archivo(documento, region)}"'
    )
    respuesta["Cache-Control"] = "private, no-store"
    return respuesta


def _regiones_editables(usuario, documento) -> list[str]:
    editables = acceso.centros_editables(usuario, documento)
    nombres = []
    if None in editables and not Centro.objects.filter(servicio=documento.servicio).exists():
        nombres.append("el cuadro del Servicio")
    centros = (
        Centro.objects.filter(pk__in=[c for c in editables if c is not None])
        .select_related("region")
        .order_by("region__orden")
    )
    nombres += [f"{c.region.codigo} – {c.region.nombre}" for c in centros]
    return nombres


def _es_editor(usuario, servicio) -> bool:
    return (
        permisos.tiene(usuario, "editar_documentos", servicio)
        or permisos.centros_editables(usuario, servicio).exists()
    )


@login_required
def importar(request, pk):
    documento = get_object_or_404(
        Documento.objects.select_related("servicio", "ciclo"),
        pk=pk,
        etapa=Documento.Etapa.DIAGNOSTICO,
    )
    if permisos.nivel_acceso_servicio(request.user, documento.servicio) is None:
        raise Http404("Documento no encontrado.")
    if not acceso.centros_editables(request.user, documento):
        if documento.estado != Documento.Estado.BORRADOR and _es_editor(
            request.user, documento.servicio
        ):
            messages.error(
                request,
                f"El documento está «{documento.get_estado_display()}»: los cuadros solo se "
                "importan en Borrador.",
            )
            return redirect("pmggt:documento", pk=documento.pk)
        raise PermissionDenied("No tiene permiso para editar los cuadros de este documento.")
    if request.method == "POST":
        form = ImportarCuadrosForm(request.POST, request.FILES)
    else:
        form = ImportarCuadrosForm()
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
                messages.success(
                    request,
                    f"Cuadros importados ({len(resumen['hojas'])} hoja(s)): "
                    f"{resumen['creadas']} fila(s) agregada(s), "
                    f"{resumen['actualizadas']} actualizada(s), "
                    f"{resumen['eliminadas']} eliminada(s) y "
                    f"{resumen['sin_cambios']} sin cambios.",
                )
                return redirect("pmggt:documento", pk=documento.pk)
        else:
            messages.error(request, "Revise el archivo seleccionado.")
    regiones = _regiones_editables(request.user, documento)
    region_unica = None
    if not permisos.tiene(request.user, "editar_documentos", documento.servicio):
        codigos = Centro.objects.filter(
            pk__in=[c for c in acceso.centros_editables(request.user, documento) if c]
        ).values_list("region__codigo", flat=True)
        if len(codigos) == 1:
            region_unica = codigos[0]
    return render(
        request,
        "diagnostico/excel_importar.html",
        {
            "documento": documento,
            "form": form,
            "errores": errores,
            "regiones": regiones,
            "region_unica": region_unica,
        },
        status=400 if request.method == "POST" else 200,
    )
