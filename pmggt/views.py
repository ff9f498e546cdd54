from collections import defaultdict
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from . import (
    acceso,
    calendario,
    consultas,
    devolucion,
    diferencias,
    etapas,
    fragmentos,
    permisos,
    services,
    versiones,
    workflow,
)
from .forms import (
    AccionVersionForm,
    ComentarioForm,
    CrearDocumentoForm,
    ObservacionesFormSet,
    ObservacionRequeridaForm,
    SolicitarModificacionForm,
)
from .linea_tiempo import html_eventos, linea_agrupada, linea_de_tiempo
from .models import Documento, Observacion, Transicion, VersionDocumento
from .widgets import acelerar

Accion = workflow.Accion


def _contexto_documento(request, documento: Documento, **formularios) -> dict:
    """The document page, in a fixed number of queries whatever the size of the document:
    its content is built once (``versiones.contenido_vigente``), transitions, observaciones
    and versions are read once each, and the observación field pickers load on demand."""
    usuario = request.user
    definicion = etapas.de(documento.etapa)
    # Review comments are the Servicio's and SUBDERE's business, not a GORE's.
    internos = acceso.es_lector_interno(usuario, documento)
    observaciones = (
        _OBSERVACIONES.lista(documento=documento.pk, version=documento.version_actual)
        if internos
        else []
    )
    abiertas_por_campo = defaultdict(list)
    for obs in observaciones:
        obs.documento = documento  # no query per observación for its document
        if not obs.resuelta:
            abiertas_por_campo[obs.campo].append(obs)
    acciones = workflow.acciones_disponibles(documento, usuario)
    contenido = definicion.contexto(documento, abiertas_por_campo, usuario)
    etiquetas = {
        clave: etiqueta
        for clave, etiqueta, _ in definicion.aplanar(versiones.contenido_vigente(documento))
    }
    for obs in observaciones:
        obs.destino = etiquetas.get(obs.campo, obs.campo or "El documento en general")
        obs.puede_resolver = workflow.puede_resolver(obs, usuario)
    # Each observación's HTML, built once: in its place (open ones) and in the full list.
    fragmentos.Observaciones(request, documento).preparar(observaciones, con_destino=True)
    lista_versiones, anterior = _versiones_y_anterior(documento)
    transiciones = workflow.transiciones_de(documento)
    # A reviewer who returned a version sees what changed since, once a new one arrives.
    devuelta = next(
        (
            t.version
            for t in reversed(transiciones)
            if t.accion == Accion.DEVOLVER and t.actor_id == usuario.pk
        ),
        None,
    )
    puede_observar = workflow.puede_observar(documento, usuario)
    revision = _revision_y_envio(
        request, documento, definicion, acciones, transiciones, observaciones, etiquetas
    )
    url_campos = reverse("pmggt:documento_campos", args=[documento.pk])
    # Forms coming back with errors keep every choice; fresh ones carry the general one only.
    # Only the forms of this user's actions are drawn: the others are not built.
    form_observar = formularios.pop("form_observar", None)
    formset_devolver = formularios.pop("formset_devolver", None)
    elegidos = [services.CAMPO_GENERAL]
    if formset_devolver is None and Accion.DEVOLVER in acciones:
        formset_devolver = ObservacionesFormSet(
            prefix="obs", form_kwargs={"campos": elegidos, "url_campos": url_campos}
        )
    if form_observar is None and puede_observar:
        form_observar = ObservacionRequeridaForm(
            prefix="observar", campos=elegidos, url_campos=url_campos
        )
    version = {"version": documento.version_actual}
    formas = {
        "form_enviar": ComentarioForm(prefix="enviar") if Accion.ENVIAR in acciones else None,
        "form_aprobar": AccionVersionForm(prefix="aprobar", initial=version)
        if Accion.APROBAR in acciones
        else None,
        "form_visar": AccionVersionForm(prefix="visar", initial=version)
        if Accion.VISAR in acciones
        else None,
        "form_devolver": AccionVersionForm(prefix="devolver", initial=version)
        if Accion.DEVOLVER in acciones
        else None,
        "formset_devolver": formset_devolver,
        "form_modificacion": SolicitarModificacionForm(prefix="modificacion")
        if Accion.SOLICITAR_MODIFICACION in acciones
        else None,
        "form_observar": form_observar,
        **formularios,
    }
    for form in formas.values():
        if form is not None:
            for f in getattr(form, "forms", [form]):  # a formset: each of its forms
                acelerar(f)  # widgets drawn in Python (pmggt.widgets)
    contexto = {
        "documento": documento,
        # Only while it waits for this reviewer again.
        "version_devuelta": devuelta
        if devuelta and devuelta < documento.version_actual and acciones
        else None,
        "anterior_visado": anterior,
        "plazo": calendario.plazo_de(documento),
        "contenido": contenido,
        "plantilla_contenido": definicion.plantilla,
        "acciones": acciones,
        "puede_editar": workflow.puede_editar(documento, usuario),
        "puede_observar": puede_observar,
        "observaciones": observaciones,
        # The full list, each with what it is about (pmggt.fragmentos), drawn at once.
        "lista_observaciones": mark_safe("".join(o.html_con_destino for o in observaciones)),
        "observaciones_generales": abiertas_por_campo.get("", []),
        "linea_tiempo": html_eventos(linea_agrupada(documento, transiciones, observaciones)),
        "con_ediciones": definicion.historiales is not None,
        "versiones": lista_versiones,
        "version_vigente": next(
            (v for v in lista_versiones if v.numero == documento.version_actual), None
        ),
        **revision,
        **formas,
    }
    return contexto


