"""Etapa II pages: the Plan's sections, its regions' parts and their rows (actividades e
hitos, indicadores), each read by whoever reads the document and edited, in Borrador, by who
edits that part (``pmggt.acceso``): the Encargado/a GT every part, an Encargada de Centro her
region's rows. Reads come from the canonical content (cut for the reader); writes go through
planes.services."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Max, Value
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from pmggt import acceso, concurrencia, consultas, fragmentos, permisos, workflow
from pmggt.models import Documento, Observacion
from pmggt.versiones import contenido_vigente

from . import contenido as cm
from . import forms, gantt, pagina, services
from .models import Actividad, Indicador

PLAN = Documento.Etapa.PLAN


# --- Reading ----------------------------------------------------------------------------------


def _lectura(request, documento) -> tuple[dict, bool, object]:
    """(content this user reads, whether as the Servicio's reader, the visado version a reader
    outside the Servicio reads)."""
    lectura = acceso.lectura_de(request.user, documento)
    if lectura is None:
        raise PermissionDenied(acceso.MENSAJE_NO_VISADO)
    if lectura.interna:
        return contenido_vigente(documento), True, None
    return cm.recortar_a(lectura.version.contenido, set(lectura.regiones)), False, lectura.version


def _observaciones(request, documento, interna: bool) -> dict:
    """{campo: open observaciones} with their HTML, for the Servicio's readers (one query)."""
    if not interna:
        return {}
    lista = _ABIERTAS.lista(documento=documento.pk)
    for obs in lista:
        obs.documento = documento
        obs.puede_resolver = workflow.puede_resolver(obs, request.user)
    fragmentos.Observaciones(request, documento).preparar(lista)
    por_campo = {}
    for obs in lista:
        por_campo.setdefault(obs.campo, []).append(obs)
    return por_campo


_ABIERTAS = consultas.Compilada(
    lambda documento: (
        Observacion.objects.filter(documento_id=documento, resuelta=False)
        .select_related("autor", "resuelta_por")
        .order_by("creada_en", "pk")
    ),
    ids=("documento",),
)


def _con_observar(request, documento, interna: bool, v: dict) -> None:
    """The rows' «Observar» forms (``pagina.con_observar``) for who may observe now, decided
    once for the page: the Servicio's content only, the forms sending back to this page."""
    if interna and workflow.puede_observar(documento, request.user):
        pagina.con_observar(v, fragmentos.Observaciones(request, documento))


def _opciones(documento, contenido) -> forms.Opciones:
    centros = sorted(acceso.centros_del_servicio(documento), key=lambda c: c.region.orden)
    opciones = forms.Opciones(
        contenido, centros, services.regiones_gore(documento), anio=documento.ciclo.anio
    )
    visado = cm.diagnostico_visado(documento)
    filas1, filas2 = cm.filas_del_diagnostico(visado[0] if visado else None)

    def region(codigo):
        return f"Región {codigo}" if codigo else "Servicio"

    opciones.filas1 = [
        (
            pk,
            f"{region(f['region'])} · {f['producto'] or '(sin producto)'} → {f['objetivo'] or '—'}",
        )
        for pk, f in filas1.items()
    ]
    opciones.filas2 = [
        (
            pk,
            f"{region(f['region'])} · {cm.INFORMACION.get(f['informacion'], f['informacion'])}"
            f" → {f['objetivo'] or '—'}",
        )
        for pk, f in filas2.items()
    ]
    return opciones


def _cabecera(documento, titulo, version=None) -> dict:
    return {"documento": documento, "titulo": titulo, "version_publica": version}


def _huella_enviada(request) -> str | None:
    return request.POST.get(concurrencia.CAMPO) if request.method == "POST" else None


def _fuera_de_borrador(request, documento):
    messages.error(
        request,
        f"El documento está «{documento.get_estado_display()}»: solo se edita en Borrador.",
    )
    return redirect("pmggt:documento", pk=documento.pk)


# --- Servicio-level sections (the Encargado/a GT edits them) -----------------------------------


