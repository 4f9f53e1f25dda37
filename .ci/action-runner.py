#!/usr/bin/env python3
"""Run action.yml as a GitHub runner does, without GitHub.

    action-runner.py SOURCE_DIR WORKSPACE WORK_DIR [input=value ...]

Runs the composite action's steps in order: `run:` steps with bash, their
`env:` and `if:` evaluated from the same contexts a runner provides
(github.action_path, github.workspace, inputs with action.yml's defaults,
steps.<id>.outputs from $GITHUB_OUTPUT); `uses:` steps are GitHub's own
actions and are stood in for: actions/cache/restore and actions/cache/save
keep the cache in WORK_DIR/cache (a second run with the same WORK_DIR is a
cache hit); upload-sarif only checks that the file exists and is SARIF. Prints each step and the action's outputs as JSON on the
last line; the exit status is the job's (the last failing step's status).
"""
import json
import os
import re
import shutil
import subprocess
import sys

import yaml


def main():
    src, workspace, work = (os.path.abspath(a) for a in sys.argv[1:4])
    action = yaml.safe_load(open(os.path.join(src, "action.yml")))
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    for arg in sys.argv[4:]:
        k, _, v = arg.partition("=")
        if k not in inputs:
            sys.exit(f"action-runner: action.yml has no input '{k}'")
        inputs[k] = v
    home = os.path.join(work, "home")
    temp = os.path.join(work, "temp")
    cache = os.path.join(work, "cache")
    os.makedirs(home, exist_ok=True)
    os.makedirs(temp, exist_ok=True)
    steps = {}
    job_status = 0

    def value(ref):
        ref = ref.strip()
        if ref.startswith("'") and ref.endswith("'"):
            return ref[1:-1]
        parts = ref.split(".")
        if parts[0] == "github":
            return {"action_path": src, "workspace": workspace}[parts[1]]
        if parts[0] == "inputs":
            return inputs[".".join(parts[1:])]
        if parts[0] == "steps" and parts[2] == "outputs":
            return steps.get(parts[1], {}).get(parts[3], "")
        raise ValueError(f"unsupported expression {ref!r}")

    def expand(text):
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: value(m.group(1)), str(text))

    def condition(expr):
        if expr is None:
            return job_status == 0
        expr = str(expr).strip()
        if expr.startswith("${{") and expr.endswith("}}"):
            expr = expr[3:-2]
        # always(), ==, !=, && and ||: enough for action.yml's conditions.
        py = re.sub(r"always\(\)", "True", expr)
        py = re.sub(r"(?<![=!])(\b(?:github|inputs|steps)\.[\w.-]+)",
                    lambda m: repr(value(m.group(1))), py)
        py = py.replace("&&", " and ").replace("||", " or ")
        return bool(eval(py, {"__builtins__": {}}, {"True": True}))

    base_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
        "RUNNER_TEMP": temp,
        "ImageOS": "ci",
        "GITHUB_WORKSPACE": workspace,
        "GITHUB_ACTION_PATH": src,
    }
    for step in action["runs"]["steps"]:
        name = step.get("name", step.get("id", "?"))
        if not condition(step.get("if")):
            print(f"-- {name}: skipped")
            continue
        sid = step.get("id")
        outputs = {}
        if "uses" in step:
            uses = step["uses"]
            if uses.startswith("actions/cache/restore@"):
                path = expand(step["with"]["path"])
                key = expand(step["with"]["key"])
                saved = os.path.join(cache, key)
                hit = os.path.isdir(saved)
                if hit:
                    shutil.rmtree(path, ignore_errors=True)
                    shutil.copytree(saved, path)
                outputs["cache-hit"] = "true" if hit else "false"
                print(f"-- {name}: cache {'hit' if hit else 'miss'} for {key}")
            elif uses.startswith("actions/cache/save@"):
                path = expand(step["with"]["path"])
                saved = os.path.join(cache, expand(step["with"]["key"]))
                if not os.path.isdir(path):
                    print(f"-- {name}: {path} does not exist")
                    job_status = 1
                elif not os.path.isdir(saved):
                    shutil.copytree(path, saved)
                    print(f"-- {name}: saved {path}")
            elif uses.startswith("github/codeql-action/upload-sarif@"):
                sarif = os.path.join(workspace, expand(step["with"]["sarif_file"]))
                doc = json.load(open(sarif))
                if doc.get("version") != "2.1.0" or not doc.get("runs"):
                    print(f"-- {name}: {sarif} is not a SARIF 2.1.0 log")
                    job_status = 1
                else:
                    print(f"-- {name}: would upload {sarif} "
                          f"({len(doc['runs'][0].get('results', []))} results)")
            else:
                sys.exit(f"action-runner: no stand-in for {uses}")
        else:
            out_file = os.path.join(temp, f"output-{len(steps)}")
            path_file = os.path.join(temp, f"path-{len(steps)}")
            open(out_file, "w").close()
            env = dict(base_env)
            env.update({k: expand(v) for k, v in step.get("env", {}).items()})
            env["GITHUB_OUTPUT"] = out_file
            env["GITHUB_PATH"] = path_file
            cwd = expand(step.get("working-directory", workspace))
            print(f"-- {name}", flush=True)
            rc = subprocess.run(["bash", "-e", "-c", expand(step["run"])], cwd=cwd,
                                env=env).returncode
            for line in open(out_file):
                k, _, v = line.rstrip("\n").partition("=")
                outputs[k] = v
            if rc != 0:
                print(f"-- {name}: exit status {rc}")
                job_status = rc
        if sid:
            steps[sid] = outputs
    result = {k: expand(v["value"]) for k, v in action.get("outputs", {}).items()}
    result["job-status"] = job_status
    print(json.dumps(result))
    return job_status


if __name__ == "__main__":
    sys.exit(main())
