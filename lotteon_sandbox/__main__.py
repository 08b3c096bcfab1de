"""`python -m lotteon_sandbox [--host H] [--port P] [--seed S] [--lines N] [--days D]`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .server import make_server
from .state import DEFAULT_DAYS, DEFAULT_LINES, DEFAULT_SEED, Sandbox


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lotteon_sandbox", description="Local fake LotteON Open API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--lines", type=int, default=DEFAULT_LINES, help="order lines per supplier (0 = none)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="days the lines spread over, ending now")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sandbox = Sandbox(seed=args.seed, lines=max(0, args.lines), days=max(1, args.days))
    try:
        server = make_server(args.host, args.port, sandbox)
    except OSError as exc:
        print(f"LotteON sandbox cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr, flush=True)
        return 2
    host, port = server.server_address[:2]
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever() to return, so it must not run on the serving thread.
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"LotteON sandbox listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