def _seccion(request, pk, nombre, titulo, plantilla, construir, guardar, extra=None):
    """A section page: everyone who reads the document reads it; the Encargado/a GT edits it
    in Borrador (all its forms valid, or nothing saved), with optimistic concurrency.
    ``extra``: the context of a smaller form of the page posted to its own URL and invalid
    (e.g. a no-abordado motivo): the page is drawn again, status 400, with that form."""
    documento = acceso.documento_para(request, pk, etapa=PLAN)
    contenido, interna, version = _lectura(request, documento)
    usuario = request.user
    enviado = request.method == "POST" and extra is None
    if enviado:
        if not permisos.tiene(usuario, "editar_documentos", documento.servicio):
            raise PermissionDenied("Solo el Encargado/a GT edita esta sección.")
        if documento.estado != Documento.Estado.BORRADOR:
            return _fuera_de_borrador(request, documento)
    edita = workflow.puede_editar(documento, usuario)
    datos = request.POST if enviado else None
    formularios = construir(documento, contenido, datos) if edita else {}
    plan = cm.plan_de(documento)
    huella = _huella_enviada(request) if enviado else None
    cambios, estado = [], 200 if extra is None else 400
    if enviado:
        if all(f.is_valid() for f in formularios.values()):
            try:
                guardar(documento, formularios, huella)
            except workflow.SinPermiso as exc:
                raise PermissionDenied(str(exc)) from exc
            except concurrencia.EdicionConcurrente as exc:
                messages.error(request, str(exc))
                cambios, huella, estado = exc.cambios, None, 409
            except workflow.DatosInvalidos as exc:
                messages.error(request, f"{exc} No se guardó ningún cambio.")
                estado = 400
            except workflow.ErrorFlujo as exc:
                messages.error(request, str(exc))
                return redirect("pmggt:documento", pk=documento.pk)
            else:
                messages.success(request, f"{titulo}: cambios guardados.")
                return redirect(reverse(f"planes:{nombre}", args=[documento.pk]))
        else:
            messages.error(request, "Revise los campos marcados: no se guardó ningún cambio.")
            estado = 400
    if edita and huella is None:
        huella = concurrencia.huella(services.historiales_seccion(nombre, plan.pk)())
    observaciones = _observaciones(request, documento, interna)
    visado = cm.diagnostico_visado(documento) if edita else None
    return render(
        request,
        plantilla,
        {
            **_cabecera(documento, titulo, version),
            "plan": pagina.vista(contenido, observaciones, visado[0] if visado else None),
            "edita": edita,
            "huella": huella,
            "cambios": cambios,
            "seccion": nombre,
            **formularios,
            **(extra or {}),
        },
        status=estado,
    )


def _filas(formset) -> list[dict]:
    """The formset's rows to write: saved ones (kept, changed or deleted) and filled new ones."""
    filas = []
    for form in formset.forms:
        datos = getattr(form, "cleaned_data", None)
        if not datos:
            continue
        fila = form.datos()
        if fila.get("id") is None and fila["eliminar"]:
            continue
        filas.append(fila)
    return filas


def _mapas(documento, contenido):
    c = cm.completo(contenido)
    objetivo_id = {o["numero"]: o["id"] for o in c["objetivos"]}
    info_id = {o["numero"]: o["id"] for o in c["objetivos_informacion"]}
    centro_id = {ce.region.codigo: ce.pk for ce in acceso.centros_del_servicio(documento)}
    return c, objetivo_id, info_id, centro_id


@login_required
def objetivos(request, pk):
    return _objetivos(request, pk)


