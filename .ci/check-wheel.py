"""Checks that the built wheel carries the bundled updater handler and the drill command.

jsii embeds the npm tarball in the wheel; the handler must be inside it, or Python users
could not synthesize without a TypeScript toolchain. The drill reaches Python users as the
wheel's `cdk-redis-stable-readers` script, which runs the bundled command from the tarball.
"""
import io
import pathlib
import sys
import tarfile
import zipfile

BUNDLED = ["package/assets/updater/index.js", "package/assets/drill/index.js"]
SCRIPT = "cdk-redis-stable-readers"


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
    print(f"{wheels[0].name}: script {scripts[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
