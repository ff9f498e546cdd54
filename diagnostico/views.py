"""Etapa I pages: sections of the Diagnóstico and each region's Cuadros I N°1 and N°2."""

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import DateTimeField, OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from pmggt import acceso, concurrencia, fragmentos, permisos, workflow
from pmggt.models import Documento, Observacion
from pmggt.widgets import acelerar

from . import contenido as contenido_mod
from . import forms, services
from .contenido import CAMPOS_CUADRO1, CAMPOS_CUADRO2, ETIQUETAS_CUADRO1, ETIQUETAS_CUADRO2
from .models import Diagnostico, FilaCuadro1, FilaCuadro2, lista_causales


def diagnostico_de(documento) -> Diagnostico:
    """The document's Diagnóstico: no query when ``pmggt.acceso`` joined it to the document."""
    return documento.diagnostico


def _seccion_editable(request, pk) -> Diagnostico:
    """A Servicio-level section: only the Encargado/a GT edits it, in Borrador."""
    documento = acceso.documento_para(request, pk, etapa=Documento.Etapa.DIAGNOSTICO)
    if not permisos.tiene(request.user, "editar_documentos", documento.servicio):
        raise PermissionDenied("Solo el Encargado/a GT edita esta sección.")
    return diagnostico_de(documento)


def _fuera_de_borrador(request, documento):
    messages.error(
        request,
        f"El documento está «{documento.get_estado_display()}»: solo se edita en Borrador.",
    )
    return redirect("pmggt:documento", pk=documento.pk)


def _huella_enviada(request) -> str | None:
    return request.POST.get(concurrencia.CAMPO) if request.method == "POST" else None


def _editar_seccion(request, pk, titulo, plantilla, construir, guardar_todo, seccion):
    """Shared flow of the section pages: build forms, validate all, save all or nothing.

    A save from a stale state (someone saved the section since the form was drawn) is refused
    and the form comes back with the user's text, what changed, and the new huella."""
    diagnostico = _seccion_editable(request, pk)
    documento = diagnostico.documento
    if not workflow.puede_editar(documento, request.user):
        return _fuera_de_borrador(request, documento)
    datos = request.POST if request.method == "POST" else None
    formularios = construir(diagnostico, datos)
    parte = services.historiales_seccion(seccion)
    huella = _huella_enviada(request)
    cambios = []
    estado = 200
    if request.method == "POST":
        if all(f.is_valid() for f in formularios.values()):
            try:
                services.seccion_guardar(
                    documento=documento,
                    actor=request.user,
                    guardar=lambda: guardar_todo(diagnostico, formularios),
                    seccion=seccion,
                    huella=huella,
                    diagnostico=diagnostico,
                )
            except concurrencia.EdicionConcurrente as exc:
                messages.error(request, str(exc))
                cambios, huella, estado = exc.cambios, None, 409
            except workflow.ErrorFlujo as exc:
                messages.error(request, str(exc))
                return redirect("pmggt:documento", pk=documento.pk)
            else:
                messages.success(request, f"{titulo}: cambios guardados.")
                return redirect("pmggt:documento", pk=documento.pk)
        else:
            messages.error(request, "Revise los campos marcados: no se guardó ningún cambio.")
            estado = 400
    if huella is None:
        huella = concurrencia.huella(parte(diagnostico))
    return render(
        request,
        plantilla,
        {
            "documento": documento,
            "diagnostico": diagnostico,
            "titulo": titulo,
            "huella": huella,
            "cambios": cambios,
            **formularios,
        },
        status=estado,
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
        request,
        pk,
        "Definiciones estratégicas",
        "diagnostico/editar.html",
        construir,
        guardar,
        "definiciones",
    )


@login_required
def productos(request, pk):
    def construir(diagnostico, datos):
        return {"productos": forms.productos_formset(diagnostico, datos)}

    def guardar(diagnostico, f):
        formset = f["productos"]
        formset.save()
        # Padres and orden follow the numbers: only new, deleted or renumbered products move.
        if (
            formset.new_objects
            or formset.deleted_objects
            or any("numero" in campos for _, campos in formset.changed_objects)
        ):
            services.productos_enlazar_padres(diagnostico)

    return _editar_seccion(
        request,
        pk,
        "Productos estratégicos y perspectiva territorial",
        "diagnostico/productos.html",
        construir,
        guardar,
        "productos",
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
        "clientes",
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
        "otros",
    )


