"""Audit the locked runtime dependencies for known vulnerabilities (pip-audit), and say how much was audited.

    .venv/bin/python scripts/audit.py            # run by scripts/test.sh before the suite

1. pip-audit checks every package of uv.lock (runtime group, exact versions with hashes) against PyPI's
   vulnerability data for that version.
2. Some networks reach only part of PyPI: the per-version JSON that pip-audit asks for answers 404 there
   ("Dependency not found on PyPI"), while the project JSON (/pypi/<name>/json) answers. That document
   carries the vulnerabilities of the newest release, so a package locked at the newest release is still
   audited from it; a package locked behind the newest release is listed as not audited, with the newest.

Exit status: 1 if any locked version has a known vulnerability (listed with its fix), else 0. Packages that
could not be audited are counted and named, never silently passed; AUDIT_STRICT=1 makes them fail too.
"""

import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPI = os.environ.get("AUDIT_PYPI_URL", "https://pypi.org/pypi")


def locked_requirements():
    """The runtime dependencies exactly as uv.lock pins them, as a requirements file with hashes."""
    uv = ROOT / ".tools" / "bin" / "uv"
    command = [str(uv) if uv.exists() else "uv", "export", "--frozen", "--no-dev", "--no-emit-project",
               "--format", "requirements-txt", "--quiet"]
    return subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def locked_versions(requirements):
    """{canonical name: version} from the exported lock's `name==version ; marker \\` lines."""
    versions = {}
    for line in requirements.splitlines():
        text = line.split("\\")[0].strip()
        if not text or text.startswith(("#", "-")):
            continue
        requirement = Requirement(text)
        pins = [spec.version for spec in requirement.specifier if spec.operator == "=="]
        if pins:
            versions[canonicalize_name(requirement.name)] = pins[0]
    return versions


def run_pip_audit(requirements_path):
    """pip-audit's JSON report: {"dependencies": [{"name", "version", "vulns", "skip_reason"?}, ...]}."""
    with tempfile.NamedTemporaryFile(suffix=".json") as output:
        completed = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "pip-audit"), "--requirement", requirements_path, "--no-deps",
             "--disable-pip", "--progress-spinner", "off", "--format", "json", "--output", output.name],
            capture_output=True, text=True,
        )
        # pip-audit exits 1 when it finds vulnerabilities, and also when it crashes (a network error
        # raised as a traceback): no report then, and every package goes to the fallback below.
        text = Path(output.name).read_text()
        if not text:
            tail = "\n".join(completed.stderr.strip().splitlines()[-3:])
            print(f"pip-audit gave no report (exit {completed.returncode}):\n{tail}")
            return None
        return json.loads(text)


def project_json(name):
    request = urllib.request.Request(f"{PYPI}/{name}/json", headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, ValueError):
        return None


def affecting(vulnerabilities, version):
    """The vulnerabilities still open for `version`: not withdrawn, and fixed (if at all) only later."""
    found = []
    for vulnerability in vulnerabilities:
        if vulnerability.get("withdrawn"):
            continue
        fixes = [Version(fix) for fix in vulnerability.get("fixed_in") or []]
        if not fixes or any(fix > version for fix in fixes):
            found.append({"id": vulnerability.get("id"), "fix_versions": [str(f) for f in fixes]})
    return found


def fall_back(dependency):
    """Audit one package pip-audit skipped from the project JSON, when it is locked at the newest release."""
    document = project_json(dependency["name"])
    if document is None:
        return "unreachable", []
    newest, locked = document["info"]["version"], Version(dependency["version"])
    if Version(newest) != locked:
        series = [Version(v) for v, files in document.get("releases", {}).items()
                  if files and not all(f.get("yanked") for f in files)
                  and not Version(v).is_prerelease and Version(v).release[:2] == locked.release[:2]]
        newest_in_series = max(series, default=locked)
        where = ("the newest of its series" if newest_in_series <= locked
                 else f"the series {locked.major}.{locked.minor} has {newest_in_series}")
        return f"behind the newest release {newest}; {where}", []
    return None, affecting(document.get("vulnerabilities") or [], Version(dependency["version"]))


def main():
    pinned = locked_requirements()
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as requirements:
        requirements.write(pinned)
        requirements.flush()
        report = run_pip_audit(requirements.name)

    versions = locked_versions(pinned)
    if report is None:
        report = {"dependencies": [{"name": name, "skip_reason": "no pip-audit report"} for name in versions]}
    dependencies = report.get("dependencies", [])
    for dependency in dependencies:
        # pip-audit leaves the version out of a skipped entry; the lock has it.
        dependency.setdefault("version", versions.get(canonicalize_name(dependency["name"])))
    vulnerable, not_audited, by_fallback = [], [], 0
    for dependency in dependencies:
        if "skip_reason" in dependency:
            reason, vulns = fall_back(dependency)
            if reason:
                not_audited.append((dependency["name"], dependency["version"], reason))
                continue
            by_fallback += 1
        else:
            vulns = dependency.get("vulns", [])
        if vulns:
            vulnerable.append((dependency["name"], dependency["version"], vulns))

    audited = len(dependencies) - len(not_audited)
    print(f"Dependency audit: {len(dependencies)} locked packages, {audited} audited "
          f"({audited - by_fallback} by pip-audit, {by_fallback} from PyPI's project data), "
          f"{len(vulnerable)} with known vulnerabilities, {len(not_audited)} not audited.")
    for name, version, vulns in vulnerable:
        for vuln in vulns:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"  VULNERABLE {name} {version}: {vuln['id']} (fixed in {fixes})")
    for name, version, reason in not_audited:
        print(f"  not audited {name} {version}: {reason}")
    if vulnerable:
        return 1
    if not_audited and os.environ.get("AUDIT_STRICT") == "1":
        print("AUDIT_STRICT=1: packages that could not be audited fail the audit.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
