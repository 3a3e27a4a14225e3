from pathlib import Path

import pytest

from sentiflow.tasks.core.errors import UserError
from sentiflow.tasks.core.home import Home, safe_name


@pytest.mark.parametrize("name", ["demo", "sst2-train", "v1.2_final", "A9"])
def test_safe_names_pass(name):
    assert safe_name(name, "source name") == name


@pytest.mark.parametrize(
    "name", ["../etc", "..", "a/b", "/abs/path", ".hidden", "", "a b", "x\x00y", "a..b", "é", "x" * 200]
)
def test_names_that_could_escape_the_home_are_refused(name):
    with pytest.raises(UserError) as err:
        safe_name(name, "model id")
    assert "model id" in str(err.value) and "\n" not in str(err.value)


def test_every_user_named_path_stays_under_the_root(tmp_path: Path):
    home = Home.at(tmp_path)
    for path in (home.source_documents("s"), home.source_quarantine("s"), home.dataset("v"), home.model("m")):
        assert home.root in path.parents
    with pytest.raises(UserError):
        home.model("../../outside")


def test_home_is_absolute_even_from_a_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Home.at("rel").root == tmp_path / "rel"
