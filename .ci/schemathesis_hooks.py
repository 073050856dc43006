"""Loaded by .ci/schemathesis into schemathesis (SCHEMATHESIS_HOOKS).

The fuzzer draws header values from the OpenAPI document, and draws the
same few often: one Idempotency-Key sent with two different bodies. The app
answers that with a 422 by design (a key names one request; see
shared/src/idempotency.rs), which the fuzzer would report as "valid data
rejected". So a valid key it drew is replaced by a fresh UUID, and every
request still goes through the key's code; a key it drew to be invalid
(empty, too long, not visible ASCII) is left as it is, to be refused with a
400. The key's own rules are tested by conformance/src/idempotency.rs.
"""

import re
import uuid

import schemathesis

HEADER = "Idempotency-Key"
VALID_KEY = re.compile(r"[!-~]{1,255}")


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == HEADER.lower() and VALID_KEY.fullmatch(str(headers[name]).strip('"')):
            headers[name] = str(uuid.uuid4())
