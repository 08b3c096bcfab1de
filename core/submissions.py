"""A form sent twice is applied once: a double click, or a second press while a slow answer is on its way,
would otherwise create a second manual shipping order or book a stock receipt twice.

A form that creates something carries a one-time value (``{% submission_field %}``, drawn anew with every
page). The view's POST, wrapped in ``once_per_submission``, claims that value in the cache before doing
anything: the first request goes ahead; a second with the same value waits for the first to finish and is
sent where the first one was (its success page), with a note that the form was applied once. A first request
that did not succeed (a form error, a refusal, a crash) gives its value back, so sending the corrected or the
same form again works. Requests without the value (the REST API, scripts) are not affected.

The claim lives in Django's cache: shared by every process with Redis, per process otherwise (the embedded
default runs one web process)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

FIELD = "submission"
KEEP_SECONDS = 3600  # a duplicate arrives within seconds; an hour also covers Back and send again
WAIT_SECONDS = 20.0  # how long a duplicate waits for the first request's answer
_RUNNING = "running"
_VALUE = re.compile(r"[0-9a-f]{32}")
DUPLICATE = "This form was sent twice (a double click?): it was applied once."
STILL_RUNNING = ("This form was sent twice (a double click?): the first is still being applied, and the second "
                 "will not be. Its result shows here in a moment.")


def submission_value() -> str:
    return uuid.uuid4().hex


def _key(request: HttpRequest, value: str) -> str:
    return f"smartship:submission:{request.user.pk}:{value}"


def once_per_submission(post: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(post)
    def view(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        value = request.POST.get(FIELD, "")
        if not _VALUE.fullmatch(value):
            return post(self, request, *args, **kwargs)
        key = _key(request, value)
        # None: the cache is unreachable (its errors are ignored); the form then goes ahead unguarded.
        while cache.add(key, _RUNNING, timeout=KEEP_SECONDS) is False:
            where = _wait(key)
            if where == _RUNNING:
                messages.info(request, STILL_RUNNING)
                return redirect(request.get_full_path())
            if where is not None:
                messages.info(request, DUPLICATE)
                return redirect(where)
            # The first was not applied and gave the value back: this one goes ahead as if it came first.
        try:
            response = post(self, request, *args, **kwargs)
        except BaseException:
            cache.delete(key)
            raise
        if response.status_code in (301, 302, 303) and response.has_header("Location"):
            cache.set(key, response["Location"], timeout=KEEP_SECONDS)
        else:
            cache.delete(key)  # not applied (a form error, a refusal)
        return response
    return view


def _wait(key: str) -> str | None:
    """Where the first request with this value sent its sender, once it has finished; ``_RUNNING`` if it is
    still at work after ``WAIT_SECONDS``; None if it was not applied."""
    deadline = time.monotonic() + WAIT_SECONDS
    while (where := cache.get(key)) == _RUNNING and time.monotonic() < deadline:
        time.sleep(0.1)
    return where
