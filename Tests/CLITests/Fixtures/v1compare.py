"""Decodes subunit v2 files with python-subunit (ByteStreamToStreamResult, as
its tools read a stream) and prints, per file, the events as JSON lists:
[test_id, status, sorted tags, timestamp, file name, file bytes (latin-1),
MIME type, eof]. Consecutive stream-level stdout chunks are joined: how text
is cut into packets is not part of a test's result.

  python v1compare.py [--any-time] FILE...

--any-time shows only whether a timestamp is there, for streams whose
timestamps come from the clock (v1 input without time: lines)."""
import json
import sys

import subunit


class Recorder:
    def __init__(self, any_time):
        self.events = []
        self.any_time = any_time

    def startTestRun(self):
        pass

    def stopTestRun(self):
        pass

    def status(self, test_id=None, test_status=None, test_tags=None, runnable=True, file_name=None,
               file_bytes=None, eof=False, mime_type=None, route_code=None, timestamp=None):
        data = bytes(file_bytes).decode("latin-1") if file_bytes is not None else None
        if timestamp is not None:
            timestamp = "present" if self.any_time else timestamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        last = self.events[-1] if self.events else None
        if (test_id is None and file_name == "stdout" and last is not None and last[0] is None
                and last[4] == "stdout" and test_status is None and last[1] is None):
            last[5] += data
            return
        self.events.append([test_id, test_status, sorted(test_tags) if test_tags else None, timestamp,
                            file_name, data, mime_type, eof])


args = sys.argv[1:]
any_time = "--any-time" in args
out = {}
for path in [a for a in args if a != "--any-time"]:
    r = Recorder(any_time)
    with open(path, "rb") as f:
        subunit.ByteStreamToStreamResult(f, non_subunit_name="stdout").run(r)
    out[path] = r.events
json.dump(out, sys.stdout, indent=1)
