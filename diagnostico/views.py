"""Etapa I pages: sections of the Diagnóstico and each region's Cuadros I N°1 and N°2."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pmggt import acceso, permisos, workflow
from pmggt.models import Documento, Observacion

from . import forms, services
from .contenido import CAMPOS_CUADRO1, CAMPOS_CUADRO2, ETIQUETAS_CUADRO1, ETIQUETAS_CUADRO2
from .models import Causal, Diagnostico, FilaCuadro1, FilaCuadro2


def _seccion_editable(request, pk) -> Diagnostico:
    """A Servicio-level section: only the Encargado/a GT edits it, in Borrador."""
    documento = acceso.documento_para(request, pk, etapa=Documento.Etapa.DIAGNOSTICO)
    if not permisos.tiene(request.user, "editar_documentos", documento.servicio):
        raise PermissionDenied("Solo el Encargado/a GT edita esta sección.")
    return Diagnostico.objects.select_related("documento__servicio", "documento__ciclo").get(
        documento=documento
    )


def _fuera_de_borrador(request, documento):
    messages.error(
        request,
        f"El documento está «{documento.get_estado_display()}»: solo se edita en Borrador.",
    )
    return redirect("pmggt:documento", pk=documento.pk)


def _editar_seccion(request, pk, titulo, plantilla, construir, guardar_todo):
    """Shared flow of the section pages: build forms, validate all, save all or nothing."""
    diagnostico = _seccion_editable(request, pk)
    documento = diagnostico.documento
    if not workflow.puede_editar(documento, request.user):
        return _fuera_de_borrador(request, documento)
    datos = request.POST if request.method == "POST" else None
    formularios = construir(diagnostico, datos)
    if request.method == "POST":
        if all(f.is_valid() for f in formularios.values()):
            try:
                services.seccion_guardar(
                    documento=documento,
                    actor=request.user,
                    guardar=lambda: guardar_todo(diagnostico, formularios),
                )
            except workflow.ErrorFlujo as exc:
                messages.error(request, str(exc))
                return redirect("pmggt:documento", pk=documento.pk)
            messages.success(request, f"{titulo}: cambios guardados.")
            return redirect("pmggt:documento", pk=documento.pk)
        messages.error(request, "Revise los campos marcados: no se guardó ningún cambio.")
    return render(
        request,
        plantilla,
        {"documento": documento, "diagnostico": diagnostico, "titulo": titulo, **formularios},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def editar(request, pk):
    def construir(diagnostico, datos):
        return {
            "form": forms.DefinicionesForm(datos, instance=diagnostico, prefix="def"),
            "objetivos": forms.ObjetivosFormSet(datos, instance=diagnostico, prefix="obj"),
        }

    def guardar(diagnostico, f):
        f["form"].save()
        f["objetivos"].save()

    return _editar_seccion(
        request, pk, "Definiciones estratégicas", "diagnostico/editar.html", construir, guardar
    )


@login_required
def productos(request, pk):
    def construir(diagnostico, datos):
        return {"productos": forms.productos_formset(diagnostico, datos)}

    def guardar(diagnostico, f):
        f["productos"].save()
        services.productos_enlazar_padres(diagnostico)

    return _editar_seccion(
        request,
        pk,
        "Productos estratégicos y perspectiva territorial",
        "diagnostico/productos.html",
        construir,
        guardar,
    )


@login_required
def clientes(request, pk):
    def construir(diagnostico, datos):
        return {"clientes": forms.clientes_formset(diagnostico, datos)}

    def guardar(diagnostico, f):
        f["clientes"].save()

    return _editar_seccion(
        request,
        pk,
        "Clientes / usuarios / beneficiarios",
        "diagnostico/clientes.html",
        construir,
        guardar,
    )


@login_required
def otros(request, pk):
    def construir(diagnostico, datos):
        return {
            "facultades": forms.FacultadesFormSet(datos, instance=diagnostico, prefix="fac"),
            "sistemas": forms.SistemasFormSet(datos, instance=diagnostico, prefix="sis"),
            "encargados": forms.encargados_formset(diagnostico, datos),
        }

    def guardar(diagnostico, f):
        for formset in f.values():
            formset.save()

    return _editar_seccion(
        request,
        pk,
        "Facultades, sistemas de información y red de encargados",
        "diagnostico/otros.html",
        construir,
        guardar,
    )


# --- Cuadros I N°1 and N°2, one region at a time -------------------------------------------


def _cuadro_legible(request, pk, region):
    return acceso.parte_legible(request, pk, region, etapa=Documento.Etapa.DIAGNOSTICO)


def _cuadro_editable(request, pk, region):
    return acceso.parte_editable(request, pk, region, etapa=Documento.Etapa.DIAGNOSTICO)


def _contexto_cuadro(request, documento, centro, codigo, region, **extra):
    diagnostico = Diagnostico.objects.get(documento=documento)
    filas = list(
        FilaCuadro1.objects.filter(diagnostico=diagnostico, centro=centro).prefetch_related(
            "productos"
        )
    )
    filas2 = {
        f.informacion: f for f in FilaCuadro2.objects.filter(diagnostico=diagnostico, centro=centro)
    }
    claves_c1 = {f"c1:{f.pk}:{c}" for f in filas for c in CAMPOS_CUADRO1}
    claves_c2 = {f"c2:{f.pk}:{c}" for f in filas2.values() for c in CAMPOS_CUADRO2}
    observaciones = {}
    for obs in Observacion.objects.filter(
        documento=documento, resuelta=False, campo__in=claves_c1 | claves_c2
    ).select_related("autor"):
        obs.puede_resolver = workflow.puede_resolver(obs, request.user)
        observaciones.setdefault(obs.campo, []).append(obs)
    puede_editar = (centro.pk if centro else None) in acceso.centros_editables(
        request.user, documento
    )
    puede_observar = workflow.puede_observar(documento, request.user)
    causales = dict(Causal.choices)
    for fila in filas:
        fila.celdas = [
            (
                c,
                ETIQUETAS_CUADRO1[c],
                getattr(fila, c),
                observaciones.get(f"c1:{fila.pk}:{c}", []),
                f"c1:{fila.pk}:{c}",
            )
            for c in CAMPOS_CUADRO1
        ]
        fila.causal_etiqueta = causales[fila.causal]
    formularios_c2 = {}
    if puede_editar:
        formularios_c2 = {
            clave: form
            for clave, _, form in extra.pop("forms_c2", None) or forms.cuadro2_formularios(filas2)
        }
    filas_c2 = []
    for clave, etiqueta in FilaCuadro2.Informacion.choices:
        fila = filas2.get(clave)
        celdas = [
            (
                c,
                ETIQUETAS_CUADRO2[c],
                getattr(fila, c) if fila else "",
                observaciones.get(f"c2:{fila.pk}:{c}", []) if fila else [],
                f"c2:{fila.pk}:{c}" if fila else "",
            )
            for c in CAMPOS_CUADRO2
        ]
        form = formularios_c2.get(clave)
        if form is not None:
            celdas = [(*celda, form[celda[0]]) for celda in celdas]
        filas_c2.append((clave, etiqueta, celdas))
    contexto = {
        "documento": documento,
        "diagnostico": diagnostico,
        "centro": centro,
        "codigo": codigo,
        "region": region,
        "filas": filas,
        "filas_c2": filas_c2,
        "puede_editar": puede_editar,
        "puede_observar": puede_observar,
        # HTML forms cannot nest: no "observar" forms inside the editable Cuadro I N°2 form.
        "puede_observar_fuera_de_formulario": puede_observar and not puede_editar,
        "form_nueva": forms.FilaCuadro1Form(diagnostico=diagnostico, prefix="nueva"),
    }
    contexto.update(extra)
    return contexto


@login_required
def cuadro(request, pk, region):
    documento, centro, codigo = _cuadro_legible(request, pk, region)
    return render(
        request,
        "diagnostico/cuadro.html",
        _contexto_cuadro(request, documento, centro, codigo, region),
    )


def _volver_al_cuadro(documento, region, ancla=""):
    return redirect(reverse("diagnostico:cuadro", args=[documento.pk, region]) + ancla)


@require_POST
@login_required
def fila_nueva(request, pk, region):
    documento, centro, codigo = _cuadro_editable(request, pk, region)
    diagnostico = Diagnostico.objects.get(documento=documento)
    form = forms.FilaCuadro1Form(request.POST, diagnostico=diagnostico, prefix="nueva")
    if form.is_valid():
        try:
            fila = services.fila_cuadro1_guardar(
                documento=documento, actor=request.user, region=codigo, datos=form.cleaned_data
            )
        except workflow.SinPermiso as exc:
            raise PermissionDenied(str(exc)) from exc
        except workflow.ErrorFlujo as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Fila agregada al Cuadro I N°1.")
            return _volver_al_cuadro(documento, region, f"#fila-c1-{fila.pk}")
    else:
        messages.error(request, "Revise los campos de la nueva fila: no se guardó.")
    contexto = _contexto_cuadro(request, documento, centro, codigo, region, form_nueva=form)
    # htmx swaps only 2xx answers: the form with its errors is shown in place.
    return render(request, "diagnostico/cuadro.html", contexto, status=200 if request.htmx else 400)


def _fila(documento, centro, fila_pk) -> FilaCuadro1:
    return get_object_or_404(
        FilaCuadro1.objects.select_related("diagnostico__documento"),
        pk=fila_pk,
        diagnostico__documento=documento,
        centro=centro,
    )


@login_required
def fila_editar(request, pk, region, fila_pk):
    documento, centro, codigo = _cuadro_editable(request, pk, region)
    fila = _fila(documento, centro, fila_pk)
    diagnostico = fila.diagnostico
    if documento.estado != Documento.Estado.BORRADOR:
        return _fuera_de_borrador(request, documento)
    form = forms.FilaCuadro1Form(
        request.POST or None, instance=fila, diagnostico=diagnostico, prefix=f"f{fila.pk}"
    )
    if request.method == "POST" and form.is_valid():
        try:
            fila = services.fila_cuadro1_guardar(
                documento=documento,
                actor=request.user,
                region=codigo,
                datos=form.cleaned_data,
                fila=fila,
            )
        except workflow.SinPermiso as exc:
            raise PermissionDenied(str(exc)) from exc
        except workflow.ErrorFlujo as exc:
            messages.error(request, str(exc))
            return _volver_al_cuadro(documento, region)
        if request.htmx:
            contexto = _contexto_cuadro(request, documento, centro, codigo, region)
            fila = next(f for f in contexto["filas"] if f.pk == fila.pk)
            return render(request, "diagnostico/_fila_cuadro1.html", {**contexto, "fila": fila})
        messages.success(request, "Fila guardada.")
        return _volver_al_cuadro(documento, region, f"#fila-c1-{fila.pk}")
    contexto = {
        "documento": documento,
        "region": region,
        "codigo": codigo,
        "centro": centro,
        "fila": fila,
        "form": form,
    }
    plantilla = (
        "diagnostico/_fila_cuadro1_form.html" if request.htmx else "diagnostico/fila_editar.html"
    )
    # htmx swaps only 2xx answers: an invalid inline form comes back as 200 to be shown in place.
    invalido = request.method == "POST" and not request.htmx
    return render(request, plantilla, contexto, status=400 if invalido else 200)


@require_POST
@login_required
def fila_eliminar(request, pk, region, fila_pk):
    documento, centro, codigo = _cuadro_editable(request, pk, region)
    fila = _fila(documento, centro, fila_pk)
    try:
        services.fila_cuadro1_eliminar(fila=fila, actor=request.user)
    except workflow.SinPermiso as exc:
        raise PermissionDenied(str(exc)) from exc
    except workflow.ErrorFlujo as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Fila eliminada.")
    return _volver_al_cuadro(documento, region, "#cuadro1")


@require_POST
@login_required
def fila_mover(request, pk, region, fila_pk):
    documento, centro, codigo = _cuadro_editable(request, pk, region)
    fila = _fila(documento, centro, fila_pk)
    try:
        services.fila_cuadro1_mover(
            fila=fila, actor=request.user, arriba=request.POST.get("direccion") == "arriba"
        )
    except workflow.SinPermiso as exc:
        raise PermissionDenied(str(exc)) from exc
    except workflow.ErrorFlujo as exc:
        messages.error(request, str(exc))
    return _volver_al_cuadro(documento, region, f"#fila-c1-{fila.pk}")


@require_POST
@login_required
def cuadro2_guardar(request, pk, region):
    documento, centro, codigo = _cuadro_editable(request, pk, region)
    formularios = forms.cuadro2_formularios({}, request.POST)
    if all(f.is_valid() for _, _, f in formularios):
        try:
            services.cuadro2_guardar(
                documento=documento,
                actor=request.user,
                region=codigo,
                filas={clave: f.cleaned_data for clave, _, f in formularios},
            )
        except workflow.SinPermiso as exc:
            raise PermissionDenied(str(exc)) from exc
        except workflow.ErrorFlujo as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Cuadro I N°2 guardado.")
        return _volver_al_cuadro(documento, region, "#cuadro2")
    contexto = _contexto_cuadro(request, documento, centro, codigo, region, forms_c2=formularios)
    return render(request, "diagnostico/cuadro.html", contexto, status=400)


@require_POST
@login_required
def actualizar(request, pk):
    """Start next year's Diagnóstico as a copy of this visado one."""
    from .actualizacion import diagnostico_actualizar

    documento = acceso.documento_para(request, pk, etapa=Documento.Etapa.DIAGNOSTICO)
    if not permisos.tiene(request.user, "editar_documentos", documento.servicio):
        raise PermissionDenied("Solo el Encargado/a GT inicia la actualización del Diagnóstico.")
    try:
        with transaction.atomic():
            nuevo = diagnostico_actualizar(documento=documento, actor=request.user)
    except workflow.ErrorFlujo as exc:
        messages.error(request, str(exc))
        return redirect("pmggt:documento", pk=documento.pk)
    messages.success(
        request,
        f"Se creó el Diagnóstico {nuevo.ciclo.anio} a partir de la versión visada de "
        f"{documento.ciclo.anio}.",
    )
    return redirect("pmggt:documento", pk=nuevo.pk)
