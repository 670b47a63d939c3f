"""Checks that the built wheel carries the bundled updater handler.

jsii embeds the npm tarball in the wheel; the handler must be inside it, or Python users
could not synthesize without a TypeScript toolchain.
"""
import io
import pathlib
import sys
import tarfile
import zipfile

HANDLER = "package/assets/updater/index.js"


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
        with tarfile.open(fileobj=io.BytesIO(wheel.read(tarballs[0])), mode="r:gz") as tarball:
            try:
                handler = tarball.getmember(HANDLER)
            except KeyError:
                print(f"{wheels[0].name}: {tarballs[0]} has no {HANDLER}")
                return 1
    print(f"{wheels[0].name}: {tarballs[0]} contains {HANDLER} ({handler.size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
