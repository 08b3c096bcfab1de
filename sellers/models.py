from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from rest_framework.authtoken.models import TokenProxy


class User(AbstractUser):
    """A person who signs in: seller staff through memberships, QFC staff as warehouse operators."""

    is_warehouse_operator = models.BooleanField(
        default=False,
        help_text="QFC (fulfilment centre) staff: sees warehouse work for every seller it serves.",
    )


class Seller(models.Model):
    """The shop: every seller-owned row in the portal points here."""

    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)
    # Where connection alerts go (integrations/alerts.py): addresses one per line; empty, none is sent.
    alert_emails = models.TextField("Alert e-mails", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "seller"], name="uniq_membership_user_seller")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.seller} ({self.role})"


class ApiToken(TokenProxy):
    """A user's REST API token as the Django admin shows it: the key masked, like a stored API Key, so that no
    page, title or admin log entry repeats it (DRF's own token admin names every token by its full key)."""

    class Meta:
        proxy = True
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.user} (key ••••••••{self.key[-4:]})"
