"""Decodes subunit v2 files with python-subunit, the way its tools do, and
prints the events as JSON: {"FILE": [event, ...] or {"crash": "message"}}.
Event fields and formats are those of the vectors' .json files."""
import base64
import json
import sys

import subunit


class Recorder:
    def __init__(self):
        self.events = []

    def startTestRun(self):
        pass

    def stopTestRun(self):
        pass

    def status(self, test_id=None, test_status=None, test_tags=None, runnable=True, file_name=None,
               file_bytes=None, eof=False, mime_type=None, route_code=None, timestamp=None):
        self.events.append({
            "test_id": test_id,
            "test_status": test_status,
            "test_tags": sorted(test_tags) if test_tags is not None else None,
            "runnable": runnable,
            "file_name": file_name,
            "file_bytes": base64.b64encode(bytes(file_bytes)).decode() if file_bytes is not None else None,
            "eof": eof,
            "mime_type": mime_type,
            "route_code": route_code,
            "timestamp": timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if timestamp is not None else None,
        })


out = {}
for path in sys.argv[1:]:
    r = Recorder()
    try:
        with open(path, "rb") as f:
            subunit.ByteStreamToStreamResult(f, non_subunit_name="stdout").run(r)
        out[path] = r.events
    except Exception as e:  # python-subunit crashes on some damaged input
        out[path] = {"crash": repr(e)}
json.dump(out, sys.stdout)