# --- Cuadros I N°1 and N°2, one region at a time -------------------------------------------


def _cuadro_legible(request, pk, region):
    return acceso.parte_legible(request, pk, region, etapa=Documento.Etapa.DIAGNOSTICO)


def _cuadro_editable(request, pk, region):
    return acceso.parte_editable(request, pk, region, etapa=Documento.Etapa.DIAGNOSTICO)


# What a cell with no observaciones and no «Observar» form draws (``Observaciones.celda``).
_SIN_OBSERVAR = mark_safe("\n\n")


def _contexto_publico(documento, centro, codigo, region, lectura) -> dict:
    """A region's cuadros as a reader outside the Servicio sees them: the visado version's rows
    of that region, with no observaciones (``pmggt.acceso.lectura_de``)."""
    contenido = contenido_mod.recortar_a(lectura.version.contenido, lectura.regiones)
    nombres = {p["numero"]: p["nombre"] for p in contenido.get("productos") or []}
    propias = [f for f in contenido.get("cuadro1") or [] if f.get("region") == codigo]
    filas = [
        SimpleNamespace(
            pk=f["id"],
            lista_productos=[
                SimpleNamespace(numero=n, nombre=nombres.get(n, "")) for n in f["productos"]
            ],
            producto_texto=f.get("producto_texto", ""),
            # The causal heading once per group of rows with the same causales, as printed.
            causal_etiqueta=encabezado,
            obs_producto=[],
            observar_producto=_SIN_OBSERVAR,
            celdas=[
                (c, ETIQUETAS_CUADRO1[c], f.get(c, ""), [], "", _SIN_OBSERVAR)
                for c in CAMPOS_CUADRO1
            ],
        )
        for f, encabezado in zip(propias, contenido_mod.encabezados_causal(propias), strict=True)
    ]
    cuadro2 = contenido.get("cuadro2") or {}
    filas2 = {f["informacion"]: f for f in cuadro2.get("filas") or [] if f.get("region") == codigo}
    filas_c2 = [
        (
            clave,
            etiqueta,
            [
                (c, ETIQUETAS_CUADRO2[c], filas2.get(clave, {}).get(c, ""), [], "", _SIN_OBSERVAR)
                for c in CAMPOS_CUADRO2
            ],
        )
        for clave, etiqueta in FilaCuadro2.Informacion.choices
    ]
    return {
        "documento": documento,
        "centro": centro,
        "codigo": codigo,
        "region": region,
        "filas": filas,
        "filas_c2": filas_c2,
        "cuadro2_no_pertinente": bool(cuadro2.get("no_pertinente")),
        "cuadro2_motivo": cuadro2.get("motivo", ""),
        "version_publica": lectura.version,
        "puede_editar": False,
        "puede_observar": False,
        "puede_observar_fuera_de_formulario": False,
    }


def _ultima_fecha(historial, **filtros):
    """Subquery: the newest history_date of these history records (a part's huella)."""
    return Subquery(
        historial.filter(**filtros).order_by("-history_date").values("history_date")[:1],
        output_field=DateTimeField(),
    )


def _huella(fecha) -> str:
    return fecha.isoformat() if fecha else ""


