"""Subrogancia: while the Jefe/a de Servicio is away, a substitute acts on the chain for a
period, and every record of it says «por subrogancia de …».

It ends by itself (``hasta`` is inclusive; no task is needed) and can be revoked earlier. The
substitute gets the Jefe/a's grants on that Servicio (``pmggt.permisos``) only between ``desde``
and ``hasta``; the four-eyes rule of ``pmggt.workflow`` still applies to the person.
"""

from django.conf import settings
from django.db import models

from pmggt.historia import Historial

from .organizacion import Servicio


class SubroganciaQuerySet(models.QuerySet):
    def en_vigor(self, hoy):
        """In force on ``hoy``: within the period, not revoked, both people active, and the
        titular still Jefe/a of that Servicio (a Jefe/a who leaves the role takes the
        subrogancia with them)."""
        from .roles import GrupoRol

        sigue_jefe = GrupoRol.objects.filter(
            tipo=GrupoRol.Tipo.JEFE,
            servicio_id=models.OuterRef("servicio_id"),
            centro__isnull=True,
            grupo__user=models.OuterRef("titular_id"),
        )
        return self.filter(
            models.Exists(sigue_jefe),
            desde__lte=hoy,
            hasta__gte=hoy,
            revocada_en__isnull=True,
            subrogante__is_active=True,
            titular__is_active=True,
        )


class Subrogancia(models.Model):
    servicio = models.ForeignKey(Servicio, on_delete=models.PROTECT, related_name="subrogancias")
    titular = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="subrogado_por",
        verbose_name="Jefe/a titular",
    )
    subrogante = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="subrogancias",
        verbose_name="subrogante",
    )
    desde = models.DateField()
    hasta = models.DateField(help_text="Último día de la subrogancia (inclusive).")
    motivo = models.CharField(max_length=300, blank=True)
    designada_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    creada_en = models.DateTimeField(auto_now_add=True)
    revocada_en = models.DateTimeField(null=True, blank=True)
    revocada_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = Historial()

    objects = SubroganciaQuerySet.as_manager()

    class Meta:
        ordering = ["-desde", "-id"]
        verbose_name = "subrogancia"
        verbose_name_plural = "subrogancias"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hasta__gte=models.F("desde")), name="subrogancia_periodo"
            ),
            models.CheckConstraint(
                condition=~models.Q(titular=models.F("subrogante")), name="subrogancia_otra_persona"
            ),
        ]
        indexes = [
            models.Index(fields=["subrogante", "desde", "hasta"], name="subrogancia_vigente"),
        ]

    def __str__(self):
        return f"{self.subrogante} subroga a {self.titular} ({self.servicio.sigla})"
