"""gunicorn's defaults for this project, read from the working directory (`make run`, the tests, the bench, fuzz).

The control socket is off: the portal does not use gunicorn's control interface, and every server on one machine
would otherwise share its single default path (~/.gunicorn/gunicorn.ctl), so the tests' and the bench's servers
would take it from each other. Flags given on the command line override anything here.
"""

control_socket_disable = True

# Access lines carry the server's own time per request, and never a wall screen's token (portal/accesslog.py).
logger_class = "portal.accesslog.RedactingLogger"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

import ctypes  # noqa: E402 - gunicorn reads this file as settings; the hook below needs it
import ctypes.util  # noqa: E402
import sys  # noqa: E402

M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc's mallopt parameters (malloc.h)


def post_fork(server, worker):
    """Favour short answers over a long render (the GIL's switch interval), and bound a worker's memory under glibc:
    one malloc arena per thread (up to 8 per core) each keeping what its thread freed, and a mmap threshold that
    grows after each large block freed, had 8 threads building multi-megabyte pages (a 2,000-deployment wall board,
    the dashboard) hold on to ~290 MB. Two arenas, and blocks of 256 KB and more always mapped and given back to the
    system when freed. Elsewhere than glibc, the memory settings are left alone."""
    # A thread rendering a large page holds the GIL for the whole switch interval (5 ms) each time; the threads
    # answering small requests (a wall's 304, three Redis reads) then wait that long at each of their reads. 1 ms
    # keeps those answers short at the price of more switches.
    sys.setswitchinterval(0.001)
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_ARENA_MAX, 2)
        libc.mallopt(M_MMAP_THRESHOLD, 256 * 1024)
    except (OSError, AttributeError):
        pass
