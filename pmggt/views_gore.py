"""«Mi región»: the Funcionario/a GORE's own page (issue 9, item 12).

Every Servicio's documents with a visado version that concern the user's GORE(s), newest
visado first, paginated and filterable by Ciclo and Etapa, each with its region's downloads
one click away (``pmggt.gore``). In a fixed number of queries whatever the number of
Servicios and documents.

Only Funcionarios/as GORE have a region of their own: anyone else (Encargado/a, Jefe/a,
Experto/a, administrators) gets 403 with a Spanish message, as an insider asking for a page
that is not theirs; anonymous visitors go to the login page.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import calendario, etapas, gore
from .models import Ciclo, Documento, GobiernoRegional
from .widgets import acelerar

POR_PAGINA = 20
NO_ES_GORE = (
    "«Mi región» es la página de los funcionarios/as de un Gobierno Regional: lista los "
    "documentos visados que conciernen a su región."
)


class FiltroMiRegionForm(forms.Form):
    ciclo = forms.ModelChoiceField(
        label="Ciclo",
        queryset=Ciclo.objects.order_by("-anio"),
        to_field_name="anio",
        required=False,
        empty_label="Todos los ciclos",
    )
    etapa = forms.TypedChoiceField(
        label="Etapa", coerce=int, required=False, empty_value=None, choices=()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etapa"].choices = [
            ("", "Todas las etapas"),
            *((e.numero, e.titulo) for e in etapas.todas()),
        ]
        for campo in self.fields.values():
            campo.widget.attrs["class"] = "form-control"
        acelerar(self)

    def filtrar(self, documentos):
        if not self.is_bound or not self.is_valid():
            return documentos
        if self.cleaned_data.get("ciclo"):
            documentos = documentos.filter(ciclo=self.cleaned_data["ciclo"])
        if self.cleaned_data.get("etapa"):
            documentos = documentos.filter(etapa=self.cleaned_data["etapa"])
        return documentos


def _consulta(request) -> str:
    """This request's filters, without the page (for the pager's links)."""
    consulta = request.GET.copy()
    consulta.pop("pagina", None)
    return consulta.urlencode()


@login_required
@require_GET
def mi_region(request):
    gores = gore.gores_de(request.user)
    if not gores:
        raise PermissionDenied(NO_ES_GORE)
    filtro = FiltroMiRegionForm(request.GET or None)
    documentos = filtro.filtrar(
        gore.documentos_visados(GobiernoRegional.objects.filter(pk__in=[g.pk for g in gores]))
    )
    # When each was first visado: its «Plazo» cell says whether it was on time.
    documentos = documentos.annotate(visado_primero=calendario.primera_visacion())
    pagina = Paginator(documentos, POR_PAGINA).get_page(request.GET.get("pagina"))
    suyas = {g.region.codigo for g in gores}
    filas = list(pagina.object_list)
    calendario.anotar_documentos(filas)  # every row's deadline in one query
    centros = gore.regiones_de_centros({d.servicio_id for d in filas}, [g.region_id for g in gores])
    for documento in filas:
        servicio = documento.servicio
        codigos = gore.codigos_de_region(
            servicio.region.codigo if servicio.region_id else None,
            centros.get(servicio.pk, set()),
            documento.tiene_centros,
            suyas,
        )
        documento.descargas = gore.descargas(documento, codigos)
        documento.en_modificacion = (
            documento.estado != Documento.Estado.VISADO
            or documento.version_actual != documento.version_visada
        )
    return render(
        request,
        "pmggt/mi_region.html",
        {
            "gores": gores,
            "filtro": filtro,
            "pagina": pagina,
            "filas": filas,
            "consulta": _consulta(request),
            "filtrado": bool(
                filtro.is_bound and filtro.is_valid() and any(filtro.cleaned_data.values())
            ),
        },
    )
