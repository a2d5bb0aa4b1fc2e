"""Jupyter's own kernel conformance suite (jupyter_kernel_test) for a TypeScript kernel.

Usage: python3 kernel_conformance.py <kernel-name>   (with JUPYTER_PATH pointing at the project's
.jupyter/share/jupyter). Runs every check of jupyter_kernel_test.KernelTests with TypeScript
samples, then prints one line `RESULT {json}` naming the checks that passed, failed and were
skipped. The samples are the same for every kernel, so scores compare.

Skipped by design (no sample): test_pager (TypeScript has no `?` help that pages; inspection
answers instead) and test_clear_output (neither tslab nor our display API clears outputs; in-place
updates use display ids).
"""
import json
import sys
import unittest

import jupyter_kernel_test

KERNEL_NAME = sys.argv[1]
# The suite waits 15 s for a reply that never comes (stock tslab has no history_request). A kernel
# that answers does so in milliseconds: history is in memory, the rest compiles one short cell.
REPLY_TIMEOUT = 5
HISTORY_TIMEOUT = 2


class TypeScriptKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = KERNEL_NAME
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'
    completion_samples = [{"text": "Math.ma", "matches": ["max"]}, {"text": "[1, 2].fil"}]
    complete_code_samples = ["1 + 1", "const x = 1;", "function f() {\n  return 1;\n}"]
    incomplete_code_samples = ["function f() {", "const xs = [1, 2,"]
    code_inspect_sample = "Math.max"
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": "'ab'"},
        {
            "code": '({ [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>hi</b>" }; } })',
            "mime": "text/html",
            "result": "<b>hi</b>",
        },
    ]
    code_display_data = [
        {"code": 'import * as tslab from "tslab"; tslab.display.html("<b>hi</b>")', "mime": "text/html"},
    ]
    code_history_pattern = "6*7"
    supported_history_operations = ("tail", "range", "search")

    def history_helper(self, execute_first, timeout=HISTORY_TIMEOUT, **histargs):
        return super().history_helper(execute_first, timeout=timeout, **histargs)

    def get_non_kernel_info_reply(self, timeout=None):
        return super().get_non_kernel_info_reply(timeout=REPLY_TIMEOUT if timeout is None else timeout)


class ScoringResult(unittest.TextTestResult):
    """Counts a check as failed when the test or any of its subtests fails."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = {}

    @staticmethod
    def _name(test):
        return getattr(test, "test_case", test)._testMethodName

    def _mark(self, test, outcome, detail=""):
        name = self._name(test)
        # The first failure of a check (or of any of its subtests) is the one reported.
        if self.outcomes.get(name, ("passed",))[0] != "failed":
            self.outcomes[name] = (outcome, detail)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes.setdefault(self._name(test), ("passed", ""))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._mark(test, "failed", str(err[1]).splitlines()[0] if str(err[1]) else err[0].__name__)

    def addError(self, test, err):
        super().addError(test, err)
        self._mark(test, "failed", f"{err[0].__name__}: {err[1]}".splitlines()[0])

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes.setdefault(self._name(test), ("skipped", reason))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None and not issubclass(err[0], unittest.SkipTest):
            self._mark(test, "failed", f"{subtest._subDescription()}: {str(err[1]).splitlines()[0] if str(err[1]) else err[0].__name__}")


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(TypeScriptKernelTests)
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, resultclass=ScoringResult)
    result = runner.run(suite)
    summary = {"kernel": KERNEL_NAME, "passed": [], "failed": {}, "skipped": []}
    for name, (outcome, detail) in sorted(result.outcomes.items()):
        if outcome == "passed":
            summary["passed"].append(name)
        elif outcome == "failed":
            summary["failed"][name] = detail
        else:
            summary["skipped"].append(name)
    print("RESULT " + json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
