from urllib.parse import quote

from django import forms
from django.db import models
from django.forms import formset_factory

from . import etapas, selectors
from .models import Ciclo, Documento, Region, Servicio


class EstiloGobMixin:
    """Bootstrap/gob.cl classes on every widget, so forms render full width and styled."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for campo in self.fields.values():
            if isinstance(campo.widget, forms.HiddenInput | forms.CheckboxInput):
                continue
            clases = campo.widget.attrs.get("class", "")
            if "form-control" not in clases:
                campo.widget.attrs["class"] = (clases + " form-control").strip()


class ComentarioForm(EstiloGobMixin, forms.Form):
    comentario = forms.CharField(
        label="Comentario (opcional)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AccionVersionForm(ComentarioForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class SolicitarModificacionForm(EstiloGobMixin, forms.Form):
    comentario = forms.CharField(
        label="Motivo de la modificación",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indique el motivo de la modificación."},
    )


class ObservacionForm(EstiloGobMixin, forms.Form):
    campo = forms.ChoiceField(label="Apunta a", required=False)
    texto = forms.CharField(
        label="Observación",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, campos=(), url_campos=None, **kwargs):
        """``campos``: the choices. With ``url_campos`` the page carries only those given
        (the general one, and the one chosen when the form comes back with errors); the
        select loads every field of the document from that URL when its form is opened or it
        gets the focus (htmx), instead of hundreds of options on every page."""
        super().__init__(*args, **kwargs)
        self.fields["campo"].choices = list(campos)
        if url_campos:
            elegido = self["campo"].value() or ""
            self.fields["campo"].widget.attrs.update(
                {
                    "hx-get": f"{url_campos}?seleccionado={quote(elegido)}",
                    "hx-trigger": "toggle once from:closest details, focus once",
                    "hx-swap": "innerHTML",
                }
            )


class ObservacionRequeridaForm(ObservacionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["texto"].required = True
        self.fields["texto"].error_messages["required"] = "Escriba el texto de la observación."


class BaseObservacionesFormSet(forms.BaseFormSet):
    """At least one observación is required, here or pinned to a cell: workflow.devolver says."""


ObservacionesFormSet = formset_factory(
    ObservacionForm, formset=BaseObservacionesFormSet, extra=3, max_num=10
)


class DevolverForm(AccionVersionForm):
    pass


class CrearDocumentoForm(EstiloGobMixin, forms.Form):
    servicio = forms.ModelChoiceField(
        queryset=Servicio.objects.filter(activo=True), label="Servicio"
    )
    ciclo = forms.ModelChoiceField(queryset=Ciclo.objects.filter(abierto=True), label="Ciclo")
    etapa = forms.TypedChoiceField(choices=(), coerce=int, label="Etapa")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The stages registered now (the registry fills in as stage apps load).
        self.fields["etapa"].choices = [(e.numero, e.titulo) for e in etapas.todas()]

    def servicio_elegido(self) -> Servicio | None:
        """The Servicio named in the data, before validation (for the access check)."""
        try:
            return Servicio.objects.get(pk=int(self.data.get("servicio", "")))
        except (TypeError, ValueError, Servicio.DoesNotExist):
            return None


def _q_servicio(prefijo: str, texto: str = "", region=None) -> models.Q:
    """Servicios (prefijo="") or documents (prefijo="servicio__") by name or sigla and by region:
    the Servicio's own region or one of its Centros' (without duplicate rows)."""
    q = models.Q()
    if texto:
        q &= models.Q(**{f"{prefijo}sigla__icontains": texto}) | models.Q(
            **{f"{prefijo}nombre__icontains": texto}
        )
    if region is not None:
        campo = f"{prefijo}in" if prefijo else "pk__in"
        q &= models.Q(**{f"{prefijo}region": region}) | models.Q(
            **{campo: Servicio.objects.filter(centros__region=region).values("pk")}
        )
    return q


class FiltroDocumentosForm(EstiloGobMixin, forms.Form):
    """Filters and order of the documents list (and of its Excel export).

    Every field is optional and an invalid value is ignored (the other filters still apply).
    The Ciclos and regions are read once (one query each) for the choices and the filtering.
    Estado «No iniciado» lists, instead of documents, the visible active Servicios without the
    document of the chosen Ciclo (default: the open ones) and Etapa (default: every stage).
    """

    NO_INICIADO = selectors.NO_INICIADO
    POR_DEFECTO = "-ciclo"
    # Sort key: (label, documents' ordering, "No iniciado" rows' ordering or None: default).
    # Every ordering ends with a unique column, so pages never overlap. The default comes first:
    # the select shows it when the query string names no (valid) order.
    _POR_ESTADO = models.Case(
        *(
            models.When(estado=valor, then=models.Value(i))
            for i, valor in enumerate(Documento.Estado.values)
        ),
        default=models.Value(len(Documento.Estado.values)),
        output_field=models.IntegerField(),
    )
    ORDENES = {
        "-ciclo": (
            "Ciclo (más reciente primero)",
            ("-ciclo__anio", "etapa", "servicio__nombre", "servicio__sigla", "pk"),
            ("-anio", "etapa_num", "nombre", "sigla"),
        ),
        "ciclo": (
            "Ciclo (más antiguo primero)",
            ("ciclo__anio", "etapa", "servicio__nombre", "servicio__sigla", "pk"),
            ("anio", "etapa_num", "nombre", "sigla"),
        ),
        "servicio": (
            "Servicio (A a Z)",
            ("servicio__nombre", "servicio__sigla", "-ciclo__anio", "etapa", "pk"),
            ("nombre", "sigla", "-anio", "etapa_num"),
        ),
        "-servicio": (
            "Servicio (Z a A)",
            ("-servicio__nombre", "-servicio__sigla", "-ciclo__anio", "etapa", "pk"),
            ("-nombre", "-sigla", "-anio", "etapa_num"),
        ),
        "etapa": (
            "Etapa (de la I a la IV)",
            ("etapa", "-ciclo__anio", "servicio__nombre", "servicio__sigla", "pk"),
            ("etapa_num", "-anio", "nombre", "sigla"),
        ),
        "-etapa": (
            "Etapa (de la IV a la I)",
            ("-etapa", "-ciclo__anio", "servicio__nombre", "servicio__sigla", "pk"),
            ("-etapa_num", "-anio", "nombre", "sigla"),
        ),
        "estado": (
            "Estado (de Borrador a Visado)",
            (_POR_ESTADO.asc(), "-ciclo__anio", "etapa", "servicio__nombre", "pk"),
            None,
        ),
        "-estado": (
            "Estado (de Visado a Borrador)",
            (_POR_ESTADO.desc(), "-ciclo__anio", "etapa", "servicio__nombre", "pk"),
            None,
        ),
        "fecha": ("Fecha de estado (la más antigua primero)", ("estado_desde", "pk"), None),
        "-fecha": ("Fecha de estado (la más reciente primero)", ("-estado_desde", "-pk"), None),
    }

    texto = forms.CharField(
        label="Servicio (nombre o sigla)",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "Nombre o sigla del Servicio"}),
    )
    ciclo = forms.TypedChoiceField(
        label="Ciclo", choices=(), coerce=int, required=False, empty_value=None
    )
    etapa = forms.TypedChoiceField(
        label="Etapa", choices=(), coerce=int, required=False, empty_value=None
    )
    region = forms.TypedChoiceField(
        label="Región", choices=(), coerce=int, required=False, empty_value=None
    )
    estado = forms.ChoiceField(
        label="Estado",
        choices=[
            ("", "Todos los estados"),
            *Documento.Estado.choices,
            (NO_INICIADO, "No iniciado (Servicios sin documento)"),
        ],
        required=False,
    )
    orden = forms.ChoiceField(
        label="Orden",
        choices=[(clave, etiqueta) for clave, (etiqueta, _d, _n) in ORDENES.items()],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ciclos = {c.pk: c for c in Ciclo.objects.order_by("-anio")}
        self.regiones = {r.pk: r for r in Region.objects.order_by("orden")}
        self.fields["ciclo"].choices = [("", "Todos los ciclos")] + [
            (c.pk, f"{c.anio}{' (abierto)' if c.abierto else ''}") for c in self.ciclos.values()
        ]
        self.fields["etapa"].choices = [("", "Todas las etapas")] + [
            (e.numero, e.titulo) for e in etapas.todas()
        ]
        self.fields["region"].choices = [("", "Todas las regiones")] + [
            (r.pk, r.nombre) for r in self.regiones.values()
        ]
        self.fields["orden"].initial = self.POR_DEFECTO

    # --- The valid filters ---------------------------------------------------------------------

    @property
    def datos(self) -> dict:
        """The valid fields' values (an invalid field is left out, not the whole form)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    @property
    def texto_buscado(self) -> str:
        return (self.datos.get("texto") or "").strip()

    @property
    def ciclo_elegido(self):
        return self.ciclos.get(self.datos.get("ciclo"))

    @property
    def etapa_elegida(self):
        numero = self.datos.get("etapa")
        return etapas.de(numero) if numero and etapas.disponible(numero) else None

    @property
    def region_elegida(self):
        return self.regiones.get(self.datos.get("region"))

    @property
    def no_iniciado(self) -> bool:
        return self.datos.get("estado") == self.NO_INICIADO

    @property
    def orden_elegido(self) -> str:
        """The order applied: the chosen one, else the default (also for «No iniciado» rows,
        which have no state or date to sort by)."""
        orden = self.datos.get("orden") or self.POR_DEFECTO
        if self.no_iniciado and self.ORDENES[orden][2] is None:
            return self.POR_DEFECTO
        return orden

    def ciclos_no_iniciado(self) -> list:
        """The Ciclos «No iniciado» looks at: the chosen one, else the open ones."""
        if self.ciclo_elegido is not None:
            return [self.ciclo_elegido]
        return [c for c in self.ciclos.values() if c.abierto]

    def descripcion(self) -> str:
        """The filters in words (the Excel title rows)."""
        partes = []
        if self.texto_buscado:
            partes.append(f"Servicio: «{self.texto_buscado}»")
        if self.ciclo_elegido is not None:
            partes.append(f"Ciclo {self.ciclo_elegido.anio}")
        elif self.no_iniciado:
            anios = ", ".join(str(c.anio) for c in self.ciclos_no_iniciado())
            partes.append(f"Ciclos abiertos ({anios or 'ninguno'})")
        if self.etapa_elegida is not None:
            partes.append(self.etapa_elegida.titulo)
        if self.region_elegida is not None:
            partes.append(self.region_elegida.nombre)
        estado = self.datos.get("estado")
        if estado:
            partes.append(f"Estado: {dict(self.fields['estado'].choices)[estado]}")
        return " · ".join(partes) or "Sin filtros"

    # --- Applying them -------------------------------------------------------------------------

    def filtrar(self, documentos):
        """The documents that match the valid filters, in the chosen order."""
        documentos = documentos.filter(
            _q_servicio("servicio__", self.texto_buscado, self.region_elegida)
        )
        if self.ciclo_elegido is not None:
            documentos = documentos.filter(ciclo=self.ciclo_elegido)
        if self.datos.get("etapa"):
            documentos = documentos.filter(etapa=self.datos["etapa"])
        if self.datos.get("estado") and not self.no_iniciado:
            documentos = documentos.filter(estado=self.datos["estado"])
        return documentos.order_by(*self.ORDENES[self.orden_elegido][1])

    def no_iniciados(self, usuario, servicios):
        """«No iniciado» rows of these Servicios (the visible ones) for the valid filters, in
        the chosen order (by Servicio, Ciclo or Etapa; any other order: the default)."""
        servicios = servicios.filter(_q_servicio("", self.texto_buscado, self.region_elegida))
        definiciones = [self.etapa_elegida] if self.etapa_elegida is not None else etapas.todas()
        filas = selectors.no_iniciados(usuario, servicios, self.ciclos_no_iniciado(), definiciones)
        return filas.order_by(*self.ORDENES[self.orden_elegido][2], "id")
