"""The auditor's dossier pages (``pmggt.dossier``): request one, follow its progress, download it.

Access, on every view, as for the documents: whoever reads the Servicio's documents in full
(``permisos.nivel_acceso_servicio(...) == permisos.CONTENIDO``: administrators, the Servicio's
people, its assigned Expertos/as) sees and downloads its dossiers and may request one; people it
only concerns (its GOREs) get 403; anyone else 404 (a dossier's existence is not revealed);
anonymous visitors go to the login page.
"""

import logging
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from . import dossier as dossier_mod
from . import permisos
from .forms import EstiloGobMixin
from .models import Ciclo, Dossier, Servicio

logger = logging.getLogger(__name__)

POR_PAGINA = 25
Estado = Dossier.Estado
TERMINADOS = {Estado.LISTO, Estado.ERROR}


def servicios_legibles(usuario):
    """The Servicios whose documents this user reads in full (as ``nivel_acceso_servicio``)."""
    if permisos.es_administrador(usuario):
        return Servicio.objects.all()
    return Servicio.objects.filter(
        pk__in=sorted(permisos.ids_con(usuario, "ver_documentos", Servicio))
    )


def _dossier_para(request, pk: int) -> Dossier:
    dossier = (
        Dossier.objects.select_related("servicio__region", "ciclo", "solicitado_por")
        .filter(pk=pk)
        .first()
    )
    if dossier is None:
        raise Http404("Expediente no encontrado.")
    nivel = permisos.nivel_acceso_servicio(request.user, dossier.servicio)
    if nivel is None:
        raise Http404("Expediente no encontrado.")
    if nivel != permisos.CONTENIDO:
        raise PermissionDenied(
            "El expediente de auditoría es solo para quienes leen los documentos completos del "
            "Servicio."
        )
    return dossier