def _objetivos(request, pk, extra=None):
    def construir(documento, contenido, datos):
        c, objetivo_id, _, centro_id = _mapas(documento, contenido)
        opciones = _opciones(documento, c)
        return {
            "form_general": forms.ObjetivoGeneralPTForm(
                datos, prefix="gen", initial={"objetivo_general_pt": c["objetivo_general_pt"]}
            ),
            "formset_objetivos": forms.ObjetivosFormSet(
                datos,
                prefix="obj",
                form_kwargs={"opciones": opciones},
                initial=[
                    {
                        "id": o["id"],
                        "numero": o["numero"],
                        "descripcion": o["descripcion"],
                        "ambito": o["ambito"],
                        "filas_cuadro1": [f["id"] for f in o["filas"]],
                        "regiones": o["regiones"],
                        "fundamento": o["fundamento"],
                    }
                    for o in c["objetivos"]
                ],
            ),
            "formset_medidas": forms.MedidasFormSet(
                datos,
                prefix="med",
                form_kwargs={"opciones": opciones},
                initial=[
                    {
                        "id": m["id"],
                        "tipo": m["tipo"],
                        "objetivo_id": objetivo_id.get(m["objetivo"]),
                        "descripcion": m["descripcion"],
                    }
                    for m in c["medidas"]
                ],
            ),
            "formset_propir": forms.PropirFormSet(
                datos,
                prefix="propir",
                form_kwargs={"opciones": opciones},
                initial=[
                    {
                        "id": p["id"],
                        "centro_id": centro_id.get(p["region"]),
                        "objetivo_id": objetivo_id.get(p["objetivo"]),
                        "descripcion": p["descripcion"],
                        "monto": p["monto"],
                    }
                    for p in c["propir"]
                ],
            ),
        }

    def guardar(documento, f, huella):
        services.plan_objetivos_guardar(
            documento=documento,
            actor=request.user,
            objetivo_general_pt=f["form_general"].cleaned_data["objetivo_general_pt"],
            objetivos=_filas(f["formset_objetivos"]),
            medidas=_filas(f["formset_medidas"]),
            propir=_filas(f["formset_propir"]),
            huella=huella,
        )

    return _seccion(
        request,
        pk,
        "objetivos",
        "Objetivos del Plan",
        "planes/objetivos.html",
        construir,
        guardar,
        extra,
    )


@login_required
def informacion(request, pk):
    def construir(documento, contenido, datos):
        c, _, info_id, _ = _mapas(documento, contenido)
        opciones = _opciones(documento, c)
        region_id = {r.codigo: r.pk for r in services.regiones_gore(documento)}
        return {
            "form_general": forms.ObjetivoGeneralInformacionForm(
                datos,
                prefix="gen",
                initial={"objetivo_general_informacion": c["objetivo_general_informacion"]},
            ),
            "formset_objetivos": forms.ObjetivosInformacionFormSet(
                datos,
                prefix="oi",
                form_kwargs={"opciones": opciones},
                initial=[
                    {
                        "id": o["id"],
                        "numero": o["numero"],
                        "informacion": o["informacion"],
                        "descripcion": o["descripcion"],
                        "filas_cuadro2": [f["id"] for f in o["filas"]],
                    }
                    for o in c["objetivos_informacion"]
                ],
            ),
            "formset_procedimientos": forms.ProcedimientosFormSet(
                datos,
                prefix="gore",
                form_kwargs={"opciones": opciones},
                initial=[
                    {
                        **{k: p[k] for k in services.CAMPOS_PROCEDIMIENTO if k in p},
                        "id": p["id"],
                        "region_id": region_id.get(p["region"]),
                        "objetivo_informacion_id": info_id.get(p["objetivo_informacion"]),
                        "instrumento_fecha": date.fromisoformat(p["instrumento_fecha"])
                        if p["instrumento_fecha"]
                        else None,
                    }
                    for p in c["procedimientos"]
                ],
            ),
        }

    def guardar(documento, f, huella):
        services.plan_informacion_guardar(
            documento=documento,
            actor=request.user,
            objetivo_general_informacion=f["form_general"].cleaned_data[
                "objetivo_general_informacion"
            ],
            objetivos=_filas(f["formset_objetivos"]),
            procedimientos=_filas(f["formset_procedimientos"]),
            huella=huella,
        )

    return _seccion(
        request,
        pk,
        "informacion",
        "Sistemas de información y procedimientos con los GORE",
        "planes/informacion.html",
        construir,
        guardar,
    )