def _filas_cuadro1(diagnostico, centro_id, *, con_huella: bool, fila_pk=None) -> list:
    """The region's Cuadro I N°1 rows (and huellas, for editors), each with the number and
    name of its products (``lista_productos``), in two queries."""
    # One region of one Diagnóstico: the model's order (diagnóstico, region, orden, id) is
    # (orden, id), with no join to the region.
    filas = FilaCuadro1.objects.filter(diagnostico=diagnostico, centro_id=centro_id).order_by(
        "orden", "pk"
    )
    if fila_pk is not None:
        filas = filas.filter(pk=fila_pk)
    if con_huella:
        # The huella of each row's edits and deletes, in the same query.
        filas = filas.annotate(
            ultima=_ultima_fecha(
                FilaCuadro1.history,
                id=OuterRef("pk"),
                diagnostico_id=OuterRef("diagnostico_id"),
            )
        )
    filas = list(filas)
    productos = {fila.pk: [] for fila in filas}
    if filas:
        # The products' own order (diagnóstico, orden, id), as ``fila.productos.all()``.
        enlaces = (
            FilaCuadro1.productos.through.objects.filter(filacuadro1_id__in=list(productos))
            .order_by(
                "productoestrategico__diagnostico_id",
                "productoestrategico__orden",
                "productoestrategico_id",
            )
            .values_list(
                "filacuadro1_id", "productoestrategico__numero", "productoestrategico__nombre"
            )
        )
        for fila_id, numero, nombre in enlaces:
            productos[fila_id].append(SimpleNamespace(numero=numero, nombre=nombre))
    for fila in filas:
        fila.lista_productos = productos[fila.pk]
    return filas


def _observaciones_de(request, documento, claves, filas_por_tabla, html) -> dict:
    """{clave: open observaciones on it} of these cells, each knowing if the user resolves it
    and with its HTML (``html``: the page's ``pmggt.fragmentos.Observaciones``).

    ``filas_por_tabla``: the Centro of the rows these cells are in ({("c1" | "c2", pk): id}),
    so that deciding who resolves them takes no query per observación."""
    contenido_mod.recordar_filas(documento, filas_por_tabla)
    observaciones = {}
    if not claves:
        return observaciones
    for obs in Observacion.objects.filter(
        documento=documento, resuelta=False, campo__in=sorted(claves)
    ).select_related("autor"):
        obs.documento = documento  # the rule needs it: no fetch per observación
        obs.puede_resolver = workflow.puede_resolver(obs, request.user)
        observaciones.setdefault(obs.campo, []).append(obs)
    html.preparar([obs for lista in observaciones.values() for obs in lista])
    return observaciones


def _preparar_filas(
    filas, observaciones, html, puede_observar, productos=None, *, editar_en=None, encabezados=None
) -> None:
    """Each row's cells with their observaciones (and the HTML of them and of the «Observar»
    form: ``html.celda``; column (1) too when it has the Servicio's text), its products
    (``productos``: {pk: list}, else ``lista_productos`` from ``_filas_cuadro1``), its causal
    heading (``encabezados``: one per row, ``contenido.encabezados_causal``: on the first row of
    each group of rows with the same causales only), its huella (annotated as ``ultima``, if
    the user edits it) and, for its editors (``editar_en``: (documento, region code in the
    URL)), the URLs of its actions."""
    if encabezados is None:
        encabezados = contenido_mod.encabezados_causal(
            [{"causales": f.lista_causales} for f in filas]
        )
    if editar_en is not None:
        urls = {
            nombre: fragmentos.UrlRepetida(f"diagnostico:fila_{nombre}", *editar_en)
            for nombre in ("editar", "mover", "eliminar")
        }
    for fila in filas:
        if editar_en is not None:
            fila.url_editar = urls["editar"](fila.pk)
            fila.url_mover = urls["mover"](fila.pk)
            fila.url_eliminar = urls["eliminar"](fila.pk)
        fila.huella = _huella(getattr(fila, "ultima", None))
        if productos is not None:
            fila.lista_productos = productos[fila.pk]
        fila.celdas = []
        for c in CAMPOS_CUADRO1:
            clave = f"c1:{fila.pk}:{c}"
            de_la_celda = observaciones.get(clave, [])
            fila.celdas.append(
                (
                    c,
                    ETIQUETAS_CUADRO1[c],
                    getattr(fila, c),
                    de_la_celda,
                    clave,
                    html.celda(de_la_celda, clave, puede_observar),
                )
            )
        clave = f"c1:{fila.pk}:producto"
        fila.obs_producto = observaciones.get(clave, [])
        # Column (1) is observed when it has text (``aplanar`` names that cell then).
        fila.observar_producto = html.celda(
            fila.obs_producto, clave, puede_observar and bool(fila.producto_texto)
        )
    for fila, encabezado in zip(filas, encabezados, strict=True):
        fila.causal_etiqueta = encabezado


