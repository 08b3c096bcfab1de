"""`python -m lotteon_sandbox [--host H] [--port P] [--seed S] [--lines N] [--days D] [--state-file PATH]`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from .server import make_server
from .state import DEFAULT_DAYS, DEFAULT_LINES, DEFAULT_SEED, Sandbox, save_state

SAVE_EVERY = 2.0  # seconds between writes of a changed world to --state-file


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lotteon_sandbox", description="Local fake LotteON Open API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--lines", type=int, default=DEFAULT_LINES, help="order lines per supplier (0 = none)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="days the lines spread over, ending now")
    parser.add_argument("--state-file", type=Path, help="keep the world in this file: a restart goes on from it")
    return parser.parse_args(argv)


def _load(sandbox: Sandbox, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = path.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        print(f"LotteON sandbox: cannot read {path} ({exc.strerror}); a new world starts.", file=sys.stderr, flush=True)
        return
    try:
        sandbox.restore(data)
    except ValueError as exc:
        # Set aside rather than deleted: it may hold what someone wants to look at.
        path.replace(path.with_name(path.name + ".unreadable"))
        print(f"LotteON sandbox: {path} is {exc}; it is now {path.name}.unreadable and a new world starts.",
              file=sys.stderr, flush=True)


def _save(sandbox: Sandbox, path: Path, last: bytes | None = None) -> bytes | None:
    """``save_state`` that says on stderr when the file cannot be written (disk full, no permission) and goes
    on serving: the sandbox's answers matter more than its memory."""
    try:
        return save_state(sandbox, path, last)
    except OSError as exc:
        print(f"LotteON sandbox: cannot write {path} ({exc.strerror}); the world is not kept.", file=sys.stderr,
              flush=True)
        return last


def _keep_saving(sandbox: Sandbox, path: Path, stopping: threading.Event) -> None:
    last = None
    while not stopping.wait(SAVE_EVERY):
        last = _save(sandbox, path, last)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sandbox = Sandbox(seed=args.seed, lines=max(0, args.lines), days=max(1, args.days))
    if args.state_file:
        # Like LotteON, the demo's sandbox remembers what happened (confirmations, shipments, order numbers
        # handed out) across restarts; otherwise a restarted sandbox would hand out the same numbers again.
        _load(sandbox, args.state_file)
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
    saver = threading.Thread(target=_keep_saving, args=(sandbox, args.state_file, stopping), daemon=True)
    if args.state_file:
        saver.start()
    print(f"LotteON sandbox listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        stopping.set()
        if args.state_file:
            saver.join(timeout=10)  # one writer at a time
            _save(sandbox, args.state_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
