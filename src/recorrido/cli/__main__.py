import sys

from recorrido.cli import app

sys.exit(app())
