from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Value, When
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.forms.models import ModelChoiceIterator
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe

from pmggt.forms import EstiloGobMixin
from pmggt.texto import normalizar
from pmggt.widgets import acelerar, escapar

from .models import (
    Causal,
    Cliente,
    Diagnostico,
    EncargadoRed,
    FacultadDesconcentrada,
    FilaCuadro1,
    FilaCuadro2,
    ObjetivoEstrategico,
    ProductoEstrategico,
    SistemaInformacion,
    unir_causales,
)
from .services import validar_numero_producto

AREA = {"rows": 3}


# --- Choices loaded once per formset, not once per form --------------------------------------
#
# A model choice field runs a query to draw its options and another to check what was sent; in
# a formset that is two queries per row. These fields take their options already loaded
# (``fijar``): every form of the formset draws and checks against the same list. Given an
# ``Opciones``, the forms also share the lookup by pk and the choices themselves.


class Opciones:
    """A formset's options: loaded once (when first needed) and shared by all its forms."""

    def __init__(self, consulta):
        self.consulta = consulta
        self._elecciones = {}

    @cached_property
    def objetos(self) -> list:
        return list(self.consulta)

    @cached_property
    def por_pk(self) -> dict:
        return {o.pk: o for o in self.objetos}

    def elecciones(self, iterador) -> list:
        """The (value, label) choices of the objects, built once per label function."""
        etiqueta = iterador.field.label_from_instance
        clave = getattr(etiqueta, "__func__", etiqueta)
        if clave not in self._elecciones:
            self._elecciones[clave] = [iterador.choice(o) for o in self.objetos]
        return self._elecciones[clave]


class OpcionesCargadas(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.compartidas is not None:
            yield from self.field.compartidas.elecciones(self)
            return
        for objeto in self.field.opciones:
            yield self.choice(objeto)

    def __len__(self):
        return len(self.field.opciones) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.opciones)


class _OpcionesFijas:
    opciones = None  # None: Django's behaviour (queries)
    compartidas = None

    def fijar(self, opciones) -> None:
        """Options already loaded: a list or queryset, or an ``Opciones`` shared by a formset."""
        if isinstance(opciones, Opciones):
            # The field's own queryset (of the same model) stays: once fixed, the field neither
            # draws nor checks with it, and setting one would clone a query for each form.
            self.compartidas = opciones
            self.opciones = opciones.objetos
            self._por_pk = opciones.por_pk
        else:
            self.opciones = list(opciones)
            self._por_pk = {o.pk: o for o in self.opciones}
        self.iterator = OpcionesCargadas
        self.widget.choices = self.choices

    def __deepcopy__(self, memo):
        """Each form's copy shares the field's queryset instead of cloning it twice (Django's
        ``ModelChoiceField.__deepcopy__``: two query objects per field and form). The field
        never evaluates it in place (it draws with ``iterator()`` and checks with clones); one
        that was evaluated anyway (rows cached), or that prefetches (iterated in place), is
        cloned as Django does, so no form ever reads rows cached by another."""
        consulta = self.queryset
        if (
            consulta is None
            or consulta._result_cache is not None
            or consulta._prefetch_related_lookups
        ):
            return super().__deepcopy__(memo)
        resultado = super(forms.ChoiceField, self).__deepcopy__(memo)  # Field's copy
        resultado._queryset = consulta
        resultado.widget.choices = resultado.choices  # a new iterator, bound to the copy
        return resultado

    def _clave(self, valor):
        """The pk a sent value stands for (ValidationError if it cannot be one)."""
        if isinstance(valor, self.queryset.model):
            valor = valor.pk
        return self.queryset.model._meta.pk.to_python(valor)


class ModelChoiceFijo(_OpcionesFijas, forms.ModelChoiceField):
    def to_python(self, value):
        if self.opciones is None:
            return super().to_python(value)
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        try:
            objeto = self._por_pk.get(self._clave(value))
        except (ValidationError, TypeError):
            objeto = None
        if objeto is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return objeto


