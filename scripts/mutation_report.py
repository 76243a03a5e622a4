"""Write the result of the last ``mutmut run`` into ``mutation/``: the score per module
(SCORE.md) and every surviving mutant (survivors.txt), for review in a pull request.

Each survivor's line gives its name, a verdict and the change (the line of the original
function and the mutated line, read from mutmut's own ``mutants/`` files). The verdict is
the explanation recorded for that mutant in ``mutation/equivalents.txt`` (an equivalent
mutant, or why it cannot be observed) or, when there is none, a first sort of the change
for the reviewer (``logic``, ``string value``, ...): see mutation/README.md.

A run that checked only some modules (one group) updates those modules' rows and
survivors; the other modules keep what an earlier run recorded.

Run it from the directory where ``mutmut run`` ran (``python scripts/mutation_report.py``
or ``python /path/to/scripts/mutation_report.py --into /path/to/mutation``).
"""

from __future__ import annotations

import argparse
import ast
import collections
import difflib
import json
import re
import subprocess
import sys
from datetime import date
from functools import cache
from pathlib import Path

MUTANTS = Path("mutants")
_QUOTED = re.compile(r"""(['"])(?:\\.|(?!\1).)*\1""")
DETECTED = ("killed", "timeout", "caught by type check")
HEADER = ("| module | mutants | killed | type check | timeout | survived | explained "
          "| unexplained | score | not run | run on |")
COUNTED = ("mutants", "killed", "type check", "timeout", "survived", "explained",
           "unexplained")


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


def module_of(name: str) -> str:
    """``odoo_async.bulk.plan`` for ``odoo_async.bulk.plan.x_key_of__mutmut_3``."""
    return re.split(r"\.x[_ǁ]", name, maxsplit=1)[0]