class SolicitarDossierForm(EstiloGobMixin, forms.Form):
    servicio = forms.ModelChoiceField(
        label="Servicio",
        queryset=Servicio.objects.none(),
        empty_label="Elija un Servicio",
        error_messages={
            "required": "Elija el Servicio del expediente.",
            "invalid_choice": "Elija un Servicio de la lista.",
        },
    )
    ciclo = forms.ModelChoiceField(
        label="Ciclo",
        queryset=Ciclo.objects.all(),
        to_field_name="anio",
        empty_label="Elija un Ciclo",
        error_messages={
            "required": "Elija el Ciclo (año) del expediente.",
            "invalid_choice": "Elija un Ciclo de la lista.",
        },
    )

    def __init__(self, *args, servicios, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["servicio"].queryset = servicios
        self.fields["servicio"].label_from_instance = lambda s: f"{s.sigla} · {s.nombre}"
        self.fields["ciclo"].label_from_instance = lambda c: str(c.anio)


def _encolar(dossier_id: int) -> None:
    """Hand the dossier to the task queue (after the commit that created it)."""
    from .tareas import construir_dossier

    try:
        construir_dossier.delay(dossier_id)
    except Exception:
        logger.exception("Expediente %s: no se pudo encolar su preparación.", dossier_id)
        Dossier.objects.filter(pk=dossier_id).update(
            estado=Estado.ERROR,
            error=(
                "No se pudo encargar la preparación del expediente (cola de tareas no "
                "disponible). Intente nuevamente en unos minutos y, si se repite, avise a la "
                "administración del sistema."
            ),
            terminado_en=timezone.now(),
        )


def _abandonado(dossier) -> bool:
    """Queued or in preparation for longer than a task may run (CELERY_TASK_TIME_LIMIT plus a
    margin): nothing will finish it."""
    limite = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + timedelta(minutes=10)
    return timezone.now() - dossier.solicitado_en > limite


def _revisar_servicio_pedido(usuario, valor) -> None:
    """A Servicio the user may not read in full: 404 to outsiders, 403 to its GOREs, before
    the form says anything about it."""
    valor = str(valor or "").strip()
    if not (valor.isascii() and valor.isdigit()):
        return
    servicio = Servicio.objects.filter(pk=int(valor)).first()
    if servicio is None:
        return
    nivel = permisos.nivel_acceso_servicio(usuario, servicio)
    if nivel is None:
        raise Http404("Servicio no encontrado.")
    if nivel != permisos.CONTENIDO:
        raise PermissionDenied(
            "El expediente de auditoría es solo para quienes leen los documentos completos del "
            "Servicio."
        )


@login_required
@require_http_methods(["GET", "POST"])
def lista(request):
    usuario = request.user
    servicios = servicios_legibles(usuario).filter(activo=True).order_by("sigla")
    if request.method == "POST":
        _revisar_servicio_pedido(usuario, request.POST.get("servicio"))
        form = SolicitarDossierForm(request.POST, servicios=servicios)
        if form.is_valid():
            servicio, ciclo = form.cleaned_data["servicio"], form.cleaned_data["ciclo"]
            en_curso = (
                Dossier.objects.filter(
                    servicio=servicio,
                    ciclo=ciclo,
                    estado__in=[Estado.PENDIENTE, Estado.EN_PROCESO],
                )
                .order_by("-solicitado_en", "-pk")
                .first()
            )
            if en_curso is not None and _abandonado(en_curso):
                # Its task was lost (a worker killed past its time limit, a lost message):
                # it ends in ERROR and a new one is prepared.
                Dossier.objects.filter(pk=en_curso.pk, estado=en_curso.estado).update(
                    estado=Estado.ERROR,
                    error="La preparación se interrumpió y no terminó: se preparó otro.",
                    terminado_en=timezone.now(),
                )
                en_curso = None
            if en_curso is not None:
                messages.info(
                    request,
                    f"Ya se está preparando el expediente de {servicio.sigla} {ciclo.anio}: "
                    "puede seguir su avance aquí.",
                )
                return redirect("pmggt:dossier", en_curso.pk)
            with transaction.atomic():
                nuevo = Dossier.objects.create(
                    servicio=servicio, ciclo=ciclo, solicitado_por=usuario
                )
                transaction.on_commit(lambda: _encolar(nuevo.pk))
            return redirect("pmggt:dossier", nuevo.pk)
    else:
        inicial = {}
        servicio = request.GET.get("servicio", "").strip()
        if (
            servicio.isascii()
            and servicio.isdigit()
            and servicios.filter(pk=int(servicio)).exists()
        ):
            inicial["servicio"] = int(servicio)
        anio = request.GET.get("ciclo", "").strip()
        if anio.isascii() and anio.isdigit():
            inicial["ciclo"] = anio
        form = SolicitarDossierForm(initial=inicial, servicios=servicios)
    visibles = Dossier.objects.select_related("servicio", "ciclo", "solicitado_por").order_by(
        "-solicitado_en", "-pk"
    )
    if not permisos.es_administrador(usuario):
        visibles = visibles.filter(
            servicio_id__in=sorted(permisos.ids_con(usuario, "ver_documentos", Servicio))
        )
    pagina = Paginator(visibles, POR_PAGINA).get_page(request.GET.get("pagina"))
    return render(
        request,
        "pmggt/dossier_lista.html",
        {
            "form": form,
            "puede_solicitar": servicios.exists(),
            "pagina": pagina,
            "dossieres": list(pagina.object_list),
            "terminados": TERMINADOS,
        },
    )


@login_required
@require_http_methods(["GET"])
def detalle(request, pk: int):
    dossier = _dossier_para(request, pk)
    contexto = {"dossier": dossier, "terminado": dossier.estado in TERMINADOS}
    if getattr(request, "htmx", False):
        return render(request, "pmggt/_dossier_progreso.html", contexto)
    return render(request, "pmggt/dossier.html", contexto)


@login_required
@require_http_methods(["GET"])
def descargar(request, pk: int):
    dossier = _dossier_para(request, pk)
    if dossier.estado != Estado.LISTO or not dossier.archivo:
        raise Http404("El expediente aún no está listo para descargar.")
    try:
        archivo = default_storage.open(dossier.archivo.name, "rb")
    except FileNotFoundError as exc:
        logger.warning("Expediente %s: falta su archivo %s.", dossier.pk, dossier.archivo.name)
        raise Http404(
            "El archivo del expediente ya no está disponible: prepare uno nuevo."
        ) from exc
    nombre = dossier_mod.nombre_zip(dossier)
    respuesta = FileResponse(
        archivo, as_attachment=True, filename=nombre, content_type="application/zip"
    )
    respuesta["Cache-Control"] = "private, no-store"
    respuesta["X-Content-Type-Options"] = "nosniff"
    return respuesta