@require_POST
@login_required
def no_abordado(request, pk, fila):
    """Why a recommended objective of the visado Cuadro I N°1 is not taken up this year."""
    documento = acceso.documento_para(request, pk, etapa=PLAN)
    if not permisos.tiene(request.user, "editar_documentos", documento.servicio):
        raise PermissionDenied("Solo el Encargado/a GT indica qué objetivos no se abordan.")
    form = forms.NoAbordadoForm(request.POST, prefix=f"na{fila}")
    if form.is_valid():
        try:
            services.no_abordado_guardar(
                documento=documento,
                actor=request.user,
                fila_cuadro1=fila,
                motivo=form.cleaned_data["motivo"],
            )
        except workflow.SinPermiso as exc:
            raise PermissionDenied(str(exc)) from exc
        except workflow.DatosInvalidos as exc:
            raise Http404(str(exc)) from exc
        except workflow.ErrorFlujo as exc:
            messages.error(request, str(exc))
            return redirect("pmggt:documento", pk=documento.pk)
        messages.success(request, "Cobertura del Diagnóstico: guardado.")
        return redirect(reverse("planes:objetivos", args=[documento.pk]) + f"#cobertura-{fila}")
    if documento.estado != Documento.Estado.BORRADOR:
        return _fuera_de_borrador(request, documento)
    visado = cm.diagnostico_visado(documento)
    if fila not in cm.filas_del_diagnostico(visado[0] if visado else None)[0]:
        raise Http404("Esa fila no está en el Cuadro I N°1 del Diagnóstico visado.")
    # The objectives page again, the typed text and its error next to the field.
    messages.error(request, "Revise el motivo: no se guardó.")
    return _objetivos(request, pk, extra={"form_no_abordado": form, "fila_no_abordado": fila})


# --- Regional parts and rows -------------------------------------------------------------------


def _parte(request, pk, region, *, editar=False) -> tuple:
    """(documento, centro, codigo) of a region's part (``acceso.SERVICIO``: the Servicio's own,
    national, part); 404 to outsiders, 403 to who may not read (or, ``editar``, edit) it."""
    if region == acceso.SERVICIO:
        documento = acceso.documento_para(request, pk, etapa=PLAN)
        centro = codigo = None
    elif editar:
        documento, centro, codigo = acceso.parte_editable(request, pk, region, etapa=PLAN)
    else:
        documento, centro, codigo = acceso.parte_legible(request, pk, region, etapa=PLAN)
    editables = acceso.centros_editables(request.user, documento, en_cualquier_estado=True)
    if editar and centro is None and None not in editables:
        raise PermissionDenied("Solo el Encargado/a GT edita la parte nacional del Plan.")
    return documento, centro, codigo


def _edita_parte(documento, usuario, centro) -> bool:
    return (centro.pk if centro else None) in acceso.centros_editables(usuario, documento)


def _nombre_parte(documento, centro) -> str:
    if centro is not None:
        return f"{centro.region.codigo} · {centro.region.nombre}"
    if acceso.centros_del_servicio(documento):
        return "Nacional (del Servicio)"
    return documento.servicio.nombre


def _navegacion(documento, codigo, interna, lectura_regiones=None) -> list[dict]:
    centros = sorted(acceso.centros_del_servicio(documento), key=lambda c: c.region.orden)
    partes = [(None, "Nacional")] if centros else [(None, documento.servicio.sigla)]
    partes += [(c.region.codigo, f"{c.region.codigo} · {c.region.nombre}") for c in centros]
    return [
        {
            "codigo": cod,
            "nombre": nombre,
            "actual": cod == codigo,
            "url": reverse("planes:region", args=[documento.pk, cod or acceso.SERVICIO]),
        }
        for cod, nombre in partes
        if interna or lectura_regiones is None or cod in lectura_regiones
    ]


def _solo_region(contenido: dict, codigo) -> dict:
    c = cm.completo(contenido)
    return {
        **c,
        "actividades": [a for a in c["actividades"] if a["region"] == codigo],
        "indicadores": [i for i in c["indicadores"] if i["region"] == codigo],
        "propir": [p for p in c["propir"] if p["region"] == codigo],
        "procedimientos": [p for p in c["procedimientos"] if codigo and p["region"] == codigo],
    }


