"""Drives a kernel over the Jupyter protocol where jupyter_kernel_test does not look: interrupts,
stop_on_error, requests right after an error, execution counts. Usage:
python3 protocol_checks.py <kernel-name>; prints `RESULT {json}` with what each scenario observed.
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel

TIMEOUT = 30
# Long enough for the kernel to be inside the cell when the interrupt arrives.
SETTLE_SECONDS = 1.0


def collect(kc, msg_id):
    """The execute_reply for msg_id, and the iopub messages (type, content) it produced until idle."""
    reply = None
    while reply is None:
        msg = kc.get_shell_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id:
            reply = msg["content"]
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                return reply, outputs
            continue
        outputs.append({"type": msg["msg_type"], "content": msg["content"]})


def run(kc, code, **kw):
    return collect(kc, kc.execute(code, **kw))


def summary(reply, outputs):
    return {
        "status": reply["status"],
        "execution_count": reply.get("execution_count"),
        "ename": reply.get("ename"),
        "evalue": reply.get("evalue"),
        "outputs": outputs,
    }


def main():
    km, kc = start_new_kernel(kernel_name=sys.argv[1])
    observed = {}
    try:
        observed["setup"] = summary(*run(kc, "let spins = 0;\nconst kept = 'still here';"))

        # A synchronous endless loop, interrupted: the kernel survives with its variables.
        msg_id = kc.execute("while (true) { spins++; }")
        time.sleep(SETTLE_SECONDS)
        km.interrupt_kernel()
        observed["interrupt_sync"] = summary(*collect(kc, msg_id))
        observed["after_interrupt_sync"] = summary(*run(kc, "[kept, spins > 0]"))

        # An await that never settles, interrupted.
        msg_id = kc.execute("await new Promise(() => {});")
        time.sleep(SETTLE_SECONDS)
        km.interrupt_kernel()
        observed["interrupt_async"] = summary(*collect(kc, msg_id))

        # nbclient's pattern: the next request is sent as soon as the error reply arrives.
        observed["error"] = summary(*run(kc, "throw new Error('first')"))
        observed["right_after_error"] = summary(*run(kc, "1 + 1"))

        # Three requests sent at once; the first fails after the others have surely arrived.
        failing_late = "await new Promise((r) => setTimeout(r, 300));\nthrow new Error('queued')"
        for stop_on_error in (True, False):
            ids = [kc.execute(code, stop_on_error=stop_on_error) for code in (failing_late, "2 + 2", "3 + 3")]
            observed[f"queued_stop_on_error_{stop_on_error}"] = [summary(*collect(kc, i)) for i in ids]

        # Silent requests neither count nor show a result.
        observed["silent"] = summary(*run(kc, "40 + 2", silent=True))
        observed["after_silent"] = summary(*run(kc, "5 * 5"))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    print("RESULT " + json.dumps(observed), flush=True)


if __name__ == "__main__":
    main()
