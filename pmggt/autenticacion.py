"""Django's password backend, with the user of each request read together with what the navbar
shows of them: the number of unread in-app notifications (``pmggt.avisos``) comes in the same
query, so the navbar costs no query of its own."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, Q

AVISOS_NO_LEIDOS = "avisos_no_leidos"


def con_avisos(queryset):
    """Users annotated with their unread avisos (``AVISOS_NO_LEIDOS``)."""
    return queryset.annotate(
        **{AVISOS_NO_LEIDOS: Count("avisos", filter=Q(avisos__leido_en__isnull=True))}
    )


class Autenticacion(ModelBackend):
    def get_user(self, user_id):
        try:
            usuario = con_avisos(self._usuarios()).get(pk=user_id)
        except self._modelo().DoesNotExist:
            return None
        return usuario if self.user_can_authenticate(usuario) else None

    def _modelo(self):
        from django.contrib.auth import get_user_model

        return get_user_model()

    def _usuarios(self):
        return self._modelo()._default_manager.all()
