#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartship.settings")
    from django.core.management import execute_from_command_line

    from smartship.config import ConfigError

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as exc:
        # A configuration mistake deserves one clear line, not a traceback.
        sys.stderr.write(f"SmartShip configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
