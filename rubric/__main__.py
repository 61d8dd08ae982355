# Ctrl-C during the imports below must still end with `rubric: interrupted` and exit 130.
import sys

try:
    from .cli import interrupted, main
except KeyboardInterrupt:
    print("rubric: interrupted", file=sys.stderr)
    sys.exit(130)

try:
    status = main()
except KeyboardInterrupt:  # between main's own handler and here
    status = interrupted()
sys.exit(status)
