"""Refusals that tell a person to reload the page say it in the API's words when a program gets them: a program has
no page. Pages keep their wording (core.exceptions.API_WORDING)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.exceptions import API_WORDING, ApplicationError, api_exception_handler
from inventory.models import OptionSku
from tests.factories import make_seller_user
from tests.inventory.factories import make_multi
from tests.inventory.test_views import formset

ROOT = Path(__file__).resolve().parents[2]
PAGE_WORDS = re.compile(r"reload the (page|list)|look at the page", re.IGNORECASE)


@pytest.mark.parametrize("page", list(API_WORDING))
def test_the_api_says_its_own_words_for_each_page_phrase(page):
    api = API_WORDING[page]
    refused = api_exception_handler(ApplicationError(f"It changed. {page.capitalize()}.", code="hold_changed"), {})
    assert refused.data["message"] == f"It changed. {api[0].upper()}{api[1:]}."
    invalid = api_exception_handler(ValidationError({"code": [f"Taken; {page}."]}), {})
    assert invalid.data["extra"]["fields"] == {"code": [f"Taken; {api}."]}
    assert invalid.data["extra"]["fields"]["code"][0].code == "invalid"


def test_refusals_that_can_reach_the_api_spell_the_page_phrases_through_core_exceptions():
    """A service or API module writing "reload the page" itself would send it to programs unchanged: the phrase is
    one of API_WORDING's constants, which the API's exception handler rewords. Pages, forms and page views may
    write their own."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        parts = path.relative_to(ROOT).parts
        if {".venv", "tests", "migrations", "var", "bench", "lotteon_sandbox"} & set(parts):
            continue
        name = path.name
        if name.startswith(("views", "forms", "manual_forms", "manual_views")) or name in {"middleware.py",
                                                                                            "exceptions.py"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PAGE_WORDS.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.django_db
def test_an_option_row_of_another_sku_is_refused_in_each_ones_words(client):
    seller, user = make_seller_user()
    sku = make_multi(seller=seller, options=[("TEE-M", "M")])
    stranger = make_multi(seller=seller, options=[("CAP-1", "1")], code="CAP").options.get()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    answer = api.patch(f"/api/v1/skus/{sku.pk}/", {"options": [
        {"id": stranger.pk, "code": "TEE-S", "option_values": "S"}]}, format="json")
    assert answer.status_code == 400
    (message,) = answer.json()["extra"]["fields"]["options.0.code"]
    assert message == "This option row does not belong to this SKU; read it again (GET)."

    client.force_login(user)
    page = client.post(reverse("inventory:sku-update", args=[sku.pk]), {"name": sku.name, "code": "", **formset([
        {"id": stranger.pk, "code": "TEE-S", "option_values": "S", "is_active": True}])})
    assert page.status_code == 400
    assert "This option row does not belong to this SKU; reload the page." in page.content.decode()
    assert OptionSku.objects.get(pk=stranger.pk).code == "CAP-1"
