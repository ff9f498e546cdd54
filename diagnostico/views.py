from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render

from pmggt import permisos, workflow
from pmggt.views import _documento_para

from .forms import DefinicionesForm, ObjetivosFormSet
from .models import Diagnostico


def _diagnostico_editable(request, pk) -> Diagnostico:
    documento = _documento_para(request, pk)
    if not permisos.tiene(request.user, "editar_documentos", documento.servicio):
        raise PermissionDenied("Solo el Encargado/a GT edita las definiciones estratégicas.")
    return Diagnostico.objects.select_related("documento__servicio", "documento__ciclo").get(
        documento=documento
    )


@login_required
def editar(request, pk):
    diagnostico = _diagnostico_editable(request, pk)
    documento = diagnostico.documento
    if not workflow.puede_editar(documento, request.user):
        messages.error(
            request,
            f"El documento está «{documento.get_estado_display()}»: solo se edita en Borrador.",
        )
        return redirect("pmggt:documento", pk=documento.pk)
    form = DefinicionesForm(request.POST or None, instance=diagnostico, prefix="def")
    objetivos = ObjetivosFormSet(request.POST or None, instance=diagnostico, prefix="obj")
    if request.method == "POST":
        if form.is_valid() and objetivos.is_valid():
            with transaction.atomic():
                # Re-check under lock: the document may have been sent meanwhile.
                doc = type(documento).objects.select_for_update().get(pk=documento.pk)
                if not workflow.puede_editar(doc, request.user):
                    messages.error(request, "El documento ya fue enviado; no se guardaron cambios.")
                    return redirect("pmggt:documento", pk=documento.pk)
                form.save()
                objetivos.save()
            messages.success(request, "Definiciones estratégicas guardadas.")
            return redirect("pmggt:documento", pk=documento.pk)
        messages.error(request, "Revise los campos marcados.")
    return render(
        request,
        "diagnostico/editar.html",
        {"documento": documento, "form": form, "objetivos": objetivos},
        status=400 if request.method == "POST" else 200,
    )
