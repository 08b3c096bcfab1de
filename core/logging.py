"""Logging pieces: error reports to the operators by e-mail, without a flood when one failure repeats and
without the secrets a failing request carried; an ordinary refusal logged in one line."""

from __future__ import annotations

import logging
import threading
import time

from django.core.exceptions import PermissionDenied
from django.views.debug import SafeExceptionReporterFilter


class OncePerInterval(logging.Filter):
    """Lets a record through once per ``seconds`` for the same logger, message and exception type.

    A failure that comes back with every beat tick (a crashed sync each minute) would otherwise send one
    e-mail a minute; the log itself keeps every occurrence.
    """

    def __init__(self, seconds: float = 3600.0, clock=time.monotonic) -> None:
        super().__init__()
        self.seconds = seconds
        self._clock = clock
        self._last: dict[tuple[str, str, str], float] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        # The message with its arguments (the path of a 500, the account of a crashed sync) and the exception.
        key = (record.name, record.getMessage()[:300], record.exc_info[0].__name__ if record.exc_info else "")
        now = self._clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.seconds:
                return False
            self._last[key] = now
            return True


class RefusalWithoutTraceback(logging.Filter):
    """``django.request`` logs a ``PermissionDenied`` (a 403: a warehouse operator opening a seller's page, a
    seller another's) with its traceback. The warning line says all there is (status and path); the traceback
    only buries the log's real failures. It is dropped; the record goes through."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None and issubclass(record.exc_info[0], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True


class SecretsHiddenFilter(SafeExceptionReporterFilter):
    """Error reports (the mail to the operators, the debug page) never show an API key or a password: the
    form fields and local variables that carry them are replaced, whichever view failed. Django itself
    hides POST fields only in views decorated with ``sensitive_post_parameters``."""

    SECRET_NAMES = frozenset({"api_key", "_api_key", "password", "password1", "password2", "old_password",
                              "new_password1", "new_password2", "token", "key"})

    def get_post_parameters(self, request):
        parameters = super().get_post_parameters(request)
        if request is None or not any(name in parameters for name in self.SECRET_NAMES):
            return parameters
        parameters = parameters.copy()
        for name in self.SECRET_NAMES & set(parameters):
            parameters[name] = self.cleansed_substitute
        return parameters

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute if name in self.SECRET_NAMES else value)
                for name, value in super().get_traceback_frame_variables(request, tb_frame)]
