"""The set-up files: the Saturn recipe against the recipe schema's fields
(../shared/docs/saturn-recipe.md), and one source of truth for the pins."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from conftest import REPO_ROOT

INSTANCE = {"type": "string", "minLength": 1}
# The fields of Saturn's recipe schema (saturncloud/recipes resources/schema.json, 2022.01.06)
# that shared/docs/saturn-recipe.md lists; additionalProperties is false at the top, as there.
RECIPE_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "schema_version"],
    "oneOf": [{"required": ["image_uri"]}, {"required": ["image"]}],
    "anyOf": [{"required": [k]} for k in ("jupyter_server", "rstudio_server", "job", "deployment")],
    "properties": {
        "name": {"type": "string", "pattern": "^[-a-zA-Z0-9]+$"},
        "schema_version": {"const": "2022.01.06"},
        "image_uri": {"type": "string"},
        "image": {"type": "object", "required": ["owner", "name", "version"]},
        "description": {"type": "string"},
        "working_directory": {"type": "string"},
        "start_script": {"type": "string"},
        "visibility": {"enum": ["owner", "org"]},
        "extra_packages": {"type": "object"},
        "environment_variables": {"type": "object", "additionalProperties": {"type": "string"}},
        "jupyter_server": {"type": "object", "properties": {"instance_type": INSTANCE}},
        "rstudio_server": {"type": "object"},
        "job": {"type": "object", "required": ["instance_type", "command"]},
        "deployment": {"type": "object"},
        "git_repositories": {"type": "array"},
        "dask_cluster": {
            "type": "object",
            "required": ["scheduler", "worker", "num_workers"],
            "properties": {
                "num_workers": {"type": "integer", "minimum": 1},
                "scheduler": {"type": "object", "properties": {"instance_type": INSTANCE}},
                "worker": {"type": "object", "required": ["instance_type"], "properties": {"instance_type": INSTANCE}},
            },
        },
        "credentials": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,  # references only: no value field
                "required": ["name", "type", "location"],
                "properties": {
                    "name": {"type": "string"},
                    "type": {"enum": ["environment_variable", "file"]},
                    "location": {"type": "string"},
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def recipe():
    return json.loads((REPO_ROOT / ".saturn" / "saturn.json").read_text())


def test_recipe_matches_the_schema_fields(recipe):
    jsonschema.validate(recipe, RECIPE_SCHEMA)


def test_recipe_is_the_tutorials_setup(recipe):
    assert "jupyter_server" in recipe
    assert recipe["dask_cluster"]["num_workers"] == 3
    assert {"name": "prefect-user-token", "type": "environment_variable", "location": "PREFECT_USER_TOKEN"} in recipe["credentials"]
    assert "PREFECT_CLOUD_PROJECT_NAME" in recipe["environment_variables"]
    assert "environment.yml" in recipe["start_script"]


def test_recipe_installs_the_kernel_the_notebook_names(recipe):
    import nbformat

    from conftest import NOTEBOOK
    from tutorial_kit.kernel import KERNEL_NAME

    assert nbformat.read(NOTEBOOK, as_version=4).metadata.kernelspec.name == KERNEL_NAME
    assert recipe["start_script"].endswith("python -m tutorial_kit.kernel --user")


def test_recipe_schema_check_can_fail(recipe):
    for broken in ({**recipe, "name": "has spaces"}, {**recipe, "colour": "red"},
                   {**recipe, "credentials": [{"name": "k", "type": "environment_variable", "location": "K", "value": "s3cret"}]}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, RECIPE_SCHEMA)


def test_one_source_of_truth_for_pins():
    env = (REPO_ROOT / "environment.yml").read_text()
    assert re.search(r"^\s*- python=3\.11$", env, re.M)
    assert re.search(r"^\s*- -r requirements\.txt$", env, re.M)
    pins = (REPO_ROOT / "requirements.txt").read_text()
    for line in ("prefect==1.4.1", "dask-saturn==0.4.4", "prefect-saturn==0.6.0"):
        assert re.search(rf"^{re.escape(line)}$", pins, re.M), line
    marshmallow = re.search(r"^marshmallow==3\.(\d+)\.", pins, re.M)
    pendulum = re.search(r"^pendulum==(\d+)\.", pins, re.M)
    assert marshmallow and int(marshmallow[1]) < 24 and pendulum and int(pendulum[1]) < 3
