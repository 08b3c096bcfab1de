from django import template
from django.utils.html import format_html

from core.submissions import FIELD, submission_value

register = template.Library()


@register.simple_tag
def submission_field() -> str:
    """The hidden one-time value that makes a form sent twice apply once (core/submissions.py)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, submission_value())
