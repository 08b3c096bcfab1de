"""A local fake of the LotteON seller Open API (see README.md); standard library only.

Run it with `python -m lotteon_sandbox`. It is a separate program: the product never imports it.
"""

from .state import Sandbox

__all__ = ["Sandbox"]
