"""Writes wheels of installed Python packages, so another user can pip-install them without an index.

    python3 .ci/wheelhouse.py <output dir> <requirement>...

CI here cannot reach PyPI, and root's Python (moto, cfn-lint) is not readable by the runner user. This
packs the installed files of each requirement and of everything it needs (extras and markers followed)
into a wheel, as the installed version; the runner's `setup:test-tools` then pip-installs them into its
project's .venv with PIP_NO_INDEX and PIP_FIND_LINKS pointing here, the same path it takes with PyPI.
Console scripts are not copied: pip writes them from entry_points.txt when it installs the wheel.
"""
import base64
import hashlib
import importlib.metadata as metadata
import pathlib
import re
import sys
import zipfile

try:
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement

LEFT_OUT = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def needed(requirements: list) -> dict:
    """name -> distribution, for the requirements and everything they need."""
    found = {}
    todo = [(Requirement(text), True) for text in requirements]
    while todo:
        requirement, top = todo.pop()
        dist = metadata.distribution(requirement.name)
        if top and not requirement.specifier.contains(dist.version, prereleases=True):
            sys.exit(f"error: {requirement} is wanted but {dist.version} is installed")
        key = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        extras = set(requirement.extras)
        seen = found.get(key)
        if seen and extras <= seen[1]:
            continue
        extras |= seen[1] if seen else set()
        found[key] = (dist, extras)
        for text in dist.requires or []:
            child = Requirement(text)
            if child.marker is None or any(child.marker.evaluate({"extra": extra}) for extra in extras | {""}):
                todo.append((child, False))
    return {key: dist for key, (dist, _) in found.items()}


def wheel_of(dist, out: pathlib.Path) -> pathlib.Path:
    site = pathlib.Path(dist.locate_file(""))
    info = [f for f in dist.files if f.parts[0].endswith(".dist-info")][0].parts[0]
    tags = [line.split(":", 1)[1].strip() for line in dist.read_text("WHEEL").splitlines() if line.startswith("Tag:")]
    tag = "-".join(".".join(dict.fromkeys(t.split("-")[i] for t in tags)) for i in range(3))
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    path = out / f"{name}-{dist.version}-{tag}.whl"
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for file in dist.files:
            relative = file.as_posix()
            if relative.startswith("..") or "__pycache__" in file.parts or relative.endswith(".pyc"):
                continue
            if file.parts[0] == info and file.name in LEFT_OUT:
                continue
            data = (site / file).read_bytes()
            wheel.writestr(relative, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{relative},sha256={digest},{len(data)}")
        record.append(f"{info}/RECORD,,")
        wheel.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return path


def main(out: str, requirements: list) -> None:
    directory = pathlib.Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    dists = needed(requirements)
    for key in sorted(dists):
        print(f"  {wheel_of(dists[key], directory).name}")
    print(f"{len(dists)} wheels in {directory} for {' '.join(requirements)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