class ModelMultipleChoiceFijo(_OpcionesFijas, forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        if self.opciones is None:
            return super()._check_values(value)
        try:
            value = frozenset(value)
        except TypeError:
            raise ValidationError(
                self.error_messages["invalid_list"], code="invalid_list"
            ) from None
        elegidos = set()
        for pk in value:
            self.validate_no_null_characters(pk)
            try:
                clave = self._clave(pk)
            except (ValidationError, TypeError):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                ) from None
            if clave not in self._por_pk:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
            elegidos.add(clave)
        return [o for o in self.opciones if o.pk in elegidos]


class FilasSinConsultasPorFila(BaseInlineFormSet):
    """An inline formset whose hidden row ids are checked against its own rows (loaded once)
    instead of one query per row; a row id that is not one of them is refused. Its widgets are
    drawn in Python (``pmggt.widgets``): the same HTML without one template per input and
    option."""

    @cached_property
    def _filas_fijas(self):
        return Opciones(self.get_queryset())

    def add_fields(self, form, index):
        super().add_fields(form, index)
        nombre = self._pk_field.name
        campo = form.fields.get(nombre)
        if type(campo) is forms.ModelChoiceField:
            # Django's own field for the row id, made a ModelChoiceFijo (a subclass with no
            # state of its own) instead of building another one; it keeps the formset's rows
            # as its queryset (same model), so the two query objects Django made for it go now.
            campo.__class__ = ModelChoiceFijo
            campo._queryset = self._filas_fijas.consulta
            campo.fijar(self._filas_fijas)
        acelerar(form)

    # --- The table of ``diagnostico/_formset_tabla.html``, drawn in Python -----------------
    # One cell per visible field (the row's hidden fields and its form errors in the first),
    # with its label (``clase_etiqueta``); "Eliminar" only on saved rows. Labels, names, ids and
    # errors are escaped (``escapar``: Django's conditional_escape); fields render escaped.

    def gestion_html(self):
        """``{{ formset.management_form }}``: its hidden inputs (with errors, Django's template)."""
        form = self.management_form
        acelerar(form)
        if form.errors:
            return str(form)
        return mark_safe("".join(escapar(c) for c in form.hidden_fields()))

    def encabezados_html(self):
        """The header cells: the labels of a row's visible fields (every row has the same)."""
        form = self.forms[0] if self.forms else self.empty_form
        return mark_safe(
            "".join(
                f'<th scope="col">{"Eliminar" if c.name == "DELETE" else escapar(c.label)}</th>'
                for c in form.visible_fields()
            )
        )

    # In-place "add a row" (pmggt.js): the button's text, the table's extra classes and the
    # class of each cell's label ("sr-only" under a visible header; a formset drawn as cards,
    # with its header hidden, shows each label instead).
    texto_agregar = None  # default: "Agregar <verbose name of the model>"
    clase_tabla = ""
    clase_etiqueta = "sr-only"

    @property
    def boton_agregar(self) -> str:
        return self.texto_agregar or f"Agregar {self.model._meta.verbose_name}"

    def filas_html(self):
        """The body rows, with the whitespace the template drew."""
        return self._filas_html(self)

    def fila_vacia_html(self):
        """The row of ``empty_form`` (names with ``__prefix__``): the template that pmggt.js
        copies to add a row in place."""
        return self._filas_html([self.empty_form])

    def _filas_html(self, formularios):
        partes = []
        etiqueta = escapar(self.clase_etiqueta)
        for form in formularios:
            partes.append("\n    <tr>\n      ")
            con_errores = bool(form.errors)  # else no field has any: no error list to build
            for indice, campo in enumerate(form.visible_fields()):
                primero = indice == 0
                if campo.name != "DELETE":
                    control = (
                        f'<label class="{etiqueta}" for="{escapar(campo.id_for_label)}">'
                        f"{escapar(campo.label)}</label>{escapar(campo)}"
                    )
                elif form.instance.pk:
                    control = (
                        f'<label class="{etiqueta}" for="{escapar(campo.id_for_label)}">'
                        f"Eliminar</label>{escapar(campo)}"
                    )
                else:
                    control = ""
                partes += [
                    f'\n      <td class="campo-{escapar(campo.name)}">\n        ',
                    "".join(escapar(o) for o in form.hidden_fields()) if primero else "",
                    "\n        ",
                    control,
                    "\n        ",
                    _errores_html(campo.errors) if con_errores else "",
                    "\n        ",
                    _errores_html(form.non_field_errors()) if primero and con_errores else "",
                    "\n      </td>\n      ",
                ]
            partes.append("\n    </tr>\n  ")
        return mark_safe("".join(partes))


