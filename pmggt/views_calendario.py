"""The Ciclo's calendar (issue 11, item 1): every signed-in person reads each stage's deadline,
Etapa III's reporting periods and the extensions that concern them; the administrator sets the
deadlines and grants, changes or removes extensions (each with its reason, in history).

The Ciclo and its deadlines are not secret: a non-administrator asking for an edit page gets
403. An extension belongs to a Servicio: whoever may not see that Servicio gets 404 for it, as
for its documents; whoever may see it but is not the administrator, 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import calendario, etapas, permisos, selectors
from .forms_calendario import EliminarProrrogaForm, PeriodosFormSet, PlazosForm, ProrrogaForm
from .models import Ciclo, Documento, Prorroga
from .widgets import acelerar

SOLO_ADMINISTRADOR = (
    "Solo el Administrador/a SUBDERE fija los plazos del ciclo y otorga prórrogas: "
    "usted puede consultarlos en el calendario."
)


def _solo_administrador(request) -> None:
    if not permisos.es_administrador(request.user):
        raise PermissionDenied(SOLO_ADMINISTRADOR)


def _ciclo(anio: int) -> Ciclo:
    return get_object_or_404(Ciclo, anio=anio)


def _prorroga_para(request, pk: int) -> Prorroga:
    """The extension, for the administrator; 403 for whoever sees its Servicio; else 404."""
    prorroga = get_object_or_404(
        Prorroga.objects.select_related("plazo__ciclo", "servicio", "otorgada_por"), pk=pk
    )
    if permisos.es_administrador(request.user):
        return prorroga
    if selectors.servicios_visibles_para(request.user).filter(pk=prorroga.servicio_id).exists():
        raise PermissionDenied(SOLO_ADMINISTRADOR)
    raise Http404("No existe esa prórroga.")


def _efectivo(plazo):
    return calendario.PlazoEfectivo(plazo.vence, plazo) if plazo is not None else None


def _contexto_ciclo(request, ciclo: Ciclo) -> dict:
    hoy = calendario.hoy()
    plazos = calendario.plazos_del_ciclo(ciclo)
    filas_etapas = [
        {
            "numero": numero,
            "titulo": titulo,
            "disponible": etapas.disponible(numero),
            "plazo": plazos.get(numero),
            "vencimiento": calendario.vencimiento(_efectivo(plazos.get(numero)), hoy_=hoy),
        }
        for numero, titulo in Documento.Etapa.choices
    ]
    periodos = [
        {"plazo": p, "vencimiento": calendario.vencimiento(_efectivo(p), hoy_=hoy)}
        for p in calendario.periodos(ciclo)
    ]
    prorrogas = []
    for prorroga in calendario.prorrogas_visibles(request.user, ciclo):
        # Its own row says it is an extension: the countdown without «(prórroga al …)».
        efectivo = calendario.PlazoEfectivo(prorroga.vence, prorroga.plazo)
        prorrogas.append(
            {"prorroga": prorroga, "vencimiento": calendario.vencimiento(efectivo, hoy_=hoy)}
        )
    return {
        "ciclo": ciclo,
        "ciclos": Ciclo.objects.order_by("-anio"),
        "etapas": filas_etapas,
        "periodos": periodos,
        "prorrogas": prorrogas,
        "es_administrador": permisos.es_administrador(request.user),
        "hoy": hoy,
    }


@login_required
@require_GET
def calendario_actual(request):
    """The calendar of the most recent open Ciclo (else the most recent one)."""
    ciclo = (
        Ciclo.objects.filter(abierto=True).order_by("-anio").first()
        or Ciclo.objects.order_by("-anio").first()
    )
    if ciclo is None:
        return render(request, "pmggt/calendario.html", {"ciclo": None})
    return render(request, "pmggt/calendario.html", _contexto_ciclo(request, ciclo))


@login_required
@require_GET
def calendario_ciclo(request, anio: int):
    return render(request, "pmggt/calendario.html", _contexto_ciclo(request, _ciclo(anio)))


def _iniciales(ciclo):
    plazos = calendario.plazos_del_ciclo(ciclo)
    return (
        {f"etapa_{e}": p.vence for e, p in plazos.items()},
        [{"id": p.pk, "nombre": p.nombre, "vence": p.vence} for p in calendario.periodos(ciclo)],
    )


@login_required
@require_http_methods(["GET", "POST"])
def calendario_editar(request, anio: int):
    ciclo = _ciclo(anio)
    _solo_administrador(request)
    iniciales, periodos_iniciales = _iniciales(ciclo)
    if request.method == "POST":
        form = PlazosForm(request.POST, ciclo=ciclo, initial=iniciales)
        formset = PeriodosFormSet(
            request.POST, prefix="periodos", ciclo=ciclo, initial=periodos_iniciales
        )
        if form.is_valid() and formset.is_valid():
            try:
                calendario.calendario_guardar(
                    ciclo=ciclo,
                    etapas=form.etapas(),
                    periodos_=formset.periodos(),
                    actor=request.user,
                )
            except calendario.ErrorCalendario as exc:
                if exc.campo and exc.campo in form.fields:
                    form.add_error(exc.campo, str(exc))
                else:
                    form.add_error(None, str(exc))
            else:
                messages.success(request, f"Se guardaron los plazos del ciclo {ciclo.anio}.")
                return redirect("pmggt:calendario_ciclo", anio=ciclo.anio)
    else:
        form = PlazosForm(ciclo=ciclo, initial=iniciales)
        formset = PeriodosFormSet(prefix="periodos", ciclo=ciclo, initial=periodos_iniciales)
    acelerar(form)
    for f in formset.forms:
        acelerar(f)
    return render(
        request,
        "pmggt/calendario_editar.html",
        {"ciclo": ciclo, "form": form, "formset": formset},
    )


@login_required
@require_http_methods(["GET", "POST"])
def prorroga_nueva(request, anio: int):
    ciclo = _ciclo(anio)
    _solo_administrador(request)
    if request.method == "POST":
        form = ProrrogaForm(request.POST, ciclo=ciclo)
        if form.is_valid():
            datos = form.cleaned_data
            existia = Prorroga.objects.filter(
                plazo=datos["plazo"], servicio=datos["servicio"]
            ).exists()
            try:
                prorroga = calendario.prorroga_otorgar(
                    plazo=datos["plazo"],
                    servicio=datos["servicio"],
                    vence=datos["vence"],
                    motivo=datos["motivo"],
                    actor=request.user,
                )
            except calendario.ErrorCalendario as exc:
                form.add_error(exc.campo if exc.campo in form.fields else None, str(exc))
            else:
                hecho = "Se modificó la prórroga" if existia else "Prórroga otorgada"
                messages.success(
                    request,
                    f"{hecho}: {prorroga.servicio.sigla}, {calendario.ETAPAS[prorroga.plazo.etapa]}"
                    f", nuevo plazo {calendario.fecha(prorroga.vence)}.",
                )
                return redirect("pmggt:calendario_ciclo", anio=ciclo.anio)
    else:
        iniciales = {k: request.GET[k] for k in ("servicio", "plazo") if request.GET.get(k)}
        form = ProrrogaForm(ciclo=ciclo, initial=iniciales)
    acelerar(form)
    return render(
        request,
        "pmggt/calendario_prorroga.html",
        {"ciclo": ciclo, "form": form, "prorroga": None, "sin_plazos": not ciclo.plazos.exists()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def prorroga_editar(request, pk: int):
    prorroga = _prorroga_para(request, pk)
    ciclo = prorroga.plazo.ciclo
    form_eliminar = EliminarProrrogaForm(prefix="eliminar")
    if request.method == "POST":
        form = ProrrogaForm(request.POST, ciclo=ciclo, editar=True)
        if form.is_valid():
            try:
                calendario.prorroga_otorgar(
                    plazo=prorroga.plazo,
                    servicio=prorroga.servicio,
                    vence=form.cleaned_data["vence"],
                    motivo=form.cleaned_data["motivo"],
                    actor=request.user,
                )
            except calendario.ErrorCalendario as exc:
                form.add_error(exc.campo if exc.campo in form.fields else None, str(exc))
            else:
                messages.success(request, f"Se modificó la prórroga de {prorroga.servicio.sigla}.")
                return redirect("pmggt:calendario_ciclo", anio=ciclo.anio)
    else:
        form = ProrrogaForm(
            ciclo=ciclo, editar=True, initial={"vence": prorroga.vence, "motivo": prorroga.motivo}
        )
    return _pagina_prorroga(request, prorroga, form, form_eliminar)


def _pagina_prorroga(request, prorroga, form, form_eliminar):
    acelerar(form)
    acelerar(form_eliminar)
    return render(
        request,
        "pmggt/calendario_prorroga.html",
        {
            "ciclo": prorroga.plazo.ciclo,
            "prorroga": prorroga,
            "form": form,
            "form_eliminar": form_eliminar,
            "historial": prorroga.history.select_related("history_user").order_by("-history_date")[
                :20
            ],
        },
    )


@require_POST
@login_required
def prorroga_eliminar(request, pk: int):
    prorroga = _prorroga_para(request, pk)
    ciclo = prorroga.plazo.ciclo
    form_eliminar = EliminarProrrogaForm(request.POST, prefix="eliminar")
    if not form_eliminar.is_valid():
        form = ProrrogaForm(
            ciclo=ciclo, editar=True, initial={"vence": prorroga.vence, "motivo": prorroga.motivo}
        )
        return _pagina_prorroga(request, prorroga, form, form_eliminar)
    calendario.prorroga_eliminar(
        prorroga=prorroga, motivo=form_eliminar.cleaned_data["motivo"], actor=request.user
    )
    messages.success(
        request,
        f"Se eliminó la prórroga de {prorroga.servicio.sigla}: rige el plazo del ciclo.",
    )
    return redirect("pmggt:calendario_ciclo", anio=ciclo.anio)
