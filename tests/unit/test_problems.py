from mcbackend.api.problems import flatten_field_errors


def test_nested_marshmallow_errors_become_dotted_paths_with_codes():
    messages = {
        "name": ["Missing data for required field."],
        "lines": {0: {"quantity": ["Not a valid integer."]}},
        "extra": ["Unknown field."],
        "_schema": ["Something global."],
    }
    problems = {(p.field, p.code) for p in flatten_field_errors(messages, "body")}
    assert problems == {
        ("body.name", "required"),
        ("body.lines.0.quantity", "invalid_type"),
        ("body.extra", "unknown_field"),
        ("body", "invalid"),
    }