def _hx_cuadro1():
    """The htmx attributes of Cuadro I N°1's forms, drawn once for all its rows."""
    return render_to_string("diagnostico/_hx_cuadro1.html")


def _nombre_region(region) -> str:
    """What the navigation calls a region: its short name ("Tarapacá"), or its full name when
    the short one is only its code."""
    if region.nombre_corto and region.nombre_corto != region.codigo:
        return region.nombre_corto
    return region.nombre


def _navegacion_regiones(request, documento, centro, lectura) -> dict:
    """The «Región anterior / siguiente» links of a cuadro page: the regions this reader may
    read (``lectura``: ``pmggt.acceso.lectura_de``; a GORE only its own), north to south, and
    which of them she fills herself (an Encargada de Centro: her Centro's). No query: the
    Centros were read with the region of the URL (``acceso.centros_del_servicio``) and the
    grants once per request. A Servicio without Centros has one part: no neighbours."""
    legibles = None if lectura is None or lectura.interna else lectura.regiones
    centros = sorted(
        (
            c
            for c in acceso.centros_del_servicio(documento)
            if legibles is None or c.region.codigo in legibles
        ),
        key=lambda c: (c.region.orden, c.pk),
    )
    editables = acceso.centros_editables(request.user, documento, en_cualquier_estado=True)
    # The Encargado/a GT edits every region: none is "hers" more than another.
    propias = set() if None in editables else editables
    url = fragmentos.UrlRepetida("diagnostico:cuadro", documento.pk)
    regiones = [
        SimpleNamespace(
            codigo=c.region.codigo,
            nombre=_nombre_region(c.region),
            centro=c.nombre,
            url=url(c.region.codigo),
            propia=c.pk in propias,
            actual=centro is not None and c.pk == centro.pk,
        )
        for c in centros
    ]
    posicion = next((i for i, r in enumerate(regiones) if r.actual), None)
    anterior = siguiente = None
    if posicion is not None:
        anterior = regiones[posicion - 1] if posicion > 0 else None
        siguiente = regiones[posicion + 1] if posicion + 1 < len(regiones) else None
    return {
        "regiones_nav": regiones,
        "region_anterior": anterior,
        "region_siguiente": siguiente,
        "region_propia": next((r for r in regiones if r.propia), None),
    }


def _contexto_cuadro(request, documento, centro, codigo, region, **extra):
    """A region's cuadros, in the same number of queries whatever its rows and observaciones."""
    lectura = acceso.lectura_de(request.user, documento)
    navegacion = _navegacion_regiones(request, documento, centro, lectura)
    if not lectura.interna:
        return {**_contexto_publico(documento, centro, codigo, region, lectura), **navegacion}
    centro_id = centro.pk if centro else None
    puede_editar = centro_id in contenido_mod.editables_de(documento, request.user)
    diagnostico = diagnostico_de(documento)
    filas = _filas_cuadro1(diagnostico, centro_id, con_huella=puede_editar)
    filas2 = {  # keyed by type of information: no order (and no join to the region) needed
        f.informacion: f
        for f in FilaCuadro2.objects.filter(diagnostico=diagnostico, centro_id=centro_id).order_by()
    }
    claves = {f"c1:{f.pk}:{c}" for f in filas for c in ("producto", *CAMPOS_CUADRO1)}
    claves |= {f"c2:{f.pk}:{c}" for f in filas2.values() for c in CAMPOS_CUADRO2}
    de_la_region = {("c1", f.pk): centro_id for f in filas}
    de_la_region |= {("c2", f.pk): centro_id for f in filas2.values()}
    html = fragmentos.Observaciones(request, documento)
    observaciones = _observaciones_de(request, documento, claves, de_la_region, html)
    puede_observar = workflow.puede_observar(documento, request.user)
    # HTML forms cannot nest: no "observar" forms inside the editable Cuadro I N°2 form.
    observar_c2 = puede_observar and not puede_editar
    _preparar_filas(
        filas,
        observaciones,
        html,
        puede_observar,
        editar_en=(documento.pk, region) if puede_editar else None,
    )
    formularios_c2 = {}
    if puede_editar:
        formularios_c2 = {
            clave: form
            for clave, _, form in extra.pop("forms_c2", None) or forms.cuadro2_formularios(filas2)
        }
        for form in formularios_c2.values():
            acelerar(form)
    filas_c2 = []
    for clave, etiqueta in FilaCuadro2.Informacion.choices:
        fila = filas2.get(clave)
        celdas = []
        for c in CAMPOS_CUADRO2:
            clave_celda = f"c2:{fila.pk}:{c}" if fila else ""
            de_la_celda = observaciones.get(clave_celda, []) if fila else []
            celdas.append(
                (
                    c,
                    ETIQUETAS_CUADRO2[c],
                    getattr(fila, c) if fila else "",
                    de_la_celda,
                    clave_celda,
                    html.celda(de_la_celda, clave_celda, observar_c2),
                )
            )
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
        # The huella of this region's Cuadro I N°2, for its editors' form.
        "huella_cuadro2": extra.pop("huella_cuadro2", None)
        or (
            concurrencia.huella(services.historiales_cuadro2(centro_id)(diagnostico))
            if puede_editar
            else ""
        ),
        "cuadro2_no_pertinente": diagnostico.cuadro2_no_pertinente,
        "cuadro2_motivo": diagnostico.cuadro2_motivo,
        "puede_editar": puede_editar,
        "puede_observar": puede_observar,
        "puede_observar_fuera_de_formulario": observar_c2,
        **navegacion,
        "hx_cuadro1": _hx_cuadro1() if puede_editar else "",
        "form_nueva": extra.pop("form_nueva", None)
        or (
            forms.FilaCuadro1Form(diagnostico=diagnostico, prefix="nueva") if puede_editar else None
        ),
    }
    if contexto["form_nueva"] is not None:
        acelerar(contexto["form_nueva"])
    contexto.update(extra)
    return contexto


