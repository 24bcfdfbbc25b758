"""Serve the demo web until killed: python -m crawler.demoweb --port 0 --sites-out sites.yaml"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .web import DemoWeb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.demoweb",
        description="Serve a local multi-outlet news web on loopback addresses. "
                    "Example: python -m crawler.demoweb --port 0 --sites-out /tmp/sites.yaml",
    )
    parser.add_argument("--port", type=int, default=0, help="port for every outlet (0: the OS picks one)")
    parser.add_argument("--first-ip", default="127.0.0.2", help="address of the first outlet (default 127.0.0.2)")
    parser.add_argument("--generation", type=int, choices=(1, 2), default=1,
                        help="2 serves the same web with the updated article changed")
    parser.add_argument("--filler", type=int, default=8, help="off-topic filler articles per outlet")
    parser.add_argument("--outlets", type=int, default=5, help="number of outlets (at least 4)")
    parser.add_argument("--article-kb", type=float, default=None, help="pad article pages to about this size")
    parser.add_argument("--no-bad-inputs", action="store_true", help="leave out the bad-input pages")
    parser.add_argument("--sites-out", required=True, help="where to write the sites YAML file")
    parser.add_argument("--expected-out", default=None, help="also write the ground truth as JSON here")
    args = parser.parse_args(argv)

    web = DemoWeb(first_ip=args.first_ip, port=args.port, generation=args.generation,
                  filler_per_outlet=args.filler, outlets=args.outlets, article_kb=args.article_kb,
                  bad_inputs=not args.no_bad_inputs)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    try:
        web.start()
    except OSError as exc:  # the port is taken: one line, not a traceback
        print(f"demo web: cannot listen on {args.first_ip} port {args.port}: {exc.strerror}",
              file=sys.stderr, flush=True)
        return 3
    try:
        path = web.write_sites_yaml(args.sites_out)
        if args.expected_out:
            web.write_expected_json(args.expected_out)
        print(f"READY {path}", flush=True)
        while not done.wait(1.0):
            pass
    finally:
        web.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
