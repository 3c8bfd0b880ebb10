"""Schemathesis generates requests from the app's own OpenAPI schema: no answer is a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

EXAMPLES = {"/predict": 400, "/health/live": 10, "/health/ready": 10, "/metadata": 10}


def _fuzz(schema, path: str, method: str, mode: GenerationMode, examples: int) -> list[int]:
    statuses: list[int] = []
    operation = schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call()
        statuses.append(response.status_code)
        assert response.status_code < 500, (
            f"{case.as_curl_command()} answered {response.status_code}"
        )
        if mode is GenerationMode.POSITIVE:
            # A schema-valid row can still be refused with 422 by the model itself (a number
            # so large its scaler overflows), which the schema cannot express.
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

    check()
    return statuses


def test_generated_valid_and_invalid_requests_never_get_a_5xx(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    statuses = []
    for path, examples in EXAMPLES.items():
        method = "POST" if path == "/predict" else "GET"
        statuses += _fuzz(schema, path, method, GenerationMode.POSITIVE, examples)
    statuses += _fuzz(schema, "/predict", "POST", GenerationMode.NEGATIVE, 200)

    assert len(statuses) >= 600
    assert 200 in statuses and 422 in statuses  # both kinds of answer were exercised


def test_generated_requests_with_nulls_where_the_contract_allows_them_are_answered(
    trained_penguins,
):
    from modelyard.serving import create_app

    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(trained_penguins))
    statuses = _fuzz(schema, "/predict", "POST", GenerationMode.POSITIVE, 300)
    statuses += _fuzz(schema, "/predict", "POST", GenerationMode.NEGATIVE, 100)

    # Schema-valid bodies (nulls and omitted fields in the nullable features included) are
    # answered; the only 422s a valid body may get are the model's own refusals.
    assert 200 in statuses and 422 in statuses
