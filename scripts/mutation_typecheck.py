"""mutmut's type check: mypy over the mutated copy, keeping the errors inside mutants.

mutmut (``type_check_command`` in pyproject.toml) runs this in its ``mutants/``
directory and counts a mutant whose function mypy refuses as caught, as CI's
``mypy --strict`` would refuse it. mutmut's copy also holds code mutmut wrote (its
trampolines, redefined attributes) that mypy flags outside any mutant; mutmut stops on
such an error, so only the errors inside a mutant's function are passed on, as mypy's
JSON lines. The last argument, ``mypy``, tells mutmut how to read the output.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import cache


@cache
def _mutant_spans(path: str) -> list[tuple[int, int]]:
    """The lines of every mutant function in ``path`` (not the original's copy)."""
    with open(path, encoding="utf-8") as file:
        tree = ast.parse(file.read())
    return [(node.lineno, node.end_lineno or node.lineno) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name.startswith(("x_", "xǁ")) and "__mutmut_" in node.name
            and not node.name.endswith("__mutmut_orig")]


def main() -> int:
    """Run mypy and print the errors that belong to a mutant."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "odoo_async", "--output", "json",
         "--disable-error-code", "unused-ignore"], capture_output=True, text=True)
    if result.returncode not in (0, 1):
        # Not JSON on purpose: mutmut stops and shows it rather than trusting no errors.
        print(f"mypy failed ({result.returncode}): {result.stderr or result.stdout}")
        return result.returncode
    for line in result.stdout.splitlines():
        if not line.strip():
            continue
        error = json.loads(line)
        if any(start <= error["line"] <= end for start, end in _mutant_spans(error["file"])):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