def _contexto_fila(request, documento, centro, codigo, region, fila, productos) -> dict:
    """A row just saved, as the cuadro page draws it (an htmx answer): ``fila`` is the saved
    instance and ``productos`` its products, so only its huella and observaciones are read."""
    centro_id = centro.pk if centro else None
    puede_editar = centro_id in contenido_mod.editables_de(documento, request.user)
    claves = {f"c1:{fila.pk}:{c}" for c in ("producto", *CAMPOS_CUADRO1)}
    html = fragmentos.Observaciones(request, documento)
    observaciones = _observaciones_de(
        request, documento, claves, {("c1", fila.pk): centro_id}, html
    )
    puede_observar = workflow.puede_observar(documento, request.user)
    # The causal headings of the region's rows with this one's new causales: its own, and the
    # next row's, which may appear or go (swapped out of band, ``_fila_cuadro1.html``).
    vecinas = [
        {"pk": pk, "causales": fila.lista_causales if pk == fila.pk else lista_causales(c)}
        for pk, c in FilaCuadro1.objects.filter(
            diagnostico_id=fila.diagnostico_id, centro_id=centro_id
        )
        .order_by("orden", "pk")
        .values_list("pk", "causales")
    ]
    encabezados = contenido_mod.encabezados_causal(vecinas)
    posicion = next((i for i, f in enumerate(vecinas) if f["pk"] == fila.pk), None)
    propio = encabezados[posicion] if posicion is not None else ""
    siguiente = None
    if posicion is not None and posicion + 1 < len(vecinas):
        siguiente = SimpleNamespace(
            pk=vecinas[posicion + 1]["pk"], causal_etiqueta=encabezados[posicion + 1]
        )
    _preparar_filas(
        [fila],
        observaciones,
        html,
        puede_observar,
        productos={fila.pk: list(productos)},
        editar_en=(documento.pk, region) if puede_editar else None,
        encabezados=[propio],
    )
    fila.huella = services.huella_fila(fila) if puede_editar else ""
    return {
        "documento": documento,
        "centro": centro,
        "codigo": codigo,
        "region": region,
        "fila": fila,
        "siguiente": siguiente,
        "puede_editar": puede_editar,
        "puede_observar": puede_observar,
        "hx_cuadro1": _hx_cuadro1() if puede_editar else "",
    }


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
    diagnostico = diagnostico_de(documento)
    form = forms.FilaCuadro1Form(request.POST, diagnostico=diagnostico, prefix="nueva")
    if form.is_valid():
        try:
            fila = services.fila_cuadro1_guardar(
                documento=documento,
                actor=request.user,
                region=codigo,
                datos=form.cleaned_data,
                centro=centro,
                diagnostico=diagnostico,
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
    """The row (404 if not of this region of this document)."""
    fila = get_object_or_404(
        FilaCuadro1, pk=fila_pk, diagnostico_id=diagnostico_de(documento).pk, centro=centro
    )
    fila.diagnostico = diagnostico_de(documento)
    return fila


@login_required
def fila_editar(request, pk, region, fila_pk):
    documento, centro, codigo = _cuadro_editable(request, pk, region)
    fila = _fila(documento, centro, fila_pk)
    diagnostico = fila.diagnostico
    if documento.estado != Documento.Estado.BORRADOR:
        return _fuera_de_borrador(request, documento)
    form = forms.FilaCuadro1Form(
        request.POST or None,
        instance=fila,
        diagnostico=diagnostico,
        productos=forms.productos_para_fila(diagnostico, fila),
        prefix=f"f{fila.pk}",
    )
    huella = _huella_enviada(request)
    cambios = []
    if request.method == "POST" and form.is_valid():
        try:
            fila = services.fila_cuadro1_guardar(
                documento=documento,
                actor=request.user,
                region=codigo,
                datos=form.cleaned_data,
                fila=fila,
                huella=huella,
                centro=centro,
                diagnostico=diagnostico,
                productos_actuales=form.productos_actuales,
            )
        except workflow.SinPermiso as exc:
            raise PermissionDenied(str(exc)) from exc
        except concurrencia.EdicionConcurrente as exc:
            # The row changed since it was opened: the form comes back with the typed text.
            messages.error(request, str(exc))
            cambios, huella = exc.cambios, None
        except workflow.ErrorFlujo as exc:
            messages.error(request, str(exc))
            return _volver_al_cuadro(documento, region)
        else:
            if request.htmx:
                contexto = _contexto_fila(
                    request, documento, centro, codigo, region, fila, form.cleaned_data["productos"]
                )
                return render(request, "diagnostico/_fila_cuadro1.html", contexto)
            messages.success(request, "Fila guardada.")
            return _volver_al_cuadro(documento, region, f"#fila-c1-{fila.pk}")
    if huella is None:
        huella = services.huella_fila(fila)
    contexto = {
        "huella": huella,
        "cambios": cambios,
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
    return render(
        request, plantilla, contexto, status=(409 if cambios else 400) if invalido else 200
    )


@require_POST
@login_required
def fila_eliminar(request, pk, region, fila_pk):
    documento, centro, codigo = _cuadro_editable(request, pk, region)
    fila = _fila(documento, centro, fila_pk)
    try:
        services.fila_cuadro1_eliminar(
            fila=fila, actor=request.user, huella=_huella_enviada(request)
        )
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
    extra, estado = {}, 400
    if all(f.is_valid() for _, _, f in formularios):
        try:
            services.cuadro2_guardar(
                documento=documento,
                actor=request.user,
                region=codigo,
                filas={clave: f.cleaned_data for clave, _, f in formularios},
                huella=_huella_enviada(request),
                centro=centro,
                diagnostico=diagnostico_de(documento),
            )
        except workflow.SinPermiso as exc:
            raise PermissionDenied(str(exc)) from exc
        except concurrencia.EdicionConcurrente as exc:
            # Someone saved this region's Cuadro I N°2 meanwhile: keep the typed text.
            messages.error(request, str(exc))
            extra, estado = {"cambios": exc.cambios}, 409
        except workflow.ErrorFlujo as exc:
            messages.error(request, str(exc))
            return _volver_al_cuadro(documento, region, "#cuadro2")
        else:
            messages.success(request, "Cuadro I N°2 guardado.")
            return _volver_al_cuadro(documento, region, "#cuadro2")
    else:
        extra["huella_cuadro2"] = _huella_enviada(request)
    contexto = _contexto_cuadro(
        request, documento, centro, codigo, region, forms_c2=formularios, **extra
    )
    return render(request, "diagnostico/cuadro.html", contexto, status=estado)


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
