"""Who made each change: django-simple-history with an explicit actor outside requests.

Web requests get the user from HistoryRequestMiddleware. Management commands and services wrap
their writes in ``actuando_como(usuario)`` so that every historical row names a user.
"""

import contextvars
from contextlib import contextmanager

from simple_history.models import HistoricalRecords

_actor = contextvars.ContextVar("pmggt_history_actor", default=None)


@contextmanager
def actuando_como(usuario):
    token = _actor.set(usuario)
    try:
        yield usuario
    finally:
        _actor.reset(token)


def actor_actual():
    return _actor.get()


def _usuario_historial(instance=None, request=None, **kwargs):
    usuario = _actor.get()
    if usuario is not None:
        return usuario
    if request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
    # A user account saved with nobody else acting (e.g. last_login at sign-in) is its own actor.
    from django.contrib.auth import get_user_model

    if isinstance(instance, get_user_model()) and instance.pk:
        return instance
    return None


def Historial(**kwargs) -> HistoricalRecords:
    """HistoricalRecords for every PMG-GT model, with the actor resolution above."""
    kwargs.setdefault("get_user", _usuario_historial)
    return HistoricalRecords(**kwargs)


def registrar_usuarios():
    """Keep user accounts and their group (role) memberships in history too."""
    from django.contrib.auth import get_user_model
    from simple_history import register
    from simple_history.models import registered_models

    User = get_user_model()
    if User not in registered_models:
        register(
            User,
            app="pmggt",
            get_user=_usuario_historial,
            m2m_fields=["groups"],
            excluded_fields=["password", "last_login"],
        )
