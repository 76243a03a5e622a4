"""Write the result of the last ``mutmut run`` into ``mutation/``: the score per module
(SCORE.md) and every surviving mutant (survivors.txt), for review in a pull request.

Each survivor's line gives its name, a verdict and the change (the line of the original
function and the mutated line, read from mutmut's own ``mutants/`` files). The verdict is
the explanation recorded for that mutant in ``mutation/equivalents.txt`` (an equivalent
mutant, or why it cannot be observed) or, when there is none, a first sort of the change
for the reviewer (``logic``, ``string value``, ...): see mutation/README.md.

A run that checked only some modules (one group, ``--only``) updates those modules'
rows and survivors; the other modules keep what an earlier run recorded. A survivor that
``mypy --strict`` refuses counts as caught. ``--recheck`` reads a run of the recorded
survivors by name (``mutmut run NAME...``, after tests were written for them);
``--explanations-only`` applies ``equivalents.txt`` again without reading a run.

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
COLUMNS = ("module", "mutants", "killed", "type check", "timeout", "survived", "explained",
           "unexplained", "score", "not run", "run on")
STATUS_OF_COLUMN = {"mutants": "mutants", "killed": "killed",
                    "type check": "caught by type check", "timeout": "timeout",
                    "survived": "survived", "not run": "not checked"}


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


def read_table(path: Path) -> dict[str, tuple[dict[str, int], str]]:
    """The rows of an earlier SCORE.md, by module: the counts of mutmut's statuses and
    what the run ran on."""
    if not path.exists():
        return {}
    rows = {}
    for line in path.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| odoo_async") and len(cells) == len(COLUMNS):
            values = dict(zip(COLUMNS, cells, strict=True))
            rows[cells[0]] = ({status: int(values[column]) for column, status in
                               STATUS_OF_COLUMN.items()}, values["run on"])
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


def write(out: Path, rows: dict[str, tuple[dict[str, int], str]],
          survivors: dict[str, list[tuple[str, str, str]]]) -> collections.Counter[str]:
    """Write SCORE.md and survivors.txt, each survivor with its recorded explanation
    (``equivalents.txt``) or a first sort; return the totals."""
    explained = read_equivalents(out / "equivalents.txt")
    out.mkdir(exist_ok=True)
    lines, table = [], []
    total = collections.Counter[str]()
    for module in sorted(rows):
        counts = collections.Counter(rows[module][0])
        revision = rows[module][1]
        known = 0
        for name, old, new in sorted(survivors.get(module, [])):
            reason = explained.get((name, new))
            known += reason is not None
            lines.append(f"{name}\t{reason or category(old, new)}\t- {old}\t+ {new}")
        detected = sum(counts[status] for status in DETECTED)
        tested = detected + counts["survived"]
        total.update(counts)
        total["explained"] += known
        table.append(
            f"| {module} | {counts['mutants']} | {counts['killed']} | "
            f"{counts['caught by type check']} | {counts['timeout']} | "
            f"{counts['survived']} | {known} | {counts['survived'] - known} | "
            f"{f'{detected / tested:.0%}' if tested else '-'} | "
            f"{counts['not checked']} | {revision} |")
    (out / "survivors.txt").write_text("".join(f"{line}\n" for line in lines))
    detected = sum(total[status] for status in DETECTED)
    score = detected / (detected + total["survived"]) if detected else 0.0
    (out / "SCORE.md").write_text(
        "# Mutation score\n\n"
        "Written by `scripts/mutation_report.py` after `nox -s mutation -- <group>`; each "
        "row is the last run of its module (`run on`: the date and commit). `type check`: "
        "mutants `mypy --strict` refuses (CI would). Score: detected (killed, type check, "
        "timeout) / (detected + survived). `explained`: survivors with a recorded reason "
        "in `equivalents.txt`; `unexplained`: the work left.\n\n"
        f"Over all modules: **{score:.1%}** detected; {total['survived']} survivors, "
        f"{total['explained']} explained, {total['survived'] - total['explained']} "
        "unexplained.\n\n"
        + "\n".join(["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS), *table])
        + "\n")
    total["score"] = round(score * 1000)
    return total


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
    parser.add_argument("--explanations-only", action="store_true",
                        help="no run to read: apply equivalents.txt to what is recorded")
    parser.add_argument("--recheck", action="store_true",
                        help="the last run re-ran the recorded survivors by name (mutmut "
                             "run NAME...): move the ones now detected, keep the others "
                             "(and the rows of modules it did not re-run)")
    args = parser.parse_args(argv)
    out: Path = args.into
    rows = read_table(out / "SCORE.md")
    survivors = read_survivors(out / "survivors.txt")
    updated = 0
    if args.recheck:
        updated = recheck(rows, survivors, *read_run(), revision=args.revision or _revision())
    elif not args.explanations_only:
        counts, run_survivors, _ = read_run()
        revision = args.revision or _revision()
        for module, by_status in counts.items():
            if sum(by_status.values()) == by_status["not checked"]:
                continue  # not run
            if args.only and not any(module == only or module.startswith(f"{only}.")
                                     for only in args.only):
                continue
            by_status["mutants"] = sum(by_status.values())
            rows[module] = (dict(by_status), revision)
            survivors[module] = run_survivors[module]
            updated += 1
    total = write(out, rows, survivors)
    print(f"{updated} modules updated; over all: {total['score'] / 10:.1f}% detected, "
          f"{total['survived'] - total['explained']} survivors unexplained ({out})")
    return 0


def recheck(rows: dict[str, tuple[dict[str, int], str]],
            survivors: dict[str, list[tuple[str, str, str]]],
            counts: dict[str, collections.Counter[str]],
            run_survivors: dict[str, list[tuple[str, str, str]]],
            statuses: dict[str, str], *, revision: str) -> int:
    """Apply a run that re-ran recorded survivors by name to ``rows`` and ``survivors``
    (their modules' ``run on`` says so); return how many modules it touched."""
    touched = 0
    fresh = {name: (old, new) for found in run_survivors.values() for name, old, new in found}
    for module, found in survivors.items():
        if module not in rows or module not in counts:
            continue
        if not any(statuses.get(name) not in (None, "not checked") for name, _, _ in found):
            continue  # the run did not re-run this module's survivors
        kept = []
        for name, old, new in found:
            status = statuses.get(name)
            # a survivor the run did not generate (mutmut generates only covered lines,
            # by a map that moves with the code) is kept, never taken for gone
            if status in ("survived", "not checked", None):
                kept.append((name, *fresh.get(name, (old, new))))
                continue
            moved = rows[module][0]
            moved["survived"] -= 1
            moved[status] = moved.get(status, 0) + 1
        survivors[module] = kept
        first_run = rows[module][1].split(";")[0]
        rows[module] = (rows[module][0], f"{first_run}; survivors re-run {revision}")
        touched += 1
    return touched


def read_run() -> tuple[dict[str, collections.Counter[str]],
                        dict[str, list[tuple[str, str, str]]], dict[str, str]]:
    """The statuses of the last run by module, its survivors, and every mutant's status
    (mypy's verdict applied to the survivors)."""
    listing = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                             capture_output=True, text=True, check=True).stdout
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    survivors: dict[str, list[tuple[str, str, str]]] = collections.defaultdict(list)
    statuses: dict[str, str] = {}
    refused = refused_by_mypy() if "survived" in listing else set()
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name or "__mutmut_" not in name:
            continue
        if status == "survived" and name in refused:
            status = "caught by type check"
        statuses[name] = status
        counts[module_of(name)][status] += 1
        if status == "survived":
            try:
                old, new = change(name)
            except (OSError, SyntaxError):
                old = new = "?"
            survivors[module_of(name)].append((name, old, new))
    return counts, survivors, statuses


if __name__ == "__main__":
    raise SystemExit(main())