def _contexto_region(request, documento, centro, codigo, **extra) -> dict:
    contenido, interna, version = _lectura(request, documento)
    usuario = request.user
    edita = interna and _edita_parte(documento, usuario, centro)
    solo = _solo_region(contenido, codigo)
    observaciones = _observaciones(request, documento, interna)
    lectura = None if interna else acceso.regiones_legibles(usuario, documento)
    opciones = _opciones(documento, contenido) if edita else None
    region = acceso.SERVICIO if codigo is None else codigo
    contexto = {
        **_cabecera(
            documento, f"Programa de trabajo · {_nombre_parte(documento, centro)}", version
        ),
        "plan": pagina.vista(solo, observaciones),
        "centro": centro,
        "codigo": codigo,
        "region": region,
        "edita": edita,
        "editables": {codigo} if edita else set(),
        "navegacion": _navegacion(documento, codigo, interna, lectura),
        "gantt": gantt.svg(solo, hoy=timezone.localdate(), anio=documento.ciclo.anio),
        "form_actividad": None,
        "form_indicador": None,
    }
    if edita:
        contexto["form_actividad"] = forms.ActividadForm(opciones=opciones, prefix="act")
        contexto["form_indicador"] = forms.IndicadorForm(opciones=opciones, prefix="ind")
        _con_huellas(documento, contexto["plan"], contexto["editables"])
    _con_observar(request, documento, interna, contexto["plan"])
    contexto.update(extra)
    return contexto


@login_required
def region(request, pk, region):
    documento, centro, codigo = _parte(request, pk, region)
    return render(
        request, "planes/region.html", _contexto_region(request, documento, centro, codigo)
    )


@login_required
def programa(request, pk):
    """The whole work programme (every region this reader reads) with its Gantt."""
    documento = acceso.documento_para(request, pk, etapa=PLAN)
    contenido, interna, version = _lectura(request, documento)
    observaciones = _observaciones(request, documento, interna)
    edita_nacional = interna and _edita_parte(documento, request.user, None)
    opciones = _opciones(documento, contenido) if edita_nacional else None
    v = pagina.vista(contenido, observaciones)
    pendientes = []
    if interna and documento.estado == Documento.Estado.BORRADOR:
        pendientes = cm.lista_envio(documento, contenido)
    editables = _codigos_editables(documento, request.user) if interna else set()
    _con_huellas(documento, {"actividades": v["actividades"]}, editables)
    _con_observar(request, documento, interna, {"actividades": v["actividades"]})
    return render(
        request,
        "planes/programa.html",
        {
            **_cabecera(documento, "Programa de trabajo", version),
            "plan": v,
            "gantt": gantt.svg(contenido, hoy=timezone.localdate(), anio=documento.ciclo.anio),
            "regiones_resumen": pagina.resumen_regiones(documento, v, request.user, pendientes),
            "edita": edita_nacional,
            "editables": editables,
            "region": acceso.SERVICIO,
            "form_actividad": forms.ActividadForm(opciones=opciones, prefix="act")
            if edita_nacional
            else None,
        },
    )


@login_required
def indicadores(request, pk):
    """Every indicator of the Plan (national and per region) with all its fields."""
    documento = acceso.documento_para(request, pk, etapa=PLAN)
    contenido, interna, version = _lectura(request, documento)
    observaciones = _observaciones(request, documento, interna)
    edita_nacional = interna and _edita_parte(documento, request.user, None)
    opciones = _opciones(documento, contenido) if edita_nacional else None
    v = pagina.vista(contenido, observaciones)
    editables = _codigos_editables(documento, request.user) if interna else set()
    _con_huellas(documento, {"indicadores": v["indicadores"]}, editables)
    _con_observar(request, documento, interna, {"indicadores": v["indicadores"]})
    return render(
        request,
        "planes/indicadores.html",
        {
            **_cabecera(documento, "Indicadores del Plan", version),
            "plan": v,
            "edita": edita_nacional,
            "editables": editables,
            "region": acceso.SERVICIO,
            "form_indicador": forms.IndicadorForm(opciones=opciones, prefix="ind")
            if edita_nacional
            else None,
        },
    )


def _codigos_editables(documento, usuario) -> set:
    """Region codes (None: national) whose rows this user edits now."""
    editables = acceso.centros_editables(usuario, documento)
    codigos = {c.region.codigo for c in acceso.centros_del_servicio(documento) if c.pk in editables}
    if None in editables:
        codigos.add(None)
    return codigos


