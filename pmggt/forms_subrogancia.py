"""Forms of the subrogancias page (``pmggt.views_subrogancia``).

A Jefe/a designates their own substitute: the titular is themself, and the subrogante is picked
from the people of their Servicio(s) or written as a username or e-mail. The administrator picks
the Servicio and the titular (any Jefe/a of any Servicio) and writes the subrogante's username
or e-mail (anyone active). The rules themselves are ``pmggt.subrogancia.designar``'s: the form
only reads the fields and places its Spanish messages next to them.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from . import subrogancia
from .models import GrupoRol, Servicio
from .widgets import acelerar


def _etiqueta_persona(usuario) -> str:
    completo = usuario.get_full_name()
    return f"{completo} ({usuario.username})" if completo else usuario.username


class _Persona(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _etiqueta_persona(obj)


class FechaInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DesignarForm(forms.Form):
    servicio = forms.ModelChoiceField(
        label="Servicio", queryset=Servicio.objects.none(), empty_label=None
    )
    # The administrator's: which Jefe/a of which Servicio is subrogated («<servicio>-<user>»).
    jefatura = forms.ChoiceField(label="Jefe/a titular", choices=())
    subrogante = _Persona(
        label="Subrogante",
        queryset=get_user_model().objects.none(),
        empty_label="Elija a una persona del Servicio",
        required=False,
        help_text="Personas con un rol en su Servicio o en sus Centros.",
    )
    otra_persona = forms.CharField(
        label="u otra persona (usuario o correo)",
        max_length=254,
        required=False,
        help_text="Si quien subroga no está en la lista: escriba su nombre de usuario o correo.",
    )
    desde = forms.DateField(
        label="Desde (inclusive)",
        widget=FechaInput(),
        error_messages={
            "invalid": "Escriba una fecha válida (dd-mm-aaaa).",
            "required": "Indique desde qué día.",
        },
    )
    hasta = forms.DateField(
        label="Hasta (inclusive)",
        widget=FechaInput(),
        error_messages={
            "invalid": "Escriba una fecha válida (dd-mm-aaaa).",
            "required": "Indique hasta qué día.",
        },
        help_text="Termina sola al fin de este día; a lo más un año.",
    )
    motivo = forms.CharField(
        label="Motivo",
        max_length=300,
        required=False,
        help_text="Por ejemplo: feriado legal, comisión de servicio.",
    )

    def __init__(self, *args, usuario, **kwargs):
        super().__init__(*args, **kwargs)
        self.usuario = usuario
        self.es_administrador = subrogancia.permisos.es_administrador(usuario)
        servicios = subrogancia.servicios_designables(usuario).order_by("sigla")
        if self.es_administrador:
            del self.fields["servicio"]
            del self.fields["subrogante"]
            self.fields["jefatura"].choices = [("", "Elija al Jefe/a y su Servicio"), *_jefaturas()]
            otra = self.fields["otra_persona"]
            otra.label = "Subrogante (usuario o correo)"
            otra.help_text = "Cualquier persona con cuenta activa: su nombre de usuario o correo."
        else:
            del self.fields["jefatura"]
            self.fields["servicio"].queryset = servicios
            propios = sorted(subrogancia.servicios_propios(usuario))
            self.fields["subrogante"].queryset = subrogancia.personas_de(propios).exclude(
                pk=usuario.pk
            )
        for nombre, campo in self.fields.items():
            campo.widget.attrs["class"] = "form-control"
            if nombre in ("desde", "hasta", "servicio", "jefatura"):
                campo.widget.attrs["required"] = True
        acelerar(self)

    def marcar(self) -> None:
        """aria-describedby (help and error) and aria-invalid on each field, as the
        template prints them (``<auto_id>_ayuda``, ``<auto_id>_error``)."""
        for nombre, campo in self.fields.items():
            auto_id = self[nombre].auto_id
            ids = [f"{auto_id}_ayuda"] if campo.help_text else []
            if nombre in self.errors:
                ids.append(f"{auto_id}_error")
                campo.widget.attrs["aria-invalid"] = "true"
                campo.widget.attrs["class"] = "form-control is-invalid"
            if ids:
                campo.widget.attrs["aria-describedby"] = " ".join(ids)

    def clean(self):
        datos = super().clean()
        texto = (datos.get("otra_persona") or "").strip()
        elegido = datos.get("subrogante")
        if texto and elegido:
            self.add_error(
                "otra_persona", "Elija a una persona de la lista o escriba otra, no ambas."
            )
        elif texto:
            cuentas = get_user_model().objects.filter(
                Q(username__iexact=texto) | Q(email__iexact=texto)
            )
            encontrados = list(cuentas[:2])
            if not encontrados:
                self.add_error(
                    "otra_persona", f"No hay una cuenta con el usuario o correo «{texto}»."
                )
            elif len(encontrados) > 1:
                self.add_error(
                    "otra_persona",
                    f"Hay más de una cuenta con «{texto}»: escriba el nombre de usuario.",
                )
            else:
                datos["subrogante"] = encontrados[0]
        elif not elegido:
            campo = "otra_persona" if self.es_administrador else "subrogante"
            self.add_error(campo, "Indique quién subroga.")
        if not self.es_administrador:
            datos["titular"] = self.usuario
        elif datos.get("jefatura"):
            servicio_id, usuario_id = (int(x) for x in datos["jefatura"].split("-"))
            datos["servicio"] = Servicio.objects.get(pk=servicio_id)
            datos["titular"] = get_user_model().objects.get(pk=usuario_id)
        return datos

    def errores_de(self, error: subrogancia.SubroganciaInvalida) -> None:
        """Place the service's messages next to their fields (the titular's on the Servicio
        for a Jefe/a, who does not choose it)."""
        for campo, mensaje in error.errores.items():
            if campo is not None and campo not in self.fields:
                if campo == "subrogante":
                    campo = "otra_persona"
                else:
                    campo = "jefatura" if self.es_administrador else "servicio"
            self.add_error(campo, mensaje)


def _jefaturas() -> list[tuple[str, str]]:
    """(«<servicio>-<user>», «Name (username) · SIGLA») of every active Jefe/a of every
    Servicio: one query."""
    filas = (
        GrupoRol.objects.filter(
            tipo=GrupoRol.Tipo.JEFE,
            servicio__isnull=False,
            centro__isnull=True,
            servicio__activo=True,
            grupo__user__is_active=True,
        )
        .values_list(
            "servicio_id",
            "servicio__sigla",
            "grupo__user__id",
            "grupo__user__first_name",
            "grupo__user__last_name",
            "grupo__user__username",
        )
        .order_by("servicio__sigla", "grupo__user__first_name", "grupo__user__username")
    )
    opciones = []
    for servicio_id, sigla, usuario_id, nombre, apellido, username in filas:
        completo = f"{nombre} {apellido}".strip()
        persona = f"{completo} ({username})" if completo else username
        opciones.append((f"{servicio_id}-{usuario_id}", f"{sigla} · {persona}"))
    return opciones


class FiltroServicioForm(forms.Form):
    """The administrator's Servicio filter."""

    servicio = forms.ModelChoiceField(
        label="Servicio",
        queryset=Servicio.objects.order_by("sigla"),
        required=False,
        empty_label="Todos los Servicios",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["servicio"].widget.attrs["class"] = "form-control"
        acelerar(self)