@cache
def _mutant_spans(path: str) -> list[tuple[int, int, str]]:
    """The lines and name of every mutant function in mutmut's copy ``path``."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    return [(node.lineno, node.end_lineno or node.lineno, node.name)
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name.startswith(("x_", "xǁ")) and "__mutmut_" in node.name
            and not node.name.endswith("__mutmut_orig")]


def refused_by_mypy() -> set[str]:
    """The mutants ``mypy --strict`` refuses, as CI would: mypy over mutmut's copy,
    each error inside a mutant's function naming that mutant. (The errors mypy finds in
    what mutmut itself wrote around them, its trampolines, belong to no mutant.)"""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "odoo_async", "--output", "json",
         "--disable-error-code", "unused-ignore"],
        cwd=MUTANTS, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):
        raise SystemExit(f"mypy failed ({result.returncode}): {result.stderr or result.stdout}")
    refused = set()
    for line in result.stdout.splitlines():
        if not line.strip():
            continue
        error = json.loads(line)
        if error["severity"] != "error":
            continue
        module = error["file"].removesuffix(".py").replace("/", ".")
        for start, end, name in _mutant_spans(str(MUTANTS / error["file"])):
            if start <= error["line"] <= end:
                refused.add(f"{module}.{name}")
    return refused


def read_equivalents(path: Path) -> dict[tuple[str, str], str]:
    """The recorded explanations: (mutant name, mutated line) -> reason.

    The file holds one explanation per line, ``name<TAB>reason<TAB>+ mutated line``;
    ``#`` starts a comment. The mutated line is kept so that an explanation stops
    applying when mutmut's numbering moves another change under the same name.
    """
    explained: dict[tuple[str, str], str] = {}
    if not path.exists():
        return explained
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[2].startswith("+ "):
            raise SystemExit(f"{path}:{number}: expected name<TAB>reason<TAB>+ mutated line")
        explained[(parts[0], parts[2][2:].strip())] = parts[1]
    return explained


def read_table(path: Path) -> dict[str, str]:
    """The rows of an earlier SCORE.md, by module."""
    if not path.exists():
        return {}
    rows = {}
    for line in path.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("| odoo_async") and len(cells) == HEADER.count("|") - 1:
            rows[cells[0]] = line
    return rows


def read_survivors(path: Path) -> dict[str, list[tuple[str, str, str]]]:
    """The survivors an earlier run recorded, by module: (name, old, new)."""
    found: dict[str, list[tuple[str, str, str]]] = collections.defaultdict(list)
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) == 4:
                found[module_of(parts[0])].append((parts[0], parts[2][2:], parts[3][2:]))
    return found


def _revision() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    return f"{date.today().isoformat()} {commit}"


def main(argv: list[str] | None = None) -> int:
    """Read ``mutmut results --all true`` and update SCORE.md and survivors.txt."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--into", type=Path, default=Path("mutation"),
                        help="the directory of SCORE.md, survivors.txt and equivalents.txt")
    parser.add_argument("--revision", help="what the run ran on (default: today and HEAD)")
    parser.add_argument("--only", nargs="+", metavar="MODULE", default=[],
                        help="update only these modules (and the modules under them), e.g. "
                             "odoo_async.bulk: what the last run was for")
    args = parser.parse_args(argv)
    out: Path = args.into
    listing = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                             capture_output=True, text=True, check=True).stdout
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    run_survivors: dict[str, list[tuple[str, str, str]]] = collections.defaultdict(list)
    refused = refused_by_mypy() if "survived" in listing else set()
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name or "__mutmut_" not in name:
            continue
        if status == "survived" and name in refused:
            status = "caught by type check"
        counts[module_of(name)][status] += 1
        if status == "survived":
            try:
                old, new = change(name)
            except (OSError, SyntaxError):
                old = new = "?"
            run_survivors[module_of(name)].append((name, old, new))
    checked = {module for module, by_status in counts.items()
               if sum(by_status.values()) > by_status["not checked"]
               and (not args.only or any(module == only or module.startswith(f"{only}.")
                                         for only in args.only))}
    explained = read_equivalents(out / "equivalents.txt")
    rows = read_table(out / "SCORE.md")
    survivors = read_survivors(out / "survivors.txt")
    revision = args.revision or _revision()
    for module in checked:
        survivors[module] = run_survivors[module]
        by_status = counts[module]
        detected = sum(by_status[status] for status in DETECTED)
        tested = detected + by_status["survived"]
        known = sum(1 for name, _, new in survivors[module] if (name, new) in explained)
        rows[module] = (
            f"| {module} | {sum(by_status.values())} | {by_status['killed']} | "
            f"{by_status['caught by type check']} | {by_status['timeout']} | "
            f"{by_status['survived']} | {known} | "
            f"{by_status['survived'] - known} | "
            f"{f'{detected / tested:.0%}' if tested else '-'} | "
            f"{by_status['not checked']} | {revision} |")
    out.mkdir(exist_ok=True)
    lines = []
    for module in sorted(survivors):
        for name, old, new in sorted(survivors[module]):
            verdict = explained.get((name, new)) or category(old, new)
            lines.append(f"{name}\t{verdict}\t- {old}\t+ {new}")
    (out / "survivors.txt").write_text("\n".join(lines) + "\n")
    total = collections.Counter[str]()
    for row in rows.values():
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        for key, cell in zip(COUNTED, cells[1:len(COUNTED) + 1], strict=True):
            total[key] += int(cell)
    detected = total["killed"] + total["type check"] + total["timeout"]
    score = detected / (detected + total["survived"]) if detected else 0.0
    (out / "SCORE.md").write_text(
        "# Mutation score\n\n"
        "Written by `scripts/mutation_report.py` after `nox -s mutation -- <group>`; each "
        "row is the last run of its module (`run on`: the date and commit). `type check`: "
        "mutants `mypy --strict` refuses (CI would). Score: detected (killed, type check, "
        "timeout) / (detected + survived). `explained`: survivors with a recorded reason "
        "in `equivalents.txt`; `unexplained`: the work left.\n\n"
        f"Over all modules: **{score:.1%}** detected; {total['survived']} survivors, "
        f"{total['explained']} explained, {total['unexplained']} unexplained.\n\n"
        + "\n".join([HEADER, "|" + "---|" * (HEADER.count("|") - 1)]
                     + [rows[module] for module in sorted(rows)]) + "\n")
    print(f"{len(checked)} modules updated; over all: {score:.1%} detected, "
          f"{total['unexplained']} survivors unexplained (mutation/survivors.txt)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