GRUPO_SERVICIO = "Del Servicio"
ABIERTOS_HASTA = 8  # a checklist this short shows every group unfolded


def _arrastrada_en_la_version(documento_id, version) -> dict:
    """Annotations ``arrastrada_aprobar`` / ``arrastrada_visar``: whether the approval or the
    V°B° of the current version carried the observación (``Transicion.arrastradas``), read
    with the observaciones themselves."""
    enlaces = Transicion.arrastradas.through.objects.filter(
        observacion_id=OuterRef("pk"),
        transicion__documento_id=documento_id,
        transicion__version=version,
    )
    return {
        f"arrastrada_{accion}": Exists(enlaces.filter(transicion__accion=accion))
        for accion in (Accion.APROBAR, Accion.VISAR)
    }


def _observaciones(documento, version):
    """The document page's observaciones, oldest first, with their authors and whether the
    current version's approval / V°B° carried them (same query)."""
    return (
        Observacion.objects.filter(documento_id=documento)
        .select_related("autor", "resuelta_por")
        .annotate(**_arrastrada_en_la_version(documento, version))
        .order_by("creada_en", "pk")
    )


_OBSERVACIONES = consultas.Compilada(_observaciones, ids=("documento", "version"))


def _revision_y_envio(
    request, documento, definicion, acciones, transiciones, observaciones, etiquetas
) -> dict:
    """What the page says about the review, from what it read already (no query): the
    returned-document banner
    (``devolucion.aviso``); the checklist before Enviar (``EtapaDef.lista_envio`` over the
    content built once, grouped by region, plus the open observaciones that block too); the
    open observaciones an approval or a V°B° would carry, and those the current version's
    approval and V°B° carried (``Transicion.arrastradas``)."""
    abiertas = [o for o in observaciones if not o.resuelta]
    pendientes = []
    if Accion.ENVIAR in acciones:
        if definicion.lista_envio is not None:
            pendientes = list(
                definicion.lista_envio(documento, versiones.contenido_vigente(documento))
            )
        if abiertas:
            n = len(abiertas)
            pendientes.append(
                etapas.Pendiente(
                    f"Quedan {n} observación(es) sin resolver: márquelas como resueltas "
                    "antes de enviar.",
                    True,
                    "#t-observaciones",
                )
            )
    grupos = {}
    for p in pendientes:
        titulo = f"Región {p.region}" if p.region else GRUPO_SERVICIO
        grupo = grupos.setdefault(titulo, SimpleNamespace(titulo=titulo, items=[]))
        grupo.items.append(p)
    for grupo in grupos.values():
        grupo.bloquean = sum(1 for p in grupo.items if p.bloquea)
        grupo.avisos = len(grupo.items) - grupo.bloquean
        # What blocks is in view; a long list of warnings stays folded per region.
        grupo.abierto = bool(grupo.bloquean) or len(pendientes) <= ABIERTOS_HASTA
    arrastradas = [
        (t, [o for o in observaciones if getattr(o, f"arrastrada_{t.accion}", False)])
        for t in transiciones
        if t.version == documento.version_actual and getattr(t, "n_arrastradas", 0)
    ]
    return {
        "aviso": devolucion.aviso(
            request,
            documento,
            transiciones=transiciones,
            observaciones=observaciones,
            etiquetas=etiquetas,
        ),
        "grupos_envio": list(grupos.values()),
        "bloquea_envio": sum(1 for p in pendientes if p.bloquea),
        "avisos_envio": sum(1 for p in pendientes if not p.bloquea),
        "abiertas": abiertas,
        "arrastradas": arrastradas,
    }


