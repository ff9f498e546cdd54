"""In-app notifications (``Aviso``): the navbar's unread count and marking them read.

The unread count of the request's user comes with the user itself (``pmggt.autenticacion``):
the navbar adds no query.
"""

from .autenticacion import AVISOS_NO_LEIDOS
from .models import Aviso


def num_no_leidos(usuario) -> int:
    n = usuario.__dict__.get(AVISOS_NO_LEIDOS)
    if n is None:
        n = usuario.__dict__[AVISOS_NO_LEIDOS] = Aviso.objects.filter(
            usuario_id=usuario.pk, leido_en__isnull=True
        ).count()
    return n
