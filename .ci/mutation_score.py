"""Print the mutation score of the last `mutmut run` (`make mutants`)."""

import json
from pathlib import Path

stats = json.loads(Path("mutants/mutmut-cicd-stats.json").read_text())
caught = stats["killed"] + stats["timeout"]
missed = stats["survived"] + stats["no_tests"] + stats["suspicious"]
print(
    f"{caught} of {caught + missed} mutants caught ({100 * caught / (caught + missed):.1f} %): "
    f"{stats['killed']} killed, {stats['timeout']} timed out, {stats['survived']} survived, "
    f"{stats['no_tests']} not reached by any test, {stats['suspicious']} suspicious"
)