def _con_huellas(documento, v: dict, editables) -> None:
    """Give each row this user edits (``editables``: region codes, None national) the huella of
    its own history, which its «Eliminar» sends: one query, whatever the tables' size."""
    if not editables:
        return
    plan_id = cm.plan_de(documento).pk
    tablas = (("actividades", Actividad), ("indicadores", Indicador))
    primera, segunda = (
        modelo.history.filter(plan_id=plan_id)
        .order_by()
        .values("id")
        .annotate(m=Max("history_date"), t=Value(clave, output_field=CharField()))
        .values_list("t", "id", "m")
        for clave, modelo in tablas
    )
    ultimas = {(t, pk): m for t, pk, m in primera.union(segunda, all=True)}
    for clave, _modelo in tablas:
        for f in v.get(clave) or []:
            if f["region"] in editables:
                fecha = ultimas.get((clave, f["id"]))
                f["huella"] = fecha.isoformat() if fecha else ""


TIPOS = {
    "actividad": (Actividad, forms.ActividadForm, services.actividad_guardar, "act", "actividad"),
    "indicador": (Indicador, forms.IndicadorForm, services.indicador_guardar, "ind", "indicador"),
}


def _volver(documento, region, ancla=""):
    return redirect(
        reverse("planes:region", args=[documento.pk, region]) + (f"#{ancla}" if ancla else "")
    )


def _fila_nueva(request, pk, region, tipo):
    modelo, clase, guardar, prefijo, nombre = TIPOS[tipo]
    documento, centro, codigo = _parte(request, pk, region, editar=True)
    contenido = contenido_vigente(documento)
    form = clase(request.POST, opciones=_opciones(documento, contenido), prefix=prefijo)
    if form.is_valid():
        try:
            fila = guardar(
                documento=documento, actor=request.user, centro=centro, datos=form.cleaned_data
            )
        except workflow.SinPermiso as exc:
            raise PermissionDenied(str(exc)) from exc
        except workflow.DatosInvalidos as exc:
            form.add_error(None, str(exc))
        except workflow.ErrorFlujo as exc:
            messages.error(request, str(exc))
            return _volver(documento, region)
        else:
            messages.success(
                request, f"{'Indicador agregado' if tipo == 'indicador' else 'Actividad agregada'}."
            )
            return _volver(documento, region, f"{nombre}-{fila.pk}")
    messages.error(request, "Revise los campos marcados: no se guardó.")
    extra = {f"form_{tipo}": form}
    contexto = _contexto_region(request, documento, centro, codigo, **extra)
    return render(request, "planes/region.html", contexto, status=400)


@require_POST
@login_required
def actividad_nueva(request, pk, region):
    return _fila_nueva(request, pk, region, "actividad")


@require_POST
@login_required
def indicador_nuevo(request, pk, region):
    return _fila_nueva(request, pk, region, "indicador")


def _fila(documento, centro, modelo, fila_pk):
    """The row (404 if not of this region of this document's Plan)."""
    return get_object_or_404(
        modelo,
        pk=fila_pk,
        plan_id=cm.plan_de(documento).pk,
        centro_id=centro.pk if centro else None,
    )


def _fila_vista(documento, tipo, fila_pk, request) -> dict | None:
    """The row as the tables draw it, from the content after the write, with its huella."""
    contenido = contenido_vigente(documento)
    v = pagina.vista(contenido, _observaciones(request, documento, True))
    lista = v["actividades"] if tipo == "actividad" else v["indicadores"]
    fila = next((f for f in lista if f["id"] == fila_pk), None)
    if fila is not None:
        modelo = TIPOS[tipo][0]
        historial = services.historiales_fila(modelo, fila_pk, cm.plan_de(documento).pk)
        fila["huella"] = concurrencia.huella(historial())
    return fila