@login_required
def documento_campos(request, pk):
    """The <option>s of the observación field pickers (loaded on demand by the document page)."""
    doc = acceso.documento_para(request, pk)
    if not workflow.puede_observar(doc, request.user):
        raise PermissionDenied("Solo quien revisa el documento puede observarlo.")
    return render(
        request,
        "pmggt/_opciones_campos.html",
        {
            "campos": services.campos_observables(doc),
            "seleccionado": request.GET.get("seleccionado", ""),
        },
    )


@login_required
def documento_ediciones(request, pk):
    """Every edit of the content, who and when (the document page lists the transitions and
    observaciones; the edits, read from the content's history, come on demand)."""
    doc = acceso.documento_para(request, pk)
    if not acceso.lectura_de(request.user, doc).interna:
        raise PermissionDenied("La línea de tiempo es del Servicio y de SUBDERE.")
    eventos = list(reversed(linea_de_tiempo(doc, [], [], con_ediciones=True)))
    pagina = Paginator(eventos, EDICIONES_POR_PAGINA).get_page(request.GET.get("pagina"))
    plantilla = (
        "pmggt/_ediciones.html" if request.headers.get("HX-Request") else "pmggt/ediciones.html"
    )
    return render(request, plantilla, {"documento": doc, "pagina": pagina})


EDICIONES_POR_PAGINA = 50


@login_required
def documento(request, pk):
    doc = acceso.documento_para(request, pk)
    lectura = acceso.lectura_de(request.user, doc)
    if not lectura.interna:
        return render(
            request, "pmggt/documento_publico.html", _contexto_publico(request, doc, lectura)
        )
    return render(request, "pmggt/documento.html", _contexto_documento(request, doc))


def _contexto_publico(request, documento: Documento, lectura) -> dict:
    """The document as a reader outside the Servicio sees it: the visado record of its regions,
    with no observaciones, comments, drafts or timeline (``acceso.lectura_de``)."""
    definicion = etapas.de(documento.etapa)
    version = lectura.version
    contenido = versiones.recortar(version.contenido, documento, request.user)
    visacion = (
        Transicion.objects.filter(documento=documento, accion=Accion.VISAR, version=version.numero)
        .select_related("actor")
        .order_by("-fecha")
        .first()
    )
    regiones = sorted(r for r in lectura.regiones if r)
    descargas = []
    for informe in definicion.informes:
        if informe.solo_servicio or informe.regiones is None:
            continue
        url = reverse("pmggt:informe", args=[documento.pk, informe.nombre])
        if regiones:
            descargas += [(f"{informe.titulo} · región {r}", f"{url}?region={r}") for r in regiones]
        else:
            descargas.append((informe.titulo, url))
    return {
        "documento": documento,
        "version": version,
        "visacion": visacion,
        "en_modificacion": documento.version_actual != version.numero
        or documento.estado != Documento.Estado.VISADO,
        "contenido": contenido,
        "plantilla_publica": definicion.plantilla_publica,
        "filas": definicion.aplanar(contenido),
        "regiones_texto": ", ".join(f"región {r}" for r in regiones),
        "descargas": descargas,
        "versiones_visadas": sorted(lectura.versiones),
    }


