"""The subrogancias page (issue 11, item 4): designate, list and revoke a Jefe/a's substitutes.

- A Jefe/a de Servicio sees their Servicio(s)' subrogancias (vigentes, programadas, pasadas)
  and designates their own substitute; they revoke any of their Servicio's.
- The administrator sees every one (filter by Servicio) and designates one for any Jefe/a.
- A subrogante (current or former) sees theirs: «Usted subroga a … hasta …».
- Anyone else: 403 (an insider asking for a page that is not theirs; no object to hide).
  Revoking: outsiders of the subrogancia's Servicio get 404, insiders without the right 403.

A fixed number of queries whatever the number of subrogancias (``select_related`` and one
page of the list).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from . import calendario, permisos, subrogancia
from .forms_subrogancia import DesignarForm, FiltroServicioForm
from .models import Subrogancia

POR_PAGINA = 30
NO_CORRESPONDE = (
    "Las subrogancias las designa el Jefe/a de Servicio (o el Administrador/a SUBDERE); esta "
    "página es suya y de quienes los subrogan."
)
_RELACIONADOS = ("servicio", "titular", "subrogante", "designada_por", "revocada_por")


def _filas(lista, usuario, hoy):
    """Each subrogancia with its state for the page and whether this user may revoke it."""
    for s in lista:
        s.estado_codigo = subrogancia.estado(s, hoy)
        s.estado_texto = subrogancia.ESTADOS[s.estado_codigo]
        s.revocable = s.estado_codigo in (
            subrogancia.VIGENTE,
            subrogancia.PROGRAMADA,
        ) and subrogancia.puede_revocar(usuario, s)
    return lista


@login_required
@require_http_methods(["GET", "POST"])
def subrogancias(request):
    usuario = request.user
    hoy = calendario.hoy()
    designa = subrogancia.puede_designar(usuario)
    mias = _filas(
        list(
            Subrogancia.objects.filter(subrogante_id=usuario.pk)
            .select_related(*_RELACIONADOS)
            .order_by("-hasta", "-pk")
        ),
        usuario,
        hoy,
    )
    if not designa and not mias:
        raise PermissionDenied(NO_CORRESPONDE)

    form, estado_http = None, 200
    if request.method == "POST":
        if not designa:
            raise PermissionDenied(NO_CORRESPONDE)
        form = DesignarForm(request.POST, usuario=usuario)
        if form.is_valid():
            datos = form.cleaned_data
            try:
                nueva = subrogancia.designar(
                    servicio=datos["servicio"],
                    titular=datos["titular"],
                    subrogante=datos["subrogante"],
                    desde=datos["desde"],
                    hasta=datos["hasta"],
                    motivo=datos.get("motivo", ""),
                    actor=usuario,
                    hoy=hoy,
                )
            except subrogancia.SubroganciaInvalida as error:
                form.errores_de(error)
            except subrogancia.SinPermiso as error:
                raise PermissionDenied(str(error)) from error
            else:
                messages.success(
                    request,
                    f"{subrogancia.nombre(nueva.subrogante)} subroga a "
                    f"{subrogancia.nombre(nueva.titular)} en {nueva.servicio.sigla} del "
                    f"{subrogancia.fecha(nueva.desde)} al {subrogancia.fecha(nueva.hasta)}. "
                    "Se le avisó.",
                )
                return redirect("pmggt:subrogancias")
        estado_http = 400
    elif designa:
        form = DesignarForm(usuario=usuario, initial={"desde": hoy})

    if form is not None:
        form.marcar()
    contexto = {
        "hoy": hoy,
        "mias": mias,
        "vigentes_mias": [s for s in mias if s.estado_codigo == subrogancia.VIGENTE],
        "form": form,
        "designa": designa,
        "es_administrador": permisos.es_administrador(usuario),
    }
    if designa:
        contexto |= _tabla(request, usuario, hoy)
    return render(request, "pmggt/subrogancias.html", contexto, status=estado_http)


def _tabla(request, usuario, hoy) -> dict:
    """The Servicio(s)' subrogancias: every one for the administrator (Servicio filter), the
    Jefe/a's own Servicios' otherwise; newest first, one page."""
    qs = Subrogancia.objects.select_related(*_RELACIONADOS).order_by("-desde", "-pk")
    filtro = None
    if permisos.es_administrador(usuario):
        filtro = FiltroServicioForm(request.GET or None)
        if filtro.is_bound and filtro.is_valid() and filtro.cleaned_data.get("servicio"):
            qs = qs.filter(servicio=filtro.cleaned_data["servicio"])
    else:
        qs = qs.filter(servicio_id__in=sorted(subrogancia.servicios_propios(usuario)))
    pagina = Paginator(qs, POR_PAGINA).get_page(request.GET.get("pagina"))
    consulta = request.GET.copy()
    consulta.pop("pagina", None)
    return {
        "filtro": filtro,
        "filtrado": bool(filtro and filtro.is_bound and filtro.has_changed()),
        "pagina": pagina,
        "filas": _filas(list(pagina.object_list), usuario, hoy),
        "consulta": consulta.urlencode(),
    }


@login_required
@require_POST
def subrogancia_revocar(request, pk):
    s = get_object_or_404(Subrogancia.objects.select_related("servicio", "titular"), pk=pk)
    usuario = request.user
    interno = (
        permisos.es_administrador(usuario)
        or permisos.tiene(usuario, "ver_documentos", s.servicio)
        or usuario.pk in (s.titular_id, s.subrogante_id)
    )
    if not interno:
        raise Http404("Subrogancia no encontrada.")
    if not subrogancia.puede_revocar(usuario, s):
        raise PermissionDenied(
            "Solo el Jefe/a del Servicio o el Administrador/a SUBDERE revocan una subrogancia."
        )
    try:
        s = subrogancia.revocar(s, usuario)
    except subrogancia.SubroganciaInvalida as error:
        messages.error(request, str(error))
    except subrogancia.SinPermiso as error:
        raise PermissionDenied(str(error)) from error
    else:
        messages.success(
            request,
            f"Se revocó la subrogancia de {subrogancia.nombre(s.subrogante)} "
            f"({s.servicio.sigla}): desde ahora no actúa como Jefe/a.",
        )
    return redirect(reverse("pmggt:subrogancias"))