def _fila_editar(request, pk, region, fila_pk, tipo):
    modelo, clase, guardar, prefijo, nombre = TIPOS[tipo]
    documento, centro, codigo = _parte(request, pk, region, editar=True)
    fila = _fila(documento, centro, modelo, fila_pk)
    if documento.estado != Documento.Estado.BORRADOR:
        return _fuera_de_borrador(request, documento)
    contenido = contenido_vigente(documento)
    inicial = (forms.inicial_actividad if tipo == "actividad" else forms.inicial_indicador)(fila)
    form = clase(
        request.POST or None,
        opciones=_opciones(documento, contenido),
        prefix=f"{prefijo}{fila.pk}",
        initial=inicial,
    )
    plan = cm.plan_de(documento)
    huella = _huella_enviada(request)
    cambios = []
    if request.method == "POST" and form.is_valid():
        try:
            fila = guardar(
                documento=documento,
                actor=request.user,
                centro=centro,
                datos=form.cleaned_data,
                fila=fila,
                huella=huella,
            )
        except workflow.SinPermiso as exc:
            raise PermissionDenied(str(exc)) from exc
        except concurrencia.EdicionConcurrente as exc:
            messages.error(request, str(exc))
            cambios, huella = exc.cambios, None
        except workflow.DatosInvalidos as exc:
            form.add_error(None, str(exc))
        except workflow.ErrorFlujo as exc:
            messages.error(request, str(exc))
            return _volver(documento, region)
        else:
            if request.htmx:
                vista = _fila_vista(documento, tipo, fila.pk, request)
                return render(
                    request,
                    "planes/_fila_guardada.html",
                    {
                        "documento": documento,
                        "tipo": tipo,
                        "filas": [vista] if vista else [],
                        "editables": {vista["region"]} if vista else set(),
                    },
                )
            messages.success(request, "Cambios guardados.")
            return _volver(documento, region, f"{nombre}-{fila.pk}")
    if huella is None:
        huella = concurrencia.huella(services.historiales_fila(modelo, fila.pk, plan.pk)())
    contexto = {
        **_cabecera(
            documento, f"Editar {'indicador' if tipo == 'indicador' else 'actividad o hito'}"
        ),
        "fila": fila,
        "form": form,
        "tipo": tipo,
        "nombre": nombre,
        "huella": huella,
        "cambios": cambios,
        "region": region,
        "centro": centro,
        "nombre_parte": _nombre_parte(documento, centro),
        "columnas": 8 if tipo == "actividad" else 10,
    }
    plantilla = "planes/_fila_form.html" if request.htmx else "planes/fila_editar.html"
    invalido = request.method == "POST" and not request.htmx
    return render(
        request, plantilla, contexto, status=(409 if cambios else 400) if invalido else 200
    )


@login_required
def actividad_editar(request, pk, region, fila_pk):
    return _fila_editar(request, pk, region, fila_pk, "actividad")


@login_required
def indicador_editar(request, pk, region, fila_pk):
    return _fila_editar(request, pk, region, fila_pk, "indicador")


def _fila_eliminar(request, pk, region, fila_pk, tipo):
    """Delete a row, with the huella its «Eliminar» was drawn with: a row someone changed
    since is not deleted (409, the region's page again with what changed). Without a huella
    (a scripted client) it is not checked, as Etapa I's rows and every edit form."""
    modelo = TIPOS[tipo][0]
    documento, centro, codigo = _parte(request, pk, region, editar=True)
    fila = _fila(documento, centro, modelo, fila_pk)
    try:
        services.fila_eliminar(
            documento=documento, actor=request.user, fila=fila, huella=_huella_enviada(request)
        )
    except workflow.SinPermiso as exc:
        raise PermissionDenied(str(exc)) from exc
    except concurrencia.EdicionConcurrente as exc:
        quienes = sorted({e.nombre for e in exc.cambios}) or ["otra persona"]
        messages.error(
            request,
            f"{', '.join(quienes)} guardó cambios en esta fila después de que usted abrió la "
            "página: no se eliminó, para no borrar lo de otros. Revise la fila como quedó y, "
            "si aún quiere eliminarla, vuelva a hacerlo.",
        )
        contexto = _contexto_region(request, documento, centro, codigo, cambios=exc.cambios)
        return render(request, "planes/region.html", contexto, status=409)
    except workflow.ErrorFlujo as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Fila eliminada.")
    return _volver(documento, region, "actividades" if tipo == "actividad" else "indicadores")


@require_POST
@login_required
def actividad_eliminar(request, pk, region, fila_pk):
    return _fila_eliminar(request, pk, region, fila_pk, "actividad")


@require_POST
@login_required
def indicador_eliminar(request, pk, region, fila_pk):
    return _fila_eliminar(request, pk, region, fila_pk, "indicador")
