"""Expands an AWS::Serverless-2016-10-31 template with the official SAM translator, offline, as cfn-lint did.

stdin: the template as JSON. stdout: {"template": <CloudFormation>, "origins": {generated id: SAM id}}.
Exit 0 translated; 3 the translator refused the template (one line on stderr); anything else is a crash.
Offline: the managed-policy map bundled with samtranslator, a fixed region, placeholder S3 URIs for local
code paths (the translator accepts only S3 locations; the check never reads the code).
"""

import json
import sys

import boto3
from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
from samtranslator.model.exceptions import ExceptionWithMessage
from samtranslator.parser.parser import Parser
from samtranslator.translator import translator as translator_module
from samtranslator.translator.translator import Translator

PLACEHOLDER = "s3://bucket/value"


def _placeholder(props, key):
    value = props.get(key)
    if isinstance(value, str) and value.startswith("s3://"):
        return
    if isinstance(value, dict) and set(value) - {"Ref"}:
        return  # {Bucket, Key} or another intrinsic: the translator takes it as it is
    props[key] = PLACEHOLDER


def replace_local_uris(template, parameters):
    """Local paths (what `sam build` would upload) become an S3 URI; an alias from a parameter gets a value."""
    globals_function = (template.get("Globals") or {}).get("Function") or {}
    for props in [globals_function] + [
        r.get("Properties") or {} for r in (template.get("Resources") or {}).values() if isinstance(r, dict)
    ]:
        alias = props.get("AutoPublishAlias")
        if isinstance(alias, dict) and list(alias) == ["Ref"] and alias["Ref"] in (template.get("Parameters") or {}):
            parameters[alias["Ref"]] = "Alias"
    for resource in (template.get("Resources") or {}).values():
        if not isinstance(resource, dict) or not isinstance(resource.get("Properties"), dict):
            continue
        kind, props = resource.get("Type"), resource["Properties"]
        if kind == "AWS::Serverless::Function":
            if props.get("PackageType") == "Image":
                _placeholder(props, "ImageUri")
            elif "InlineCode" not in props and ("CodeUri" in props or "CodeUri" not in globals_function):
                _placeholder(props, "CodeUri")
        elif kind == "AWS::Serverless::LayerVersion" and "ContentUri" in props:
            _placeholder(props, "ContentUri")
        elif kind in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi", "AWS::Serverless::StateMachine"):
            if isinstance(props.get("DefinitionUri"), str):
                _placeholder(props, "DefinitionUri")
        elif kind == "AWS::Serverless::Application" and isinstance(props.get("Location"), str):
            _placeholder(props, "Location")
    if isinstance(globals_function.get("CodeUri"), str):
        _placeholder(globals_function, "CodeUri")


def track_origins(origins):
    """Records which SAM resource each generated resource came from. The translator does not mark them
    (no Metadata), so this wraps the loop that visits each SAM resource and the check each generated one passes."""
    current = {"id": None}
    visit = Translator._get_resources_to_iterate
    verify = translator_module.verify_unique_logical_id

    def visiting(self, sam_template, macro_resolver):
        for logical_id, resource in visit(self, sam_template, macro_resolver):
            current["id"] = logical_id
            yield logical_id, resource
        current["id"] = None

    def verifying(resource, existing):
        if current["id"] is not None and resource.logical_id != current["id"]:
            origins.setdefault(resource.logical_id, current["id"])
        return verify(resource, existing)

    Translator._get_resources_to_iterate = visiting
    translator_module.verify_unique_logical_id = verifying


def main():
    template = json.load(sys.stdin)
    parameters = {}
    replace_local_uris(template, parameters)
    origins = {}
    track_origins(origins)
    translator = Translator(
        managed_policy_map=get_bundled_managed_policy_map("aws"),
        sam_parser=Parser(),
        boto_session=boto3.session.Session(region_name="us-east-1"),
    )
    try:
        output = translator.translate(sam_template=template, parameter_values=parameters)
    except ExceptionWithMessage as error:
        causes = getattr(error, "causes", None) or [error]
        sys.stderr.write(" ".join(c.message for c in causes).replace("\n", " ") + "\n")
        return 3
    json.dump({"template": output, "origins": origins}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
