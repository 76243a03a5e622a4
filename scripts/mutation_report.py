"""Write the result of the last ``mutmut run`` into ``mutation/``: the score per module
(SCORE.md) and every surviving mutant (survivors.txt), for review in a pull request.

Each survivor's line gives its name, a category and the change (the line of the original
function and the mutated line, read from mutmut's own ``mutants/`` files). The categories
are a first sort for the reviewer, not a verdict: see mutation/README.md.
"""

from __future__ import annotations

import ast
import collections
import difflib
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

OUT = Path("mutation")
MUTANTS = Path("mutants")
_QUOTED = re.compile(r"""(['"])(?:\\.|(?!\1).)*\1""")


@cache
def _functions(module: str) -> dict[str, str]:
    """The source of every function in mutmut's copy of ``module``, by name."""
    path = MUTANTS / (module.replace(".", "/") + ".py")
    source = path.read_text()
    lines = source.splitlines()
    return {node.name: "\n".join(lines[node.lineno - 1:node.end_lineno])
            for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def change(name: str) -> tuple[str, str]:
    """The original line and the mutated line of mutant ``name``."""
    module, _, function = name.rpartition(".")
    functions = _functions(module)
    original = functions.get(re.sub(r"__mutmut_\d+$", "__mutmut_orig", function), "")
    mutated = functions.get(function, "")
    old = [line.strip() for line in original.splitlines()[1:]]
    new = [line.strip() for line in mutated.splitlines()[1:]]
    removed = [line[1:] for line in difflib.ndiff(old, new) if line.startswith("- ")]
    added = [line[1:] for line in difflib.ndiff(old, new) if line.startswith("+ ")]
    if not removed and not added:  # a changed default argument, on the def line
        removed, added = original.splitlines()[:1], mutated.splitlines()[:1]
    return " ".join(removed).strip(), " ".join(added).strip()


def category(old: str, new: str) -> str:
    """A first sort of a surviving change."""
    if "logger." in old or "log." in old:
        return "log line"
    if _QUOTED.sub("''", old) == _QUOTED.sub("''", new):
        texts = [m.group(0) for m in _QUOTED.finditer(old)
                 if m.group(0) not in [n.group(0) for n in _QUOTED.finditer(new)]]
        return "message wording" if any(" " in text for text in texts) else "string value"
    if old.startswith(("def ", "async def ")):
        return "default argument"
    return "logic"


def main() -> int:
    """Read ``mutmut results --all true`` and write the two files."""
    listing = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                             capture_output=True, text=True, check=True).stdout
    by_module: dict[str, collections.Counter[str]] = collections.defaultdict(
        collections.Counter)
    survivors = []
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name or "__mutmut_" not in name:
            continue
        module = name.split(".x")[0]
        by_module[module][status] += 1
        if status == "survived":
            survivors.append(name)
    OUT.mkdir(exist_ok=True)
    rows = ["| module | mutants | killed | survived | score | timeout | not run yet |",
            "|---|---|---|---|---|---|---|"]
    total = collections.Counter[str]()
    for module in sorted(by_module):
        counts = by_module[module]
        total.update(counts)
        tested_here = counts["killed"] + counts["survived"]
        module_score = f"{counts['killed'] / tested_here:.0%}" if tested_here else "-"
        rows.append(f"| {module} | {sum(counts.values())} | {counts['killed']} | "
                    f"{counts['survived']} | {module_score} | {counts['timeout']} | "
                    f"{counts['not checked']} |")
    tested = total["killed"] + total["survived"]
    score = total["killed"] / tested if tested else 0.0
    (OUT / "SCORE.md").write_text(
        "# Mutation score\n\nFrom the last `nox -s mutation` run (mutmut). Killed / "
        f"(killed + survived): **{score:.1%}**.\n\n" + "\n".join(rows) + "\n")
    lines = []
    for name in sorted(survivors):
        try:
            old, new = change(name)
        except (OSError, SyntaxError):
            old = new = "?"
        lines.append(f"{name}\t{category(old, new)}\t- {old}\t+ {new}")
    (OUT / "survivors.txt").write_text("\n".join(lines) + "\n")
    print(f"mutation score {score:.1%}; {len(survivors)} survivors in mutation/survivors.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
