#!/usr/bin/env python3
"""The HTML report (-f html) in a real headless Chromium.

Checks, each against the JSON report of the same scan:
  examples  the bundled examples: every finding reaches the DOM, a rule
            filter and a text search narrow the table, a click opens the
            snippet (element highlighted) and the rule's help, no console
            error, no request but the file itself;
  hostile   file names, logical IDs and Sids with a newline, ESC, bidi
            controls, </script> and <img onerror>: no markup or script comes
            from them, they are shown with visible escapes;
  scale     25,000 findings: the file stays within 3x the JSON report, the
            page renders one page of rows, paging and links to a page reach
            them, filters work; load and filter times are printed, not
            asserted.

Usage: test_html.py IAMGUARD SOURCE_DIR [--screenshot FILE.png]
Skips (exit 77) when Chromium is not installed, unless IAMG_REQUIRE_CHROMIUM=1.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cdp  # noqa: E402

fails = 0


def check(cond, what):
    global fails
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails += 1
    return cond


def scan(binary, args, cwd):
    p = subprocess.run([binary, "scan", "--no-config", "--fail-on", "none", "-q"] + args,
                       cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 3):
        sys.exit("scan %s failed (%d): %s" % (args, p.returncode, p.stderr.decode(errors="replace")))


def reports(binary, paths, cwd, out, extra=()):
    """Scan paths into out.html and out.json; returns the JSON report."""
    scan(binary, list(extra) + ["-f", "html", "-o", out + ".html"] + paths, cwd)
    scan(binary, list(extra) + ["-f", "json", "-o", out + ".json"] + paths, cwd)
    with open(out + ".json") as f:
        return json.load(f)


def load(b, path, fragment=""):
    b.open("file://" + path + fragment)
    b.wait_for("document.getElementById('app').getAttribute('data-ready') === 'true'")


def rows(b):
    """(rule, location, fingerprint) of every row the findings table shows."""
    return b.eval("Array.from(document.querySelectorAll('#findings tr.row')).map(function (r) {"
                  "return [r.children[1].textContent, r.children[2].textContent,"
                  " r.getAttribute('data-fp')]; })")


def key(f):
    return [f["rule_id"], "%s:%d:%d" % (f["path"], f["line"], f["column"]), f["fingerprint"]]


def matching(b):
    return int(b.eval("document.getElementById('findings').getAttribute('data-matching')"))


def set_select(b, name, value):
    b.eval("(function(){var s=document.querySelector('#findings select[name=%s]'); s.value=%s;"
           "s.dispatchEvent(new Event('change'));})()" % (name, json.dumps(value)))


def examples(b, binary, src, tmp):
    truth = reports(binary, ["examples"], src, os.path.join(tmp, "examples"))
    findings = truth["findings"]
    page = os.path.join(tmp, "examples.html")
    load(b, page, "#size=all")
    check(all(u.startswith("file://" + page) for u in b.requests),
          "examples: no request but the report itself %s" % b.requests)
    check(not b.errors(), "examples: no console error %s" % b.errors())
    shown = rows(b)
    check(sorted(shown) == sorted(key(f) for f in findings) and len(findings) > 0,
          "examples: the DOM holds every finding (%d rows, %d findings)" % (len(shown), len(findings)))
    overview = b.eval("document.getElementById('overview').textContent")
    check("Findings per rule" in overview and "IAM-SSM-1" in overview and "Configuration" in overview,
          "examples: the overview shows counts per rule and the configuration")

    load(b, page)
    ssm2 = sum(1 for f in findings if f["rule_id"] == "IAM-SSM-2")
    set_select(b, "rule", "IAM-SSM-2")
    check(matching(b) == ssm2 and len(rows(b)) == ssm2 and ssm2 < len(findings),
          "examples: the rule filter narrows the table to IAM-SSM-2 (%d of %d)" % (ssm2, len(findings)))
    check("rule=IAM-SSM-2" in b.eval("location.hash"), "examples: the filter is kept in the URL")
    set_select(b, "rule", "")
    want = sum(1 for f in findings if "bastion" in (f["path"] + f["message"]).lower())
    b.type_into("#findings input[name=q]", "bastion")
    b.wait_for("document.getElementById('findings').getAttribute('data-matching') === '%d'" % want, 5)
    check(0 < len(rows(b)) == want < len(findings), "examples: searching 'bastion' keeps %d" % want)

    b.click("#findings tr.row")
    b.wait_for("document.querySelector('#findings tr.detail') !== null", 5)
    f = [x for x in findings if "bastion" in x["path"]][0]
    mark = b.eval("document.querySelector('#findings tr.detail pre mark').textContent")
    check(mark == "ssm:StartSession", "examples: a click opens the snippet, element marked (%r)" % mark)
    helptext = b.eval("document.querySelector('#findings tr.detail .help').textContent")
    check(f["rule_id"] in helptext and len(helptext) > 200,
          "examples: the detail holds the rule's help (%d characters)" % len(helptext))
    b.click("#findings tr.row")
    check(b.eval("document.querySelector('#findings tr.detail') === null"),
          "examples: a second click closes it")
    check(not b.errors(), "examples: still no console error after interaction %s" % b.errors())


HOSTILE = {
    "newline": "evil\n::error file=x::forged.json",
    "esc": "esc\x1b]0;pwned\x07.json",
    "bidi": "bidi\u202etxt.json\u2066x\u2069.json",
    "script": "</script><script>window.__pwned=1</script>.json",
    "img": "<img src=x onerror=window.__pwned=2>.json",
}


def hostile(b, binary, tmp):
    root = os.path.join(tmp, "hostile")
    os.makedirs(root)
    names = []
    for label, name in HOSTILE.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        sid = name.replace("\\", "").replace('"', "")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"Version": "2012-10-17", "Statement": [
                {"Sid": sid, "Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "*"}]}, f)
        names.append(os.path.relpath(path, root))
    template = {"Resources": {"R\u202e<img src=x onerror=window.__pwned=3>\x1b[31m": {
        "Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}, "Policies": [{
            "PolicyName": "</script><b>p</b>", "PolicyDocument": {"Statement": [{
                "Effect": "Allow", "Action": "ssm:StartSession", "Resource": "*"}]}}]}}}}
    with open(os.path.join(root, "stack.template.json"), "w", encoding="utf-8") as f:
        json.dump(template, f, ensure_ascii=False)
    truth = reports(binary, ["."], root, os.path.join(tmp, "hostile-report"))
    page = os.path.join(tmp, "hostile-report.html")
    with open(page, "rb") as f:
        raw = f.read()
    check(raw.count(b"</script>") == 2 and b"<img" not in raw,
          "hostile: the file holds no markup from input (2 </script>, no <img>)")
    load(b, page, "#size=all")
    check(not b.errors(), "hostile: no console error %s" % b.errors())
    check(b.eval("window.__pwned === undefined"), "hostile: no script from input ran")
    check(b.eval("document.querySelectorAll('img, iframe, object, embed, b').length") == 0 and
          b.eval("document.scripts.length") == 2, "hostile: no element from input in the DOM")
    shown = rows(b)
    check(len(shown) == len(truth["findings"]) == len(HOSTILE) + 1,
          "hostile: every finding is listed (%d)" % len(shown))
    locs = "\n".join(r[1] for r in shown)
    check("evil\\n::error" in locs and "\n::error" not in locs,
          "hostile: a newline in a name is shown as \\n")
    check("esc\\x1b]0;pwned\\x07" in locs and "\x1b" not in locs, "hostile: ESC and BEL shown as escapes")
    check("bidi\\u202etxt" in locs and "\u202e" not in locs and "\u2066" not in locs,
          "hostile: bidi controls shown as escapes")
    check("</script><script>window.__pwned=1</script>" in locs and
          "<img src=x onerror=window.__pwned=2>" in locs, "hostile: markup in names shown as text")
    who = b.eval("Array.from(document.querySelectorAll('#findings td.who')).map(function(e){return e.textContent;}).join('\\n')")
    check("R\\u202e<img src=x onerror=window.__pwned=3>\\x1b[31m" in who,
          "hostile: a logical ID with markup, bidi and ESC shown as text with escapes")
    b.click("#findings tr.row")
    check(not b.errors() and b.eval("window.__pwned === undefined"),
          "hostile: opening a finding runs nothing either")


def scale(b, binary, tmp):
    root = os.path.join(tmp, "scale")
    os.makedirs(root)
    files, per_file = 250, 50
    for i in range(files):
        stmts = [{"Sid": "S%d" % j, "Effect": "Allow", "Action": ["ssm:SendCommand", "ssm:StartSession"],
                  "Resource": "*"} for j in range(per_file)]
        with open(os.path.join(root, "p%03d.json" % i), "w") as f:
            json.dump({"Version": "2012-10-17", "Statement": stmts}, f, indent=1)
    truth = reports(binary, ["."], root, os.path.join(tmp, "scale"), ["-j", "2"])
    n = len(truth["findings"])
    check(n == files * per_file * 2, "scale: %d findings" % n)
    html_size = os.path.getsize(os.path.join(tmp, "scale.html"))
    json_size = os.path.getsize(os.path.join(tmp, "scale.json"))
    print("     HTML %.1f MB, JSON report %.1f MB: %.2fx" % (html_size / 1e6, json_size / 1e6,
                                                           html_size / json_size))
    check(html_size <= 3 * json_size, "scale: the HTML file is within 3x the JSON report")
    t0 = time.monotonic()
    load(b, os.path.join(tmp, "scale.html"))
    t_load = time.monotonic() - t0
    nav = b.eval("(function(){var e=performance.getEntriesByType('navigation')[0];"
                 "return [e.domContentLoadedEventEnd, e.loadEventEnd];})()")
    print("     load: %.0f ms to the load event in the page, %.2f s with the browser round trip"
          % (nav[1], t_load))
    check(not b.errors(), "scale: no console error %s" % b.errors())
    check(b.eval("document.querySelectorAll('tr.row').length") == 50,
          "scale: the page renders one page of rows (50), not %d" % n)
    def indices():
        return [int(i) for i in b.eval("Array.from(document.querySelectorAll('#findings tr.row'))"
                                       ".map(function(r){return r.getAttribute('data-index');})")]

    next_button = "#findings .pager button:nth-child(2)"
    b.click(next_button)
    b.click(next_button)
    check(indices() == list(range(100, 150)), "scale: Next, Next shows findings 101-150")
    load(b, os.path.join(tmp, "scale.html"), "#page=%d" % (n // 50))
    check(indices() == list(range(n - 50, n)) and b.eval("document.querySelector('%s').disabled" % next_button),
          "scale: the last page holds the last 50 findings, and Next is disabled")
    check(matching(b) == n and b.eval("document.querySelectorAll('tr.row').length") == 50,
          "scale: all %d findings are in the table, one page of them in the DOM" % n)
    t = b.eval("(function(){var t=performance.now(); var s=document.querySelector('#findings select[name=rule]');"
               "s.value='IAM-SSM-1'; s.dispatchEvent(new Event('change')); return performance.now()-t;})()")
    check(matching(b) == n // 2, "scale: the rule filter keeps %d" % (n // 2))
    t2 = b.eval("(function(){var t=performance.now(); var s=document.querySelector('#findings input[name=q]');"
                "s.value='p17 s4'; s.dispatchEvent(new Event('input'));"
                "return new Promise(function(ok){setTimeout(function(){ok(performance.now()-t-120);},200);});})()")
    b.wait_for("document.getElementById('findings').getAttribute('data-matching') !== '%d'" % (n // 2), 5)
    want = sum(1 for f in truth["findings"] if f["rule_id"] == "IAM-SSM-1" and "p17" in f["path"]
               and "s4" in (f["message"] + f["path"]).lower())
    check(matching(b) == want, "scale: rule filter and search together keep %d" % want)
    print("     filter by rule over %d findings: %.0f ms; search: about %.0f ms" % (n, t, max(t2, 0)))


def main():
    global fails
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    shot = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--screenshot" else None
    chromium = cdp.find_chromium()
    if not chromium:
        if os.environ.get("IAMG_REQUIRE_CHROMIUM") == "1":
            print("FAIL Chromium is required (IAMG_REQUIRE_CHROMIUM=1) but not installed")
            return 1
        print("SKIP: Chromium is not installed (apt-get install chromium): the HTML report "
              "was not checked in a browser")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        b = cdp.Browser(chromium)
        try:
            if shot:
                reports(binary, ["examples"], src, os.path.join(tmp, "shot"))
                load(b, os.path.join(tmp, "shot.html"))
                b.call("Page.bringToFront")
                b.call("Emulation.setDeviceMetricsOverride",
                       {"width": 1100, "height": 760, "deviceScaleFactor": 1, "mobile": False})
                b.screenshot(shot)
                print("wrote " + shot)
                return 0
            examples(b, binary, src, tmp)
            hostile(b, binary, tmp)
            scale(b, binary, tmp)
        finally:
            b.close()
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
