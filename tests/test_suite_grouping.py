"""The suite's own machinery: tests that share the whole-course render stay on one xdist worker.

Each worker that ran a course test would render the whole course again
(minutes); pytest 9.2 silently broke xdist's grouping (pyproject.toml pins
below it), so this runs a tiny suite with the real collection hook and
checks where its tests ran.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

TINY_SUITE = '''
import pytest

@pytest.fixture(scope="session")
def course():
    return None

@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("i", range(4))
def test_uses_the_course(course, i, lang):
    pass

@pytest.mark.parametrize("i", range(4))
def test_shares_nothing(i):
    pass
'''


@pytest.mark.timeout(120)
def test_the_course_tests_of_a_language_run_on_one_worker(tmp_path):
    (tmp_path / "conftest.py").write_text(
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('project_conftest', {str(TESTS / 'conftest.py')!r})\n"
        "project = sys.modules['project_conftest'] = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(project)\n"
        "pytest_collection_modifyitems = project.pytest_collection_modifyitems\n"
    )
    (tmp_path / "test_tiny.py").write_text(TINY_SUITE)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider", "-c", "/dev/null", str(tmp_path)],
        capture_output=True, text=True, timeout=100, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    ran = re.findall(r"\[(gw\d)\].*PASSED \S+::test_uses_the_course\[\d-(\w+)\]@course:(\w+)", done.stdout)
    assert len(ran) == 8, done.stdout[-3000:]
    for lang in ("en", "zh"):
        workers = {w for w, param, group in ran if param == lang}
        assert len(workers) == 1 and all(group == param for _, param, group in ran), (lang, ran)
