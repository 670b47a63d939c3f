"""Checks the built wheel: what it carries, and what PyPI will show.

- jsii embeds the npm tarball in the wheel; the updater handler must be inside it, or Python users
  could not synthesize without a TypeScript toolchain. The drill reaches Python users as the
  wheel's `cdk-redis-stable-readers` script, which asks jsii's runtime to run the package's bin
  script; the runtime unpacks the tarball and executes that file itself (no `node` in front of it),
  so it must keep its exec bit. The check unpacks the tarball as the runtime does and runs the bin
  script the same way, with `--help` and `--version` (the jsii Python runtime is not installable
  here without PyPI; `node` must be on PATH, as the runtime needs it too).
- The tarball carries assets/THIRD-PARTY-NOTICES: every package listed has its licence text, and
  (where the build's esbuild metafiles are at hand) every package bundled is listed.
- The description (long_description, PyPI's page) shows Python in every ```python block: each
  parses, and none has TypeScript in it.
- The README's Python example (test/examples/readme_app.py) is in the description verbatim, and it,
  like every other Python block that uses this package, is checked against the wheel's generated
  bindings (and aws-cdk-lib's jsii assembly for aws_cdk): see python_api.py.
"""
import email
import io
import json
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile

import python_api
from python_blocks import code_blocks, typescript_in

BUNDLED = ["package/assets/updater/index.js", "package/assets/drill/index.js"]
NOTICES = "package/assets/THIRD-PARTY-NOTICES"
SCRIPT = "cdk-redis-stable-readers"
MODULE = "cdk_redis_stable_readers"
METAFILES = pathlib.Path("test-reports/bundles")
EXAMPLE = pathlib.Path("test/examples/readme_app.py")
NODE_MODULES = pathlib.Path("node_modules")

def check_command(tarball: tarfile.TarFile, script: str) -> list:
    """The console script names this package's bin, and that bin runs as jsii's runtime runs it."""
    errors = []
    if f'"{SCRIPT}"' not in script or "invokeBinScript" not in script:
        errors.append(f"the {SCRIPT} console script does not hand {SCRIPT} to jsii's invokeBinScript")
    manifest = json.loads(tarball.extractfile("package/package.json").read())
    bin_path = manifest.get("bin", {}).get(SCRIPT)
    if not bin_path:
        return errors + [f"package.json in the tarball has no bin {SCRIPT}"]
    member = tarball.getmember(f"package/{pathlib.PurePosixPath(bin_path)}")
    if not member.mode & 0o111:
        errors.append(f"{member.name} has mode {member.mode:o} in the tarball: executing it fails with Permission denied (exit 126)")
    with tempfile.TemporaryDirectory() as unpacked:
        tarball.extractall(unpacked, members=[m for m in tarball.getmembers() if m.name.startswith("package/")])
        command = pathlib.Path(unpacked) / member.name
        for args, expected in [(["--help"], f"Usage: {SCRIPT}"), (["--version"], manifest["version"])]:
            try:
                result = subprocess.run([str(command), *args], capture_output=True, text=True, timeout=60)
            except OSError as error:
                errors.append(f"{SCRIPT} {' '.join(args)}: cannot be executed: {error}")
                continue
            if result.returncode != 0 or expected not in result.stdout:
                errors.append(f"{SCRIPT} {' '.join(args)}: exit {result.returncode}, expected {expected!r} on stdout; stdout {result.stdout[:200]!r}, stderr {result.stderr[-300:]!r}")
            else:
                print(f"{SCRIPT} {' '.join(args)}: exit 0, {result.stdout.strip().splitlines()[0]!r} ({member.name} mode {member.mode:o})")
    return errors


def check_notices(tarball: tarfile.TarFile) -> list:
    errors = []
    try:
        text = tarball.extractfile(NOTICES).read().decode()
    except KeyError:
        return [f"{NOTICES} is missing"]
    listed = re.findall(r"^- (\S+@[^ ]+) \| ", text, re.M)
    declared = re.search(r"^Packages \((\d+)\):", text, re.M)
    if not listed or not declared or int(declared.group(1)) != len(listed):
        errors.append(f"{NOTICES}: the package list is empty or does not match its count")
    for package in listed:
        covered = re.findall(rf"^Applies to {re.escape(package)} \(.*\)\n(?:Applies to .*\n)*-+\n(.+)", text, re.M)
        if not covered or not all(first.strip() for first in covered):
            errors.append(f"{NOTICES}: {package} is listed without a licence text")
    if METAFILES.is_dir():
        bundled = set()
        for metafile in sorted(METAFILES.glob("*.meta.json")):
            for source in json.loads(metafile.read_text())["inputs"]:
                parts = source.split("/")
                if "node_modules" in parts:
                    at = len(parts) - 1 - parts[::-1].index("node_modules")
                    directory = pathlib.Path(*parts[: at + 1 + (2 if parts[at + 1].startswith("@") else 1)])
                    manifest = json.loads((directory / "package.json").read_text())
                    bundled.add(f"{manifest['name']}@{manifest['version']}")
        missing = sorted(bundled - set(listed))
        if missing:
            errors.append(f"{NOTICES} does not list bundled packages: {missing}")
        print(f"notices: {len(listed)} packages listed, {len(bundled)} bundled according to {METAFILES}/*.meta.json")
    else:
        print(f"notices: {len(listed)} packages listed ({METAFILES} not here: completeness was checked where the bundles were built)")
    return errors


