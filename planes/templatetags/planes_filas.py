"""The rows of the Plan's indicator and activity tables, drawn in Python.

The document page, the programa and indicator pages and each region's page list every
indicator and activity of the Plan: a template include per row (with its ``{% url %}``s, its
``{% csrf_token %}``, the text blocks and the «Observar» forms) cost more than the rest of the
page. ``{% filas_actividades v.actividades editables observar_documento %}`` and
``{% filas_indicadores … %}`` write the markup the former ``planes/_fila_actividad.html`` /
``_fila_indicador.html`` wrote, escaping as the templates did (``pmggt.widgets.escapar``);
``tests/planes/test_filas.py`` compares them with those templates.

``editables``: the region codes (None: the national part) whose rows this user edits here (an
«Editar» and an «Eliminar» per row); ``observar_documento``: the document page's «Observar esta
celda» on the description / name and fórmula (the section pages give each row its own form,
``f.observar_<campo>``, from ``pmggt.fragmentos``).
"""

from django import template
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.safestring import mark_safe

from pmggt.fragmentos import UrlRepetida, recortado
from pmggt.templatetags.pmggt_texto import texto
from pmggt.widgets import escapar

register = template.Library()


def _d(valor, defecto="—") -> str:
    """``{{ valor|default:"—" }}``."""
    return escapar(valor) if valor else defecto


class _Pagina:
    """What every row of one table shares: the URLs (reversed once), the CSRF field, the
    «Observar» form's parts."""

    def __init__(self, context, documento_pk, observar_documento: bool):
        request = context.get("request")
        self.documento_pk = documento_pk
        self._urls: dict = {}
        token = context.get("csrf_token")
        if token is None and request is not None:
            token = get_token(request)
        self.csrf = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escapar(str(token))}">'
            if token and str(token) != "NOTPROVIDED"
            else ""
        )
        self.observar = observar_documento
        if observar_documento:
            u_observar = context.get("u_observar") or reverse(
                "pmggt:observacion_crear", args=[documento_pk]
            )
            self.u_observar = escapar(u_observar)
            self.siguiente = escapar(request.get_full_path()) if request is not None else ""

    def url(self, nombre: str, region: str, pk) -> str:
        clave = (nombre, region)
        if clave not in self._urls:
            self._urls[clave] = UrlRepetida(nombre, self.documento_pk, region)
        return self._urls[clave](pk)

    def form_observar(self, prefijo: str, pk, campo: str) -> str:
        """``planes/_observar.html``."""
        ident = f"obs-{prefijo}{pk}{campo}"
        return (
            '<details class="observar-celda">\n'
            '  <summary class="small">Observar esta celda</summary>\n'
            f'  <form method="post" action="{self.u_observar}" data-borrador>{self.csrf}\n'
            f'    <input type="hidden" name="observar-campo" value="{prefijo}:{pk}:{campo}">\n'
            f'    <input type="hidden" name="siguiente" value="{self.siguiente}">\n'
            f'    <label class="sr-only" for="{ident}">Observación</label>\n'
            f'    <textarea class="form-control" id="{ident}" name="observar-texto" rows="2" '
            "required></textarea>\n"
            '    <button type="submit" class="btn btn-sm btn-primary mt-1">Registrar '
            "observación</button>\n"
            "  </form>\n"
            "</details>\n"
        )

    def observar_celda(self, f: dict, prefijo: str, campo: str) -> str:
        propio = f.get(f"observar_{campo}")
        if propio:
            return escapar(propio)
        if self.observar:
            return self.form_observar(prefijo, f["id"], campo)
        return ""


def _huella(f: dict) -> str:
    return f'<input type="hidden" name="huella" value="{escapar(f.get("huella") or "")}">'


def _obs(f) -> str:
    lista = f.get("obs") if isinstance(f, dict) else getattr(f, "obs", None)
    return "".join(escapar(o.html) for o in lista or ())


def _edita(f: dict, editables) -> tuple[bool, str]:
    # As ``{% if f.region in editables %}``: nothing (None, "" for a missing variable) edits.
    if not editables or isinstance(editables, str) or f.get("region") not in editables:
        return False, ""
    return True, f.get("region") or "servicio"


