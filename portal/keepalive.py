"""Keep one command of `make run` running: restart it with a growing pause when it dies, stop with it on a signal.

`python -m portal.keepalive NAME -- COMMAND...` runs COMMAND; when it exits on its own (a crash, a kill, an out of
memory), it is started again after 1 s, then 2, 4, ... up to 30 s while it keeps dying young (the pause starts over
once a run lasted a minute). SIGTERM or SIGINT (honcho sends SIGTERM to the whole group on Ctrl-C) stops the command
and this loop, so Ctrl-C still stops everything. It imports no Django: it only supervises.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time

MIN_PAUSE = 1.0
MAX_PAUSE = 30.0
# A run that lasted this long was healthy: the next crash is restarted after MIN_PAUSE again.
HEALTHY_SECONDS = 60.0


class Keepalive:
    """Runs `argv` until told to stop; `run` returns the last exit code."""

    def __init__(self, name: str, argv: list[str], *, min_pause: float = MIN_PAUSE, max_pause: float = MAX_PAUSE,
                 healthy_seconds: float = HEALTHY_SECONDS):
        self.name = name
        self.argv = argv
        self.min_pause = min_pause
        self.max_pause = max_pause
        self.healthy_seconds = healthy_seconds
        self.stopping = False
        self.child: subprocess.Popen | None = None

    def _say(self, text: str) -> None:
        print(f"[keepalive] {self.name} {text}", flush=True)

    def stop(self, signum: int, _frame=None) -> None:
        """Signal handler: stop restarting, and pass the signal on to the command."""
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(0.1)

    def run(self) -> int:
        """Run and restart the command until a signal stops it. Returns the command's last exit code."""
        pause = self.min_pause
        while True:
            started = time.monotonic()
            self.child = subprocess.Popen(self.argv)
            self._say(f"started (pid {self.child.pid})")
            code = self.child.wait()
            if self.stopping:
                return code
            if time.monotonic() - started >= self.healthy_seconds:
                pause = self.min_pause
            self._say(f"exited with {code}; restarting in {pause:.0f} s")
            self._pause(pause)
            if self.stopping:
                return code
            pause = min(pause * 2, self.max_pause)


def main(args: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.keepalive", description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the name to print (web, worker, beat, ...)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command and its arguments")
    options = parser.parse_args(args)
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("no command given")
    keeper = Keepalive(options.name, command)
    signal.signal(signal.SIGTERM, keeper.stop)
    signal.signal(signal.SIGINT, keeper.stop)
    return keeper.run()


if __name__ == "__main__":
    sys.exit(main())
