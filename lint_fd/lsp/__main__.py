"""``python -m lint_fd.lsp``: the language server on stdio."""
import sys

from . import main

sys.exit(main())
