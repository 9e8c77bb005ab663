"""gunicorn's defaults for this project, read from the working directory (`make run`, the tests, the bench, fuzz).

The control socket is off: the portal does not use gunicorn's control interface, and every server on one machine
would otherwise share its single default path (~/.gunicorn/gunicorn.ctl), so the tests' and the bench's servers
would take it from each other. Flags given on the command line override anything here.
"""

control_socket_disable = True
