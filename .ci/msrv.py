"""Checks that every locked normal dependency of a package (fibocom-mqtt, or the one named as
the argument) declares a rust-version no newer than its own; reads
`cargo metadata --format-version 1` on stdin."""
import json, sys

def version(v):
    return tuple(int(x) for x in v.split("."))

meta = json.load(sys.stdin)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
name = sys.argv[1] if len(sys.argv) > 1 else "fibocom-mqtt"
root = next(p for p in meta["packages"] if p["name"] == name)
msrv = root["rust_version"]
if not msrv:
    sys.exit(name + " declares no rust-version")
print(f"{name} rust-version {msrv}")

seen, todo = set(), [root["id"]]
while todo:
    pid = todo.pop()
    if pid in seen:
        continue
    seen.add(pid)
    for dep in nodes[pid]["deps"]:
        if any(k["kind"] is None for k in dep["dep_kinds"]):
            todo.append(dep["pkg"])

too_new, undeclared = [], []
for pid in sorted(seen - {root["id"]}, key=lambda i: packages[i]["name"]):
    p = packages[pid]
    rv = p["rust_version"]
    if rv is None:
        undeclared.append("{} {}".format(p["name"], p["version"]))
    elif version(rv) > version(msrv):
        too_new.append("{} {} needs rust {}".format(p["name"], p["version"], rv))
print(f"{len(seen) - 1} locked dependencies checked")
if undeclared:
    print("declare no rust-version (not checked): " + ", ".join(undeclared))
if too_new:
    print("newer than the crate's rust-version " + msrv + ":")
    for line in too_new:
        print("  " + line)
    sys.exit(1)
print(f"every declared rust-version is at most {msrv}")