@register.simple_tag(takes_context=True)
def filas_actividades(context, actividades, editables=None, observar_documento=False):
    pagina = _Pagina(context, context["documento"].pk, bool(observar_documento))
    partes = []
    for f in actividades:
        edita, region = _edita(f, editables)
        clases = ("fila-hito" if f.get("tipo") == "hito" else "") + (
            " con-observacion" if f.get("obs") else ""
        )
        acciones = ""
        if edita:
            u_editar = escapar(pagina.url("planes:actividad_editar", region, f["id"]))
            u_eliminar = escapar(pagina.url("planes:actividad_eliminar", region, f["id"]))
            corto = escapar(recortado(f.get("descripcion") or "", 40))
            acciones = (
                "\n"
                f'    <a class="btn btn-sm btn-outline-primary" href="{u_editar}" '
                f'hx-get="{u_editar}" hx-target="#actividad-{f["id"]}" hx-swap="outerHTML">'
                f'Editar<span class="sr-only"> {escapar((f.get("tipo_texto") or "").lower())}: '
                f"{corto}</span></a>\n"
                f'    <form method="post" action="{u_eliminar}" class="form-confirmar" '
                'data-confirmar="¿Eliminar esta fila del programa de trabajo?">'
                f"{pagina.csrf}{_huella(f)}"
                '<button class="btn btn-sm btn-link text-danger px-0" type="submit">Eliminar'
                f'<span class="sr-only"> {corto}</span></button></form>\n  '
            )
        partes.append(
            f'<tr id="actividad-{f["id"]}" class="{clases}">\n'
            f"  <td>{escapar(f.get('tipo_texto') or '')}</td>\n"
            f"  <td>{texto(f.get('descripcion'))}{_obs(f)}"
            f"{pagina.observar_celda(f, 'act', 'descripcion')}</td>\n"
            f'  <td class="text-nowrap">{escapar(f.get("fechas") or "")}</td>\n'
            f"  <td>{_d(f.get('responsable'))}</td>\n"
            f"  <td>{escapar(f.get('region_texto') or '')}</td>\n"
            f"  <td>{_d(f.get('vinculo'))}</td>\n"
            f"  <td>{texto(f.get('medio_verificacion'))}</td>\n"
            f'  <td class="acciones-fila">{acciones}</td>\n'
            "</tr>\n"
        )
    if not partes:
        partes.append(
            '<tr><td colspan="8" class="text-muted">Aún no hay actividades ni hitos.</td></tr>\n'
        )
    return mark_safe("".join(partes))


@register.simple_tag(takes_context=True)
def filas_indicadores(context, indicadores, editables=None, observar_documento=False):
    pagina = _Pagina(context, context["documento"].pk, bool(observar_documento))
    partes = []
    for f in indicadores:
        edita, region = _edita(f, editables)
        numero = escapar(f.get("numero") if f.get("numero") is not None else "")
        acciones = ""
        if edita:
            u_editar = escapar(pagina.url("planes:indicador_editar", region, f["id"]))
            u_eliminar = escapar(pagina.url("planes:indicador_eliminar", region, f["id"]))
            acciones = (
                "\n"
                f'    <a class="btn btn-sm btn-outline-primary" href="{u_editar}" '
                f'hx-get="{u_editar}" hx-target="#indicador-{f["id"]}" hx-swap="outerHTML">'
                f'Editar<span class="sr-only"> indicador {numero}</span></a>\n'
                f'    <form method="post" action="{u_eliminar}" class="form-confirmar" '
                f'data-confirmar="¿Eliminar el indicador {numero}?">{pagina.csrf}'
                f"{_huella(f)}"
                '<button class="btn btn-sm btn-link text-danger px-0" type="submit">Eliminar'
                f'<span class="sr-only"> indicador {numero}</span></button></form>\n  '
            )
        instrumentos = ""
        if f.get("instrumento_recoleccion"):
            instrumentos += (
                f"<strong>Recolección:</strong> {escapar(f['instrumento_recoleccion'])}<br>"
            )
        if f.get("instrumento_sistematizacion"):
            instrumentos += (
                f"<strong>Sistematización:</strong> {escapar(f['instrumento_sistematizacion'])}<br>"
            )
        if f.get("nota_tecnica"):
            instrumentos += f"<strong>Nota técnica:</strong> {escapar(f['nota_tecnica'])}"
        medicion = "Se mide este año" if f.get("se_mide") else "No se mide este año"
        partes.append(
            f'<tr id="indicador-{f["id"]}"'
            + (' class="con-observacion"' if f.get("obs") else "")
            + ">\n"
            f"  <td>{numero}</td>\n"
            f"  <td>{texto(f.get('nombre'))}{_obs(f)}"
            f"{pagina.observar_celda(f, 'ind', 'nombre')}</td>\n"
            f"  <td>{texto(f.get('formula'))}"
            f'<p class="small mb-0"><strong>Numerador:</strong> {_d(f.get("numerador"))}<br>'
            f"<strong>Denominador:</strong> {_d(f.get('denominador'))}</p>"
            f"{pagina.observar_celda(f, 'ind', 'formula')}</td>\n"
            f"  <td>{_d(f.get('unidad'))}</td>\n"
            f'  <td class="text-nowrap">{_d(f.get("meta_texto"))}</td>\n'
            f"  <td>{texto(f.get('medio_verificacion'))}</td>\n"
            f'  <td class="small">{instrumentos}</td>\n'
            f'  <td class="small">{_d(f.get("vinculo"), "Sin objetivo")}<br>{medicion}</td>\n'
            f"  <td>{escapar(f.get('region_texto') or '')}</td>\n"
            f'  <td class="acciones-fila">{acciones}</td>\n'
            "</tr>\n"
        )
    if not partes:
        partes.append('<tr><td colspan="10" class="text-muted">Aún no hay indicadores.</td></tr>\n')
    return mark_safe("".join(partes))