def check_description(description: str, bindings_source: str) -> list:
    errors = []
    blocks = code_blocks(description)
    python = [(code, line) for info, code, line in blocks if info.split(" ")[0] == "python"]
    typescript = [line for info, _, line in blocks if info.split(" ")[0] in ("ts", "typescript")]
    if not python:
        errors.append("the description has no ```python block")
    for code, line in python:
        errors.extend(f"description line {line}: a ```python block {problem}" for problem in typescript_in(code))
    print(f"description: {len(python)} python blocks checked for TypeScript; {len(typescript)} blocks labelled ts (lines {typescript})")
    # The check has teeth: the README's TypeScript, labelled python as jsii-pacmak alone would, is caught.
    readme = pathlib.Path("README.md")
    if readme.is_file():
        relabelled = [code for info, code, _ in code_blocks(readme.read_text()) if info.split(" ")[0] in ("ts", "typescript")]
        caught = sum(1 for code in relabelled if typescript_in(code))
        if caught != len(relabelled):
            errors.append(f"self-test: only {caught} of the README's {len(relabelled)} TypeScript blocks are caught as TypeScript")

    example = EXAMPLE.read_text()
    if example.strip() not in [code.strip() for code, _ in python]:
        errors.append(f"{EXAMPLE} is not a ```python block of the description verbatim")
    bindings = python_api.Bindings(bindings_source)
    jsii = python_api.Jsii(NODE_MODULES)
    using = [(f"description line {line}", code) for code, line in python if MODULE in code]
    for where, code in [(str(EXAMPLE), example)] + using:
        checker = python_api.check(code, bindings, jsii)
        errors.extend(f"{where}, {message}" for message in checker.errors)
        print(f"{where}: {checker.checked} names checked against the bindings and aws-cdk-lib, {checker.unchecked} values not followed (plain Python)")
    # The check has teeth: misspellings of the example's own names are caught.
    for right, wrong in [("replicas=", "replica_count="), ("max_azs=", "max_az="), ("updater_alarm", "update_alarm"), ("evaluation_periods=", "evaluation_period=")]:
        if right not in example:
            errors.append(f"self-test: {EXAMPLE} no longer uses {right!r}; update the self-test")
        elif not python_api.check(example.replace(right, wrong), bindings, jsii).errors:
            errors.append(f"self-test: {wrong!r} in place of {right!r} was not caught")
    return errors


def main(dist_dir: str) -> int:
    wheels = sorted(pathlib.Path(dist_dir).glob("*.whl"))
    if len(wheels) != 1:
        print(f"expected one wheel in {dist_dir}, found {[w.name for w in wheels]}")
        return 1
    with zipfile.ZipFile(wheels[0]) as wheel:
        tarballs = [name for name in wheel.namelist() if name.endswith(".jsii.tgz")]
        if len(tarballs) != 1:
            print(f"expected one embedded .jsii.tgz in {wheels[0].name}, found {tarballs}")
            return 1
        scripts = [name for name in wheel.namelist() if name.endswith(f".data/scripts/{SCRIPT}")]
        if not scripts:
            print(f"{wheels[0].name} has no {SCRIPT} script")
            return 1
        with tarfile.open(fileobj=io.BytesIO(wheel.read(tarballs[0])), mode="r:gz") as tarball:
            for bundled in BUNDLED:
                try:
                    member = tarball.getmember(bundled)
                except KeyError:
                    print(f"{wheels[0].name}: {tarballs[0]} has no {bundled}")
                    return 1
                print(f"{wheels[0].name}: {tarballs[0]} contains {bundled} ({member.size} bytes)")
            errors = check_notices(tarball)
            errors += check_command(tarball, wheel.read(scripts[0]).decode())
        print(f"{wheels[0].name}: script {scripts[0]}")
        metadata = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
        init = [name for name in wheel.namelist() if name == f"{MODULE}/__init__.py"]
        if len(metadata) != 1 or len(init) != 1:
            print(f"{wheels[0].name}: expected one METADATA and one {MODULE}/__init__.py, found {metadata} {init}")
            return 1
        description = email.message_from_bytes(wheel.read(metadata[0])).get_payload()
        errors += check_description(description, wheel.read(init[0]).decode())
    for error in errors:
        print(f"error: {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