def _errores_html(errores) -> str:
    return "".join(f'<div class="text-danger small">{escapar(e)}</div>' for e in errores)


class SinGuardarRelacionesIntactas:
    """A model form that writes only the many-to-many fields the user changed (Django writes
    them all, one query each even when nothing changed)."""

    def _save_m2m(self):
        intactos = [
            nombre
            for nombre, campo in self.fields.items()
            if isinstance(campo, forms.ModelMultipleChoiceField)
            and nombre not in self.changed_data
            and nombre in self.cleaned_data
        ]
        guardados = {nombre: self.cleaned_data.pop(nombre) for nombre in intactos}
        try:
            super()._save_m2m()
        finally:
            self.cleaned_data.update(guardados)


class TextoNormalizadoMixin:
    """Pasted text keeps paragraphs and bullets and loses everything else (pmggt.texto)."""

    def clean(self):
        datos = super().clean()
        for nombre, campo in self.fields.items():
            if isinstance(campo.widget, forms.Textarea) and isinstance(datos.get(nombre), str):
                datos[nombre] = normalizar(datos[nombre])
        return datos


class DefinicionesForm(TextoNormalizadoMixin, EstiloGobMixin, forms.ModelForm):
    class Meta:
        model = Diagnostico
        fields = ["presentacion", "mision", "cuadro2_no_pertinente", "cuadro2_motivo"]
        widgets = {
            "presentacion": forms.Textarea(attrs={"rows": 6}),
            "mision": forms.Textarea(attrs={"rows": 5}),
            "cuadro2_motivo": forms.Textarea(attrs=AREA),
        }
        help_texts = {
            "mision": "Misión institucional según las definiciones estratégicas vigentes."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        acelerar(self)

    def clean(self):
        datos = super().clean()
        if datos.get("cuadro2_no_pertinente") and not datos.get("cuadro2_motivo"):
            self.add_error(
                "cuadro2_motivo", "Indique por qué el Cuadro I N°2 no es pertinente al Servicio."
            )
        return datos


class NumerosUnicosFormSet(FilasSinConsultasPorFila):
    campo_numero = "numero"

    def formularios_vigentes(self):
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            if not form.has_changed() and not form.instance.pk:
                continue
            yield form

    def save(self, commit=True):
        if commit:
            self._apartar_numeros()
        return super().save(commit=commit)

    def _apartar_numeros(self):
        """Rows whose number changes hands (renumbered, or deleted and their number reused) are
        first moved to a temporary number in one plain UPDATE, so that saving them one by one
        never meets the unique constraint (a swap 1 <-> 2, a rotation, a number freed by a
        deleted row). No history or signal for it: each row's own save then records only its
        real values (runs inside the section's edit guard, one transaction)."""
        campo = self.campo_numero
        apartar = []
        for form in self.initial_forms:
            pk = form.instance.pk
            if pk is None:
                continue
            if (self.can_delete and self._should_delete_form(form)) or (
                form.has_changed() and campo in form.changed_data
            ):
                apartar.append(pk)
        if not apartar:
            return
        if isinstance(self.model._meta.get_field(campo), models.CharField):
            temporales = [f"~{pk}" for pk in apartar]  # never a valid number (validated)
        else:  # a small positive integer: free values from the top of its range
            usados = {f.initial.get(campo) for f in self.initial_forms}
            usados |= {f.cleaned_data.get(campo) for f in self.forms if f.cleaned_data}
            libres = (n for n in range(32767, 0, -1) if n not in usados)
            temporales = [next(libres) for _ in apartar]
        self.model.objects.filter(pk__in=apartar).update(
            **{
                campo: Case(
                    *(
                        When(pk=pk, then=Value(t))
                        for pk, t in zip(apartar, temporales, strict=True)
                    ),
                    default=F(campo),
                    output_field=self.model._meta.get_field(campo),
                )
            }
        )

    def clean(self):
        super().clean()
        vistos = set()
        for form in self.formularios_vigentes():
            numero = form.cleaned_data.get(self.campo_numero)
            if numero in vistos:
                form.add_error(self.campo_numero, f"El número {numero} está repetido.")
            vistos.add(numero)


class ObjetivoForm(TextoNormalizadoMixin, forms.ModelForm):
    class Meta:
        model = ObjetivoEstrategico
        fields = ["numero", "descripcion"]
        widgets = {
            "numero": forms.NumberInput(attrs={"min": 1, "class": "form-control campo-numero"}),
            "descripcion": forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        }


ObjetivosFormSet = inlineformset_factory(
    Diagnostico,
    ObjetivoEstrategico,
    form=ObjetivoForm,
    formset=NumerosUnicosFormSet,
    extra=2,
    can_delete=True,
)
ObjetivosFormSet.texto_agregar = "Agregar objetivo"


def _etiqueta_objetivo(objetivo) -> str:
    return str(objetivo.numero)


def _etiqueta_producto_de_cliente(producto) -> str:
    return f"{producto.numero} {producto.nombre[:40]}"


class ProductoForm(SinGuardarRelacionesIntactas, TextoNormalizadoMixin, forms.ModelForm):
    numero = forms.CharField(
        label="N°",
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control campo-numero"}),
    )

    class Meta:
        model = ProductoEstrategico
        fields = [
            "numero",
            "nombre",
            "objetivos",
            "aplica_pt",
            "causal_diseno",
            "causal_acceso",
            "causal_coordinacion",
            "causal_texto",
            "fundamento",
        ]
        widgets = {
            "nombre": forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            "objetivos": forms.CheckboxSelectMultiple,
            "aplica_pt": forms.Select(attrs={"class": "form-control"}),
            "causal_texto": forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            "fundamento": forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        }
        field_classes = {"objetivos": ModelMultipleChoiceFijo}

    def __init__(self, *args, diagnostico=None, objetivos=None, **kwargs):
        super().__init__(*args, **kwargs)
        campo = self.fields["objetivos"]
        if objetivos is None:
            campo.queryset = ObjetivoEstrategico.objects.filter(diagnostico=diagnostico)
        else:
            campo.fijar(objetivos)
        campo.label_from_instance = _etiqueta_objetivo
        campo.required = False

    def _get_validation_exclusions(self):
        # The model's CheckConstraint (no aplica ⇒ fundamento) is clean()'s first rule: checked
        # here in Python, not with one database query per product (the database still has it).
        return super()._get_validation_exclusions() | {"fundamento"}

    def clean(self):
        datos = super().clean()
        aplica = datos.get("aplica_pt")
        causales = [datos.get(c) for c in ("causal_diseno", "causal_acceso", "causal_coordinacion")]
        if aplica == ProductoEstrategico.Aplica.NO_APLICA and not datos.get("fundamento"):
            self.add_error(
                "fundamento",
                "Cuando el producto no aplica la perspectiva territorial, fundaméntelo.",
            )
        if aplica == ProductoEstrategico.Aplica.APLICA and not any(causales):
            self.add_error("aplica_pt", "Marque al menos una causal de aplicación.")
        if aplica == ProductoEstrategico.Aplica.NO_APLICA and any(causales):
            self.add_error("aplica_pt", "Un producto que no aplica no lleva causales.")
        return datos


class ProductosFormSet(NumerosUnicosFormSet):
    texto_agregar = "Agregar producto"
    # Ten fields a product: each row is a card with its labels (static/pmggt/pmggt.css), so
    # the page fits 1366 px and a tablet without scrolling sideways.
    clase_tabla = "tabla-tarjetas tabla-productos"
    clase_etiqueta = "etiqueta-celda"

    def clean(self):
        super().clean()
        vigentes = list(self.formularios_vigentes())
        numeros = {f.cleaned_data.get("numero") for f in vigentes}
        eliminados = {
            f.instance.numero
            for f in self.forms
            if getattr(f, "cleaned_data", None) and f.cleaned_data.get("DELETE") and f.instance.pk
        }
        for form in vigentes:
            numero = form.cleaned_data.get("numero")
            if not numero:
                continue
            error = validar_numero_producto(numero, numeros - {numero})
            if error and "repetido" not in error:
                form.add_error("numero", error)
        for numero in eliminados:
            hijos = sorted(n for n in numeros if n and n.startswith(numero + "."))
            if hijos:
                raise forms.ValidationError(
                    f"No se puede eliminar el producto {numero}: de él dependen {', '.join(hijos)}."
                )


# Built once, like the other formsets: a class built per request costs its fields again, and
# Django adds the foreign key to the form's Meta.fields the first time (BaseInlineFormSet), so
# classes built afterwards carry a useless "diagnostico" select that every form copies.
_ProductosFormSet = inlineformset_factory(
    Diagnostico,
    ProductoEstrategico,
    form=ProductoForm,
    formset=ProductosFormSet,
    extra=3,
    can_delete=True,
)


def productos_formset(diagnostico, datos=None):
    return _ProductosFormSet(
        datos,
        instance=diagnostico,
        prefix="prod",
        queryset=ProductoEstrategico.objects.filter(diagnostico=diagnostico).prefetch_related(
            "objetivos"
        ),
        form_kwargs={
            "diagnostico": diagnostico,
            "objetivos": Opciones(ObjetivoEstrategico.objects.filter(diagnostico=diagnostico)),
        },
    )


class ClienteForm(SinGuardarRelacionesIntactas, TextoNormalizadoMixin, forms.ModelForm):
    class Meta:
        model = Cliente
        fields = ["numero", "nombre", "productos"]
        widgets = {
            "numero": forms.NumberInput(attrs={"min": 1, "class": "form-control campo-numero"}),
            "nombre": forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            "productos": forms.CheckboxSelectMultiple,
        }
        field_classes = {"productos": ModelMultipleChoiceFijo}

    def __init__(self, *args, diagnostico=None, productos=None, **kwargs):
        super().__init__(*args, **kwargs)
        campo = self.fields["productos"]
        if productos is None:
            campo.queryset = ProductoEstrategico.objects.filter(
                diagnostico=diagnostico, padre__isnull=True
            )
        else:
            campo.fijar(productos)
        campo.label_from_instance = _etiqueta_producto_de_cliente
        campo.required = False


_ClientesFormSet = inlineformset_factory(
    Diagnostico,
    Cliente,
    form=ClienteForm,
    formset=NumerosUnicosFormSet,
    extra=2,
    can_delete=True,
)
_ClientesFormSet.texto_agregar = "Agregar cliente"


def clientes_formset(diagnostico, datos=None):
    return _ClientesFormSet(
        datos,
        instance=diagnostico,
        prefix="cli",
        queryset=Cliente.objects.filter(diagnostico=diagnostico).prefetch_related("productos"),
        form_kwargs={
            "diagnostico": diagnostico,
            "productos": Opciones(
                ProductoEstrategico.objects.filter(diagnostico=diagnostico, padre__isnull=True)
            ),
        },
    )


class FacultadForm(TextoNormalizadoMixin, EstiloGobMixin, forms.ModelForm):
    class Meta:
        model = FacultadDesconcentrada
        fields = ["ambito", "situacion", "descripcion"]
        widgets = {"descripcion": forms.Textarea(attrs=AREA)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The blank choice says what to do, not Django's "---------" (choices with no blank
        # of their own and no default get it from the model field).
        self.fields["ambito"].choices = [
            ("", "— Elija el ámbito —"),
            *FacultadDesconcentrada.Ambito.choices,
        ]
        self.fields["situacion"].choices = [
            ("", "— Elija la situación —"),
            *FacultadDesconcentrada.Situacion.choices,
        ]


class SistemaForm(TextoNormalizadoMixin, EstiloGobMixin, forms.ModelForm):
    class Meta:
        model = SistemaInformacion
        fields = ["nombre", "datos_regionales"]
        widgets = {"datos_regionales": forms.Textarea(attrs=AREA)}


FacultadesFormSet = inlineformset_factory(
    Diagnostico,
    FacultadDesconcentrada,
    form=FacultadForm,
    formset=FilasSinConsultasPorFila,
    extra=2,
    can_delete=True,
)
SistemasFormSet = inlineformset_factory(
    Diagnostico,
    SistemaInformacion,
    form=SistemaForm,
    formset=FilasSinConsultasPorFila,
    extra=2,
    can_delete=True,
)


class EncargadoForm(TextoNormalizadoMixin, EstiloGobMixin, forms.ModelForm):
    class Meta:
        model = EncargadoRed
        fields = ["centro", "unidad", "nombres", "correos"]
        widgets = {"nombres": forms.Textarea(attrs=AREA), "correos": forms.Textarea(attrs=AREA)}
        labels = {"centro": "Región (Centro)"}
        field_classes = {"centro": ModelChoiceFijo}

    def __init__(self, *args, servicio=None, centros=None, **kwargs):
        super().__init__(*args, **kwargs)
        campo = self.fields["centro"]
        campo.empty_label = "Nivel central"
        if centros is None:
            campo.queryset = servicio.centros.select_related("region").order_by("region__orden")
        else:
            campo.fijar(centros)
        campo.required = False

    def _get_validation_exclusions(self):
        # The field only accepts the Servicio's Centros: the model's check that the Centro
        # exists would be one more query per row.
        return super()._get_validation_exclusions() | {"centro"}


_EncargadosFormSet = inlineformset_factory(
    Diagnostico,
    EncargadoRed,
    form=EncargadoForm,
    formset=FilasSinConsultasPorFila,
    extra=2,
    can_delete=True,
)


def encargados_formset(diagnostico, datos=None):
    servicio = diagnostico.documento.servicio
    return _EncargadosFormSet(
        datos,
        instance=diagnostico,
        prefix="enc",
        form_kwargs={
            "servicio": servicio,
            "centros": Opciones(
                servicio.centros.select_related("region").order_by("region__orden")
            ),
        },
    )


def productos_para_fila(diagnostico, fila=None) -> list:
    """The Diagnóstico's products (the options of a row's form), each with ``en_fila``: whether
    this row has it. One query for both."""
    productos = ProductoEstrategico.objects.filter(diagnostico=diagnostico)
    if fila is not None and fila.pk:
        productos = productos.annotate(
            en_fila=Exists(
                FilaCuadro1.productos.through.objects.filter(
                    filacuadro1_id=fila.pk, productoestrategico_id=OuterRef("pk")
                )
            )
        )
    return list(productos)


class FilaCuadro1Form(TextoNormalizadoMixin, EstiloGobMixin, forms.ModelForm):
    """A Cuadro I N°1 row. The views save it through ``services.fila_cuadro1_guardar`` (the
    edit guard), which also writes its products: ``form.save()`` does not."""

    productos = ModelMultipleChoiceFijo(
        queryset=ProductoEstrategico.objects.none(),
        label="Productos vinculados (N° del Diagnóstico)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Opcional: los productos del Diagnóstico a los que se refiere la fila.",
    )
    causales = forms.MultipleChoiceField(
        label="Causales que cubre la fila",
        required=False,
        choices=Causal.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Una, varias o ninguna: sin marcar si el Servicio no agrupa sus filas por "
        "causal.",
    )

    class Meta:
        model = FilaCuadro1
        fields = ["producto_texto", "avance", "mejora", "medidas", "objetivo"]
        help_texts = {
            "producto_texto": "Tal como lo escribe el Servicio, p. ej. «Producto: 1. Sistema de "
            "Protección Social. Subproducto: 1.1 Chile Crece Contigo», con sus observaciones.",
        }
        widgets = {
            "producto_texto": forms.Textarea(attrs={"rows": 4}),
            "avance": forms.Textarea(attrs={"rows": 4}),
            "mejora": forms.Textarea(attrs={"rows": 4}),
            "medidas": forms.Textarea(attrs={"rows": 4}),
            "objetivo": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {
            "producto_texto": "Producto/subproductos estratégicos (1)",
            "avance": "Avance existente aplicando la PT (2)",
            "mejora": "Mejora prevista que se proyecta lograr (3)",
            "medidas": "Medidas necesarias que acompañen las mejoras (4)",
            "objetivo": "Objetivo recomendado al Plan GT (5)",
        }

    def __init__(self, *args, diagnostico=None, productos=None, **kwargs):
        """``productos``: ``productos_para_fila(diagnostico, instance)``, loaded already."""
        super().__init__(*args, **kwargs)
        if productos is None:
            productos = productos_para_fila(diagnostico, self.instance)
        campo = self.fields["productos"]
        campo.queryset = ProductoEstrategico.objects.filter(diagnostico=diagnostico)
        campo.fijar(productos)
        campo.label_from_instance = lambda p: f"{p.numero} {p.nombre[:60]}"
        if self.instance.pk and "productos" not in self.initial:
            self.initial["productos"] = [p for p in productos if getattr(p, "en_fila", False)]
        if "causales" not in self.initial:
            self.initial["causales"] = self.instance.lista_causales
        for nombre in self.fields:
            self._describir(nombre, False)

    def clean(self):
        datos = super().clean()
        if not (datos.get("producto_texto") or "").strip() and not datos.get("productos"):
            self.add_error(
                "producto_texto",
                "Escriba el producto/subproducto (1) o vincule al menos un producto del "
                "Diagnóstico.",
            )
        datos["causales"] = unir_causales(datos.get("causales"))
        return datos

    def _describir(self, nombre: str, con_error: bool) -> None:
        """A text field points at its help (``<id>_ayuda``) and, with errors, at its message
        (``<id>_error``) and says it is invalid; a group of checkboxes does so on its
        ``<fieldset>`` (``_campos_fila_cuadro1.html``)."""
        campo = self.fields[nombre]
        if isinstance(campo.widget, forms.CheckboxSelectMultiple):
            campo.widget.attrs.pop("class", None)  # checkboxes, not text boxes (pmggt.css)
            return
        ident = self[nombre].auto_id
        ids = [f"{ident}_error"] if con_error else []
        ids += [f"{ident}_ayuda"] if campo.help_text else []
        if ids:
            campo.widget.attrs["aria-describedby"] = " ".join(ids)
        if con_error:
            campo.widget.attrs["aria-invalid"] = "true"
            clases = campo.widget.attrs.get("class", "")
            if "is-invalid" not in clases:
                campo.widget.attrs["class"] = f"{clases} is-invalid".strip()

    def full_clean(self):
        super().full_clean()
        for nombre in self.fields:
            if nombre in self.errors:
                self._describir(nombre, True)

    @property
    def productos_actuales(self) -> list:
        """The row's products before this edit."""
        return list(self.initial.get("productos") or [])


class Cuadro2Form(TextoNormalizadoMixin, EstiloGobMixin, forms.Form):
    """One row of Cuadro I N°2 (one type of information)."""

    medidas_jefatura = forms.CharField(
        label="Medidas para proveer información a la jefatura regional",
        required=False,
        widget=forms.Textarea(attrs=AREA),
    )
    medidas_gore = forms.CharField(
        label="Medidas para proveer información al GORE",
        required=False,
        widget=forms.Textarea(attrs=AREA),
    )
    objetivo = forms.CharField(
        label="Objetivo recomendado al plan", required=False, widget=forms.Textarea(attrs=AREA)
    )


def cuadro2_formularios(filas_existentes: dict, datos=None) -> list[tuple[str, str, Cuadro2Form]]:
    resultado = []
    for clave, etiqueta in FilaCuadro2.Informacion.choices:
        fila = filas_existentes.get(clave)
        inicial = (
            {c: getattr(fila, c) for c in ("medidas_jefatura", "medidas_gore", "objetivo")}
            if fila
            else {}
        )
        resultado.append(
            (clave, etiqueta, Cuadro2Form(datos, prefix=f"c2-{clave}", initial=inicial))
        )
    return resultado
