"""Write the result of the last ``mutmut run`` into ``mutation/``: the score per module
(SCORE.md) and every surviving mutant (survivors.txt), for review in a pull request."""

from __future__ import annotations

import collections
import subprocess
import sys
from pathlib import Path

OUT = Path("mutation")


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
    (OUT / "survivors.txt").write_text("\n".join(sorted(survivors)) + "\n")
    print(f"mutation score {score:.1%}; {len(survivors)} survivors in mutation/survivors.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