def _v(f, clave):
    """``{{ f.clave }}``'s value (rows are dicts; a missing key reads as "")."""
    return f.get(clave, "") if isinstance(f, dict) else getattr(f, clave, "")


def _e(f, clave) -> str:
    valor = _v(f, clave)
    return "" if valor is None else escapar(valor)


@register.simple_tag
def filas_cuadro1(filas):
    """The Cuadro I N°1 rows an objective takes up (``_bloque_objetivos.html``)."""
    partes = [
        f"<tr><td>{_e(f, 'region_texto')}</td><td>{texto(_v(f, 'producto'))}</td>"
        f"<td>{texto(_v(f, 'objetivo'))}</td></tr>"
        for f in filas or ()
    ]
    if not partes:
        return mark_safe(
            '<tr><td colspan="3" class="text-muted">No está vinculado a filas del Cuadro I '
            "N°1.</td></tr>"
        )
    return mark_safe("".join(partes))


@register.simple_tag
def filas_cobertura(filas):
    """«Cobertura del Diagnóstico» as read (no forms: ``_bloque_cobertura.html`` draws the
    Encargado/a GT's with its template)."""
    partes = []
    for f in filas or ():
        tomada = _v(f, "tomada_por")
        if tomada:
            plural = "" if len(tomada) == 1 else "s"
            en_plan = f"Abordado por el objetivo{plural} N° {', '.join(escapar(n) for n in tomada)}"
        elif _v(f, "motivo"):
            en_plan = f"<strong>No se aborda este año:</strong> {texto(_v(f, 'motivo'))}"
        else:
            en_plan = '<span class="text-danger">Sin abordar ni motivo.</span>'
        partes.append(
            f'<tr id="cobertura-{_e(f, "id")}"'
            + (' class="con-observacion"' if _v(f, "obs") else "")
            + ">\n"
            f"  <td>{_e(f, 'region_texto')}</td><td>{texto(_v(f, 'producto'))}</td>"
            f"<td>{texto(_v(f, 'objetivo'))}</td>\n"
            f"  <td>\n    {en_plan}\n    {_obs(f)}\n  </td>\n</tr>\n"
        )
    if not partes:
        partes.append(
            '<tr><td colspan="4" class="text-muted">El Diagnóstico visado no tiene objetivos '
            "recomendados al Plan GT.</td></tr>\n"
        )
    return mark_safe("".join(partes))


@register.simple_tag
def filas_procedimientos(filas):
    """The procedure agreed with each GORE, one row each (``_bloque_informacion.html``)."""
    partes = []
    for p in filas or ():
        objetivo = _v(p, "objetivo_informacion")
        formato_contenido = ""
        if _v(p, "formato"):
            formato_contenido += f"<strong>Formato:</strong> {texto(_v(p, 'formato'))}"
        if _v(p, "contenido"):
            formato_contenido += f"<strong>Contenido:</strong> {texto(_v(p, 'contenido'))}"
        partes.append(
            f'<tr id="gore-{_e(p, "id")}"'
            + (' class="con-observacion"' if _v(p, "obs") else "")
            + ">\n"
            f"  <td>{_e(p, 'region_texto')}</td><td>{_e(p, 'informacion_texto')}"
            + (f"<br><small>Objetivo {escapar(objetivo)}</small>" if objetivo else "")
            + "</td>\n"
            f"  <td>{formato_contenido}</td>\n"
            f"  <td>{_d(_v(p, 'periodicidad_texto'))}</td><td>{_d(_v(p, 'canal_texto'))}</td>"
            f"<td>{_d(_v(p, 'responsables_texto'))}</td><td>{_d(_v(p, 'instrumento_texto'))}</td>\n"
            f'  <td><span class="estado-procedimiento estado-{_e(p, "estado")}">'
            f"{_e(p, 'estado_texto')}</span>{_obs(p)}</td>\n</tr>\n"
        )
    if not partes:
        partes.append(
            '<tr><td colspan="8" class="text-muted">Aún no hay procedimientos acordados.</td>'
            "</tr>\n"
        )
    return mark_safe("".join(partes))