@require_POST
@login_required
def documento_accion(request, pk, accion):
    doc = acceso.documento_para(request, pk)
    if accion not in workflow.EJECUTORES:
        raise Http404("Acción desconocida.")
    if accion not in workflow.acciones_disponibles(doc, request.user):
        reglas = workflow.REGLAS[accion]
        if not any(permisos.tiene(request.user, r.permiso, doc.servicio) for r in reglas):
            # A former (or future) subrogante learns why: «Su subrogancia de … terminó el …».
            motivo = next(
                filter(None, (workflow.motivo_subrogancia(request.user, r, doc) for r in reglas)),
                None,
            )
            raise PermissionDenied(motivo or "No tiene permiso para esta acción.")
    usuario = request.user
    kwargs = {"documento": doc, "actor": usuario}
    if accion == Accion.ENVIAR:
        form = ComentarioForm(request.POST, prefix="enviar")
        nombre_form, extra = "form_enviar", {}
    elif accion in (Accion.APROBAR, Accion.VISAR):
        form = AccionVersionForm(request.POST, prefix=accion)
        nombre_form, extra = f"form_{accion}", {}
    elif accion == Accion.DEVOLVER:
        form = AccionVersionForm(request.POST, prefix="devolver")
        campos = services.campos_observables(doc)
        formset = ObservacionesFormSet(
            request.POST,
            prefix="obs",
            form_kwargs={
                "campos": campos,
                "url_campos": reverse("pmggt:documento_campos", args=[doc.pk]),
            },
        )
        nombre_form, extra = "form_devolver", {"formset_devolver": formset}
    else:
        form = SolicitarModificacionForm(request.POST, prefix="modificacion")
        nombre_form, extra = "form_modificacion", {}
    validos = form.is_valid() and all(f.is_valid() for f in extra.values())
    if validos:
        kwargs["comentario"] = form.cleaned_data.get("comentario", "")
        if "version" in form.cleaned_data:
            kwargs["version"] = form.cleaned_data["version"]
        if accion == Accion.DEVOLVER:
            kwargs["observaciones"] = [
                {"texto": f.cleaned_data.get("texto", ""), "campo": f.cleaned_data.get("campo", "")}
                for f in extra["formset_devolver"].forms
            ]
        try:
            transicion = workflow.EJECUTORES[accion](**kwargs)
        except workflow.SinPermiso as exc:
            raise PermissionDenied(str(exc)) from exc
        except workflow.ErrorFlujo as exc:
            from .seguridad import registrar

            registrar("transicion_rechazada", request, f"{accion}: {exc}")
            messages.error(request, str(exc))
            if accion in (Accion.DEVOLVER, Accion.SOLICITAR_MODIFICACION):
                return render(
                    request,
                    "pmggt/documento.html",
                    _contexto_documento(request, doc, **{nombre_form: form}, **extra),
                    status=400,
                )
            return redirect("pmggt:documento", pk=doc.pk)
        messages.success(
            request,
            f"{transicion.get_accion_display()}: el documento quedó "
            f"«{transicion.get_estado_destino_display()}».",
        )
        return redirect("pmggt:documento", pk=doc.pk)
    messages.error(request, "Revise los datos del formulario.")
    return render(
        request,
        "pmggt/documento.html",
        _contexto_documento(request, doc, **{nombre_form: form}, **extra),
        status=400,
    )


@require_POST
@login_required
def observacion_crear(request, pk):
    doc = acceso.documento_para(request, pk)
    if not workflow.puede_observar(doc, request.user):
        raise PermissionDenied(
            "Solo el Experto/a SUBDERE asignado, o el Jefe/a durante su revisión, puede observar."
        )
    form = ObservacionRequeridaForm(
        request.POST,
        prefix="observar",
        campos=services.campos_observables(doc),
        url_campos=reverse("pmggt:documento_campos", args=[doc.pk]),
    )
    if form.is_valid():
        try:
            services.observacion_crear(
                documento=doc,
                autor=request.user,
                texto=form.cleaned_data["texto"],
                campo=form.cleaned_data["campo"],
            )
        except workflow.ErrorFlujo as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Observación registrada.")
            return _volver(request, doc)
    return render(
        request,
        "pmggt/documento.html",
        _contexto_documento(request, doc, form_observar=form),
        status=400,
    )


