"""In-app notifications (issue 11, item 2): each person's avisos, marking them read, opening
one, and the administrator's page of the reminders' offsets.

An aviso is its person's own: anyone else asking for it gets 404 (its existence is not
revealed). The offsets page is the Administrador/a SUBDERE's: anyone else gets 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from . import avisos as servicio_avisos
from . import permisos
from .forms_avisos import AjustesAvisosForm
from .historia import actuando_como
from .models import AjustesAvisos, Aviso

POR_PAGINA = 25
SOLO_ADMINISTRADOR = (
    "Solo el Administrador/a SUBDERE configura los recordatorios: usted recibe los suyos en "
    "Avisos y en su resumen diario por correo."
)


@login_required
@require_http_methods(["GET", "POST"])
def avisos(request):
    if request.method == "POST":
        n = servicio_avisos.marcar_leidos(request.user)
        if n:
            messages.success(
                request,
                f"Se marcaron {n} aviso{'s' if n != 1 else ''} como leído{'s' if n != 1 else ''}.",
            )
        else:
            messages.info(request, "No tenía avisos sin leer.")
        return redirect("pmggt:avisos")
    lista = servicio_avisos.de_usuario(request.user)
    solo_sin_leer = request.GET.get("ver") == "sin_leer"
    if solo_sin_leer:
        lista = lista.filter(leido_en__isnull=True)
    pagina = Paginator(
        lista.only("pk", "tipo", "asunto", "texto", "url", "creado_en", "leido_en"), POR_PAGINA
    ).get_page(request.GET.get("pagina"))
    return render(
        request,
        "pmggt/avisos.html",
        {
            "pagina": pagina,
            "solo_sin_leer": solo_sin_leer,
            "consulta": "ver=sin_leer" if solo_sin_leer else "",
            "no_leidos": servicio_avisos.num_no_leidos(request.user),
            "es_administrador": permisos.es_administrador(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def aviso_abrir(request, pk: int):
    """Mark the aviso read and go to its page (e-mail links and the list come here)."""
    aviso = Aviso.objects.filter(pk=pk, usuario_id=request.user.pk).only("pk", "url").first()
    if aviso is None:
        raise Http404("Aviso no encontrado.")
    servicio_avisos.marcar_leidos(request.user, [aviso.pk])
    destino = servicio_avisos.destino(aviso)
    if not url_has_allowed_host_and_scheme(destino, allowed_hosts={request.get_host()}):
        destino = "pmggt:avisos"
    return redirect(destino)


@login_required
@require_http_methods(["GET", "POST"])
def avisos_ajustes(request):
    if not permisos.es_administrador(request.user):
        raise PermissionDenied(SOLO_ADMINISTRADOR)
    ajustes = AjustesAvisos.actuales()
    if request.method == "POST":
        form = AjustesAvisosForm(request.POST, instance=ajustes)
        if form.is_valid():
            with transaction.atomic(), actuando_como(request.user):
                form.save()
            messages.success(request, "Se guardaron los ajustes de los recordatorios.")
            return redirect("pmggt:avisos_ajustes")
    else:
        form = AjustesAvisosForm(instance=ajustes)
    historial = list(
        AjustesAvisos.history.filter(id=ajustes.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:20]
    )
    return render(
        request,
        "pmggt/avisos_ajustes.html",
        {"form": form, "ajustes": ajustes, "historial": historial},
    )
