"""``python -m sandbox``: run the sandbox without Django."""

from sandbox.cli import main

if __name__ == "__main__":
    main()