@require_POST
@login_required
def observacion_resolver(request, pk):
    obs = get_object_or_404(Observacion.objects.select_related("documento"), pk=pk)
    doc = acceso.documento_para(request, obs.documento_id)
    if not acceso.es_lector_interno(request.user, doc):
        raise PermissionDenied("No le corresponde resolver esta observación.")
    if obs.resuelta:
        # A second click, or another person was first: refused, and nothing changes.
        quien = obs.resuelta_por.get_full_name() or obs.resuelta_por.username
        messages.error(request, f"La observación ya estaba resuelta (por {quien}).")
        return render(
            request, "pmggt/documento.html", _contexto_documento(request, doc), status=409
        )
    if not workflow.puede_resolver(obs, request.user):
        raise PermissionDenied("No le corresponde resolver esta observación.")
    try:
        services.observacion_resolver(observacion=obs, actor=request.user)
    except workflow.ErrorFlujo as exc:
        messages.error(request, str(exc))
        return render(
            request, "pmggt/documento.html", _contexto_documento(request, doc), status=409
        )
    messages.success(request, "Observación marcada como resuelta.")
    return _volver(request, doc)


def _volver(request, doc):
    """Back to the page the form was on (same site only), else the document page."""
    siguiente = request.POST.get("siguiente", "")
    if siguiente and url_has_allowed_host_and_scheme(
        siguiente, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(siguiente)
    return redirect("pmggt:documento", pk=doc.pk)


@require_POST
@login_required
def documento_crear(request):
    form = CrearDocumentoForm(request.POST)
    servicio = form.servicio_elegido()
    if servicio is None or permisos.nivel_acceso_servicio(request.user, servicio) is None:
        raise Http404("Servicio no encontrado.")
    if not permisos.tiene(request.user, "editar_documentos", servicio):
        raise PermissionDenied("Solo el Encargado/a GT del Servicio puede crear sus documentos.")
    if not form.is_valid():
        errores = " ".join(str(e) for lista in form.errors.values() for e in lista)
        messages.error(request, f"No se pudo crear el documento: {errores}")
        return redirect("pmggt:mis_pendientes")
    try:
        doc = services.documento_crear(actor=request.user, **form.cleaned_data)
    except workflow.ErrorFlujo as exc:
        messages.error(request, str(exc))
        return redirect("pmggt:mis_pendientes")
    messages.success(request, f"Se creó {doc.titulo} de {doc.servicio.sigla}.")
    return redirect("pmggt:documento", pk=doc.pk)


def _q_anterior_visado(documento) -> Q:
    return _q_anterior(documento.servicio_id, documento.etapa, documento.ciclo.anio)


def _q_anterior(servicio, etapa, anio) -> Q:
    return Q(
        documento__servicio_id=servicio,
        documento__etapa=etapa,
        documento__ciclo__anio__lt=anio,
        documento__version_visada=F("numero"),
    )


def _versiones(documento, servicio, etapa, anio):
    return (
        VersionDocumento.objects.filter(
            Q(documento_id=documento) | _q_anterior(servicio, etapa, anio)
        )
        # Both sides are of this Servicio and stage: said outside the OR too, so the database
        # reads only the Servicio's documents (an index) instead of every version.
        .filter(documento__servicio_id=servicio, documento__etapa=etapa)
        .order_by("documento__ciclo__anio", "numero")
        .values_list(
            "documento_id",
            "numero",
            "sha256",
            "creada_en",
            "documento__ciclo__anio",
            "creada_por__first_name",
            "creada_por__last_name",
            "creada_por__username",
        )
    )


_VERSIONES = consultas.Compilada(_versiones, ids=("documento", "servicio", "etapa", "anio"))


def _versiones_y_anterior(documento):
    """The document's versions (oldest first) and the visado version of the same Servicio and
    stage in the latest previous Ciclo, in one query: what the page shows of each (its number,
    SHA-256, date, author's name and Ciclo), not the model instances."""
    filas = _VERSIONES.lista(
        documento=documento.pk,
        servicio=documento.servicio_id,
        etapa=documento.etapa,
        anio=documento.ciclo.anio,
    )
    url = fragmentos.UrlRepetida("pmggt:documento_version", documento.pk)
    propias, previas = [], []
    for documento_id, numero, sha256, creada_en, anio, nombre, apellido, usuario in filas:
        version = SimpleNamespace(
            url=url(numero),  # of its page, for the document's own versions
            numero=numero,
            sha256=sha256,
            creada_en=creada_en,
            anio=anio,
            # User.get_full_name(), else the username.
            autor=f"{nombre} {apellido}".strip() or usuario,
        )
        (propias if documento_id == documento.pk else previas).append(version)
    return propias, (previas[-1] if previas else None)


def _anterior_visado(documento, *, con_contenido=False):
    """The visado version of the same Servicio and stage in the latest previous Ciclo (one
    query)."""
    versiones_previas = (
        VersionDocumento.objects.filter(_q_anterior_visado(documento))
        .select_related("documento__ciclo")
        .order_by("-documento__ciclo__anio")
    )
    if not con_contenido:
        versiones_previas = versiones_previas.defer("contenido")
    return versiones_previas.first()


def _contenido_de(documento, referencia: str, definicion, usuario):
    """Flattened content of a version number, the current draft ('actual'), or 'anterior'."""
    if referencia == "actual":
        titulo, contenido = "Contenido actual", definicion.contenido(documento)
    elif referencia == "anterior":
        previa = _anterior_visado(documento, con_contenido=True)
        if previa is None:
            raise Http404("No hay una versión visada del ciclo anterior.")
        titulo = f"Versión visada de {previa.documento.ciclo.anio}"
        contenido = previa.contenido
    else:
        try:
            numero = int(referencia)
        except (TypeError, ValueError) as exc:
            raise Http404("Versión no válida.") from exc
        version = get_object_or_404(VersionDocumento, documento=documento, numero=numero)
        titulo, contenido = f"Versión {numero}", version.contenido
    return titulo, definicion.aplanar(versiones.recortar(contenido, documento, usuario))


def _por_etiqueta(filas):
    """Re-key rows by their label: row ids differ between two years' documents."""
    vistas = {}
    resultado = []
    for _clave, etiqueta, texto in filas:
        n = vistas[etiqueta] = vistas.get(etiqueta, 0) + 1
        resultado.append((f"{etiqueta}#{n}", etiqueta, texto))
    return resultado


def _aviso_sin_versiones(numeros, interna: bool) -> str:
    """What the comparison page says when the document has fewer than two versions to compare
    (and what to do about it)."""
    if not numeros:
        texto = (
            "Aún no hay dos versiones que comparar: este documento todavía no tiene ninguna "
            "versión. Cada vez que el Encargado/a GT lo envía al Jefe/a de Servicio se guarda "
            "una versión; desde la primera podrá ver aquí qué cambió en el contenido actual, y "
            "desde la segunda, qué cambió de una versión a otra."
        )
    elif interna:
        texto = (
            f"Aún no hay dos versiones que comparar: la versión {numeros[0]} es la única "
            "guardada. Abajo se compara con el contenido actual (lo editado desde que se "
            "envió). Cuando el documento se envíe de nuevo, podrá comparar las dos versiones."
        )
    else:
        texto = (
            f"Aún no hay dos versiones visadas que comparar: la versión {numeros[0]} es la única "
            "visada. Cuando el Servicio obtenga el V°B° de una nueva versión, aquí verá qué "
            "cambió."
        )
    return texto


@login_required
def documento_diferencias(request, pk):
    """Two versions (or the draft, or last year's visado version) compared: only what changed
    by default, counted and with a link to each change; ``?todo=1`` shows every field."""
    doc = acceso.documento_para(request, pk)
    lectura = acceso.lectura_de(request.user, doc)
    definicion = etapas.de(doc.etapa)
    numeros = [
        n for n in doc.versiones.values_list("numero", flat=True) if lectura.puede_ver_version(n)
    ]
    opciones = [(str(n), f"Versión {n}") for n in numeros]
    # The live draft is the Servicio's; a reader outside it gets the visado record instead.
    opciones.append(("actual", "Contenido actual" if lectura.interna else "Versión visada vigente"))
    previa = _anterior_visado(doc)
    if previa is not None:
        opciones.insert(0, ("anterior", f"Versión visada de {previa.documento.ciclo.anio}"))
    ultima = "actual"
    por_defecto_a = (
        str(numeros[-2]) if len(numeros) >= 2 else (str(numeros[0]) if numeros else "actual")
    )
    a = request.GET.get("a", por_defecto_a)
    b = request.GET.get("b", str(numeros[-1]) if len(numeros) >= 2 else ultima)
    validas = {o for o, _ in opciones} | {"anterior"}
    if not lectura.interna and not {a, b} <= validas:
        raise PermissionDenied("Solo puede comparar las versiones visadas del documento.")
    solo_cambios = request.GET.get("todo") != "1"
    contexto = {
        "documento": doc,
        "opciones": opciones,
        "a": a,
        "b": b,
        "solo_cambios": solo_cambios,
        "aviso": "",
        "grupos": None,
    }
    pedido = "a" in request.GET or "b" in request.GET
    if not pedido and len(numeros) < 2:
        contexto["aviso"] = _aviso_sin_versiones(numeros, lectura.interna)
        # Last year's visado version can be compared already (the template links to it).
        contexto["anio_anterior"] = previa.documento.ciclo.anio if previa is not None else None
        # With no version, or one visado version (the reader's "actual" is that same one),
        # there is nothing to put side by side.
        if not numeros or not lectura.interna:
            return render(request, "pmggt/documento_diferencias.html", contexto)
    if not lectura.interna:
        vigente = str(lectura.version.numero)
        a, b = (vigente if r == "actual" else r for r in (a, b))
    titulo_a, filas_a = _contenido_de(doc, a, definicion, request.user)
    titulo_b, filas_b = _contenido_de(doc, b, definicion, request.user)
    if "anterior" in (a, b):
        filas_a, filas_b = _por_etiqueta(filas_a), _por_etiqueta(filas_b)
    filas = diferencias.comparar(filas_a, filas_b)
    contexto.update(
        titulo_a=titulo_a,
        titulo_b=titulo_b,
        resumen=diferencias.resumir(filas),
        grupos=diferencias.agrupar(filas, solo_cambios=solo_cambios),
    )
    return render(request, "pmggt/documento_diferencias.html", contexto)


@login_required
def documento_version(request, pk, numero):
    doc = acceso.documento_para(request, pk)
    version = get_object_or_404(
        VersionDocumento.objects.select_related("creada_por"), documento=doc, numero=numero
    )
    if not acceso.lectura_de(request.user, doc).puede_ver_version(version.numero):
        raise PermissionDenied(
            "Esta versión no fue visada: solo se consultan las versiones visadas."
        )
    definicion = etapas.de(doc.etapa)
    filas = definicion.aplanar(versiones.recortar(version.contenido, doc, request.user))
    return render(
        request,
        "pmggt/documento_version.html",
        {
            "documento": doc,
            "version": version,
            "filas": filas,
            "arrastradas": _arrastradas_de_version(request, doc, version.numero, filas),
        },
    )


def _arrastradas_de_version(request, documento, numero, filas) -> list:
    """[(transición, [observaciones])]: the open observaciones the approval and the V°B° of
    this version carried, for readers who see observaciones (never a GORE); one query."""
    if not acceso.es_lector_interno(request.user, documento):
        return []
    etiquetas = {clave: etiqueta for clave, etiqueta, _ in filas}
    enlaces = (
        Transicion.arrastradas.through.objects.filter(
            transicion__documento_id=documento.pk, transicion__version=numero
        )
        .select_related("transicion__actor", "observacion__autor", "observacion__resuelta_por")
        .order_by("transicion__fecha", "transicion_id", "observacion__creada_en", "observacion_id")
    )
    por_transicion = {}
    for enlace in enlaces:
        obs = enlace.observacion
        obs.destino = etiquetas.get(obs.campo, obs.campo or devolucion.GENERAL)
        por_transicion.setdefault(enlace.transicion_id, (enlace.transicion, []))[1].append(obs)
    return list(por_transicion.values())
